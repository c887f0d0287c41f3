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
        let u = values.count >= 4_096 ? Self.radixSorted(values) : values.sorted()
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

    /// `values` in increasing order by a least-significant-digit radix sort of their IEEE bit patterns (four passes
    /// of 16 bits, keys mapped so that unsigned order is numeric order): the same sequence as `sorted()` but for the
    /// relative order of −0 and +0, which compare equal. O(n + 2^16) per pass instead of O(n log n) comparisons: the
    /// pooled transforms of a long trace (10⁶ and more) sort several times faster.
    static func radixSorted(_ values: [Double]) -> [Double] {
        let n = values.count
        var keys = values.map { x -> UInt64 in
            let b = x.bitPattern
            return b & (1 << 63) != 0 ? ~b : b | (1 << 63)
        }
        var other = [UInt64](repeating: 0, count: n)
        var counts = [Int](repeating: 0, count: 1 << 16)
        for pass in 0..<4 {
            let shift = UInt64(16 * pass)
            for t in counts.indices { counts[t] = 0 }
            for k in keys { counts[Int((k >> shift) & 0xFFFF)] += 1 }
            var total = 0
            for t in counts.indices { (counts[t], total) = (total, total + counts[t]) }
            for k in keys {
                let digit = Int((k >> shift) & 0xFFFF)
                other[counts[digit]] = k
                counts[digit] += 1
            }
            swap(&keys, &other)
        }
        return keys.map { k in Double(bitPattern: k & (1 << 63) != 0 ? k & ~(1 << 63) : ~k) }
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
