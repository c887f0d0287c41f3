import Foundation

/// The Kolmogorov–Smirnov test that pooled randomised probability-integral transforms are uniform on [0, 1].
///
/// For a token y drawn from a discrete law with its cells in a fixed order, U = F(y−) + V·P(y) with V ~ U(0, 1)
/// independent is exactly uniform; for a sequence of tokens, each drawn from its own conditional law given the past,
/// the U's are i.i.d. uniform (each is uniform given everything before it). An engine that is not lossless emits
/// tokens whose U's are not uniform.
///
/// - Statistic: D_n = sup_u |F̂_n(u) − u|.
/// - p-value: the asymptotic Kolmogorov distribution with Stephens' finite-n correction,
///   P(D_n > d) ≈ 2 Σ_{k≥1} (−1)^{k−1} exp(−2 k² λ²), λ = (√n + 0.12 + 0.11/√n) d (accurate to about 1e-3 for
///   n ≥ 35 in the upper tail p ≤ 0.1, about 0.01 near p = 0.5; Stephens 1970).
/// - Lower confidence bound on the defect: by the Dvoretzky–Kiefer–Wolfowitz inequality (Massart's constant),
///   sup |F̂_n − F| ≤ ε = √(ln(2/α)/(2n)) with probability ≥ 1 − α, so the Kolmogorov distance of the true law of U
///   from uniform is ≥ D_n − ε; and that distance is at most the total-variation distance of the emitted tokens' law
///   from the target law (the transform and the mixing over steps can only shrink it). So max(0, D_n − ε) is a
///   1 − α lower confidence bound on the total-variation defect averaged over steps. DKW assumes i.i.d. draws: the
///   bound treats the pooled transforms as independent draws from their average law, exact when the defect is the
///   same at every step and an approximation when it varies with the context.
/// - Tokens needed: with n ≥ ((√(ln(2/α)/2) + √(ln(2/β)/2))/δ)², a defect whose transform is at Kolmogorov
///   distance δ from uniform is flagged at level α with probability ≥ 1 − β (DKW on both sides; β = 0.1 here). A
///   total-variation defect can have a much smaller Kolmogorov size (mass moved in no direction of the order).
public struct UniformityTest: Sendable, Equatable {
    public let count: Int
    public let statistic: Double
    public let pValue: Double

    public init(_ values: [Double]) {
        let u = values.count >= 4_096 ? Self.unitSorted(values) : values.sorted()
        let n = u.count
        count = n
        guard n > 0 else { statistic = 0; pValue = 1; return }
        var d = 0.0
        for (i, x) in u.enumerated() {
            d = max(d, Double(i + 1) / Double(n) - x, x - Double(i) / Double(n))
        }
        statistic = d
        pValue = Self.kolmogorovSurvival(d, n: n)
    }

    /// `values` in increasing order, the same sequence as `sorted()`. Values in [0, 1] (the transforms) go by a
    /// bucket sort: bucket ⌊x·m⌋ with m = ⌈n/4⌉ buckets (monotone in x, so buckets come in order), scattered by
    /// counting, each bucket then sorted in place (insertion sort up to 24 values, `sort()` beyond). Expected
    /// O(n) for near-uniform values, O(n log n) at worst (every value in one bucket); about twice as fast as a
    /// four-pass radix sort of the bit patterns on 10⁶ transforms. Any value outside [0, 1] (or NaN) sends the whole
    /// array to `sorted()`. −0 and +0 compare equal and may come in either order, as in `sorted()`.
    static func unitSorted(_ values: [Double]) -> [Double] {
        let n = values.count
        guard n < Int(Int32.max) else { return values.sorted() }
        let m = max(1, (n + 3) / 4)
        let scale = Double(m)
        var start = [Int32](repeating: 0, count: m + 1)
        var bucket = [Int32](repeating: 0, count: n)
        var inside = true
        values.withUnsafeBufferPointer { x in
            for i in 0..<n {
                guard x[i] >= 0 && x[i] <= 1 else {
                    inside = false
                    return
                }
                let b = min(m - 1, Int(x[i] * scale))
                bucket[i] = Int32(truncatingIfNeeded: b)
                start[b + 1] &+= 1
            }
        }
        guard inside else { return values.sorted() }
        for b in 0..<m { start[b + 1] &+= start[b] }
        var out = [Double](repeating: 0, count: n)
        var next = start
        out.withUnsafeMutableBufferPointer { o in
            for i in 0..<n {
                let b = Int(bucket[i])
                o[Int(next[b])] = values[i]
                next[b] &+= 1
            }
            for b in 0..<m {
                let lo = Int(start[b]), hi = Int(start[b + 1])
                guard hi - lo > 1 else { continue }
                if hi - lo > 24 {
                    o[lo..<hi].sort()
                    continue
                }
                for i in (lo + 1)..<hi {
                    let x = o[i]
                    var j = i
                    while j > lo && o[j - 1] > x {
                        o[j] = o[j - 1]
                        j -= 1
                    }
                    o[j] = x
                }
            }
        }
        return out
    }

    /// P(D_n > d) under uniformity (Stephens' approximation).
    public static func kolmogorovSurvival(_ d: Double, n: Int) -> Double {
        guard n > 0, d > 0 else { return 1 }
        let sn = Double(n).squareRoot()
        let lambda = (sn + 0.12 + 0.11 / sn) * d
        if lambda < 0.2 { return 1 }
        var sum = 0.0
        for k in 1...100 {
            let term = exp(-2 * Double(k * k) * lambda * lambda)
            sum += (k % 2 == 1 ? term : -term)
            if term < 1e-18 { break }
        }
        return min(1, max(0, 2 * sum))
    }

    /// ε = √(ln(2/α)/(2n)).
    public static func dkwRadius(count n: Int, level alpha: Double) -> Double {
        n > 0 ? (log(2 / alpha) / (2 * Double(n))).squareRoot() : .infinity
    }

    /// A 1 − α lower confidence bound on the total-variation defect: max(0, D_n − ε).
    public func defectLowerBound(level alpha: Double) -> Double {
        max(0, statistic - Self.dkwRadius(count: count, level: alpha))
    }

    /// Tokens after which a defect of Kolmogorov size δ is flagged at level α with probability ≥ 1 − β:
    /// ⌈((√(ln(2/α)/2) + √(ln(2/β)/2))/δ)²⌉.
    public static func tokensToDetect(defect delta: Double, level alpha: Double, missRate beta: Double = 0.1) -> Int {
        let root = ((log(2 / alpha) / 2).squareRoot() + (log(2 / beta) / 2).squareRoot()) / delta
        return Int((root * root).rounded(.up))
    }
}
