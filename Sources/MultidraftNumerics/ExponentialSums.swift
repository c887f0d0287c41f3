import MultidraftSupport
import Foundation

/// Fast sums of exponentials between a set of rates w_y > 0 and a set of times t_g ≥ 0, in both directions:
///
/// ```
/// forward:     F_g = Σ_y a_y e^{−t_g w_y}        (g = 0…G−1)
/// transposed:  T_y = Σ_g c_g e^{−t_g w_y}        (y = 0…Y−1)
/// ```
///
/// in O((Y + B·G)·K) instead of O(Y·G) exponentials. The rates are grouped into B bins of width 2δ in log w; for a
/// rate w = w_c + d in the bin of centre w_c (|d| ≤ w_c(e^δ − 1)),
///
/// ```
/// e^{−t w} = e^{−t w_c} Σ_{k<K} (−t d)^k / k!   + R_K,      |R_K| ≤ e^{−t w_c} e^{|t d|} |t d|^K / K!
/// ```
///
/// so the forward sum needs the bin moments Σ a_y d_y^k / k! and the transposed sum needs the bin transforms
/// Σ_g c_g t_g^k e^{−t_g w_c}. Bins whose smallest rate has t·w > `cutoff` are skipped at that time (each skipped term
/// is below e^{−cutoff} times its amplitude). With the defaults (δ = 0.005, K = 18, cutoff = 100): |t d| ≤ 0.51, the
/// truncation error is below 10⁻¹⁸ relative, and the alternating sums lose at most a factor e^{2|t d|} ≤ 2.8 to
/// rounding — about 10⁻¹⁵ relative for non-negative a and c.
///
/// - Complexity: construction O(Y); each sum O(Y·K + B·G·K), B ≈ ln(w_max/w_min)/(2δ) + 1.
package struct ExponentialSums: Sendable {
    /// Number of Taylor terms K.
    package let terms: Int
    /// Skip threshold on t·w.
    package let cutoff: Double
    /// Bin of each rate, and its offset d from the bin centre.
    let bin: [Int]
    let offset: [Double]
    /// Taylor terms each rate needs: termsNeeded(cutoff·|d|/w_low) with w_low the bin's smallest rate (no time
    /// beyond cutoff/w_low enters its bin, so |t d| never exceeds that argument).
    let rateTerms: [Int]
    /// Bin centres, smallest rates and largest offsets |d|.
    let centre: [Double]
    let lowest: [Double]
    let spread: [Double]
    /// θ_j = (10⁻¹⁸·j!)^{1/j} for j = 1…K−1, increasing in j: x^j/j! < 10⁻¹⁸ exactly when x < θ_j, so the terms a
    /// sum needs are found by comparisons (``termsNeeded(_:)``), and along increasing times by advancing an index.
    let thresholds: [Double]

    /// - Precondition: every rate is positive and finite.
    package init(rates w: [Double], halfWidth delta: Double = 0.005, terms: Int = 18, cutoff: Double = 100) {
        self.terms = terms
        self.cutoff = cutoff
        let thresholds = (1..<max(1, terms)).map { exp((log(1e-18) + lgamma(Double($0 + 1))) / Double($0)) }
        self.thresholds = thresholds
        let logs = w.map { log($0) }
        let uMin = logs.min() ?? 0
        let width = 2 * delta
        var bin = [Int](repeating: 0, count: w.count)
        var count = 0
        for i in 0..<w.count {
            bin[i] = Int((logs[i] - uMin) / width)
            count = max(count, bin[i] + 1)
        }
        let centre = (0..<count).map { exp(uMin + (Double($0) + 0.5) * width) }
        var lowest = [Double](repeating: .infinity, count: count)
        var offset = [Double](repeating: 0, count: w.count)
        var spread = [Double](repeating: 0, count: count)
        for i in 0..<w.count {
            offset[i] = w[i] - centre[bin[i]]
            lowest[bin[i]] = min(lowest[bin[i]], w[i])
            spread[bin[i]] = max(spread[bin[i]], abs(offset[i]))
        }
        self.spread = spread
        var rateTerms = [Int](repeating: terms, count: w.count)
        for i in 0..<w.count {
            let x = cutoff * abs(offset[i]) / lowest[bin[i]]
            var j = 1
            while j < terms && x >= thresholds[j - 1] { j += 1 }
            rateTerms[i] = max(1, min(terms, j))
        }
        self.rateTerms = rateTerms
        self.bin = bin
        self.offset = offset
        self.centre = centre
        self.lowest = lowest
    }

    /// The number of Taylor terms after which x^j/j! < 10⁻¹⁸ (at most ``terms``): the terms a (bin, time) pair needs
    /// when |t d| ≤ x. Terms beyond it are below 10⁻¹⁸ of the bin's leading term, and are dropped.
    @inline(__always)
    package func termsNeeded(_ x: Double) -> Int {
        advanceTerms(1, to: x)
    }

    /// ``termsNeeded(_:)`` at x, searching up from `start` terms (a count known to suffice for a smaller x; the
    /// count is non-decreasing in x, so a loop over increasing times advances one index).
    @inline(__always)
    package func advanceTerms(_ start: Int, to x: Double) -> Int {
        var j = start
        while j < terms && x >= thresholds[j - 1] { j += 1 }
        return j
    }

    /// F_g = Σ_y a_y e^{−t_g w_y}. Times must increase. They are cut into fixed chunks computed on up to `threads`
    /// threads; every F_g is summed in the same order whatever the thread count.
    package func forward(amplitudes a: [Double], times t: [Double], threads: Int = 1) -> [Double] {
        let k = terms, bins = centre.count
        // moments[b*K + j] = Σ_{y in b} a_y d_y^j / j!
        var moments = [Double](repeating: 0, count: bins * k)
        var used = [Bool](repeating: false, count: bins)
        for y in 0..<a.count where a[y] != 0 {
            let base = bin[y] * k
            used[bin[y]] = true
            var term = a[y]
            let d = offset[y]
            for j in 0..<rateTerms[y] {
                moments[base + j] += term
                term *= d / Double(j + 1)
            }
        }
        let usedBins = (0..<bins).filter { used[$0] }
        let chunks = min(8, t.count)
        let parts: [[Double]] = parallelMap(count: chunks, threads: threads) { c in
            let lo = c * t.count / chunks, hi = (c + 1) * t.count / chunks
            var out = [Double](repeating: 0, count: hi - lo)
            moments.withUnsafeBufferPointer { m in
                for b in usedBins {
                    let base = b * k
                    var kk = 1
                    for g in lo..<hi {
                        let tg = t[g]
                        if tg * lowest[b] > cutoff { break }
                        // Σ_{j<K'} (−t)^j m_j by Horner, K' the terms that matter at |t d| ≤ t·spread.
                        kk = advanceTerms(kk, to: tg * spread[b])
                        var s = m[base + kk - 1]
                        for j in stride(from: kk - 2, through: 0, by: -1) { s = m[base + j] - tg * s }
                        out[g - lo] += exp(-tg * centre[b]) * s
                    }
                }
            }
            return out
        }
        return parts.flatMap { $0 }
    }

    /// T_y = Σ_g c_g e^{−t_g w_y} and, if `firstMoment`, T¹_y = Σ_g c_g t_g e^{−t_g w_y} from the same bin transforms
    /// (Σ_g c_g t_g^{j+1} e^{−t_g w_c}/j! = (j + 1)·N_{j+1}, N_j = Σ_g c_g t_g^j e^{−t_g w_c}/j!). Bins are cut into
    /// fixed chunks, then the rates, each computed on up to `threads` threads; the result does not depend on them.
    /// Times must increase.
    package func transposed(
        coefficients c: [Double], times t: [Double], firstMoment: Bool = false, threads: Int = 1
    )
        -> (zeroth: [Double], first: [Double]?)
    {
        let k = terms + 1, bins = centre.count
        var used = [Bool](repeating: false, count: bins)
        for y in 0..<bin.count { used[bin[y]] = true }
        let usedBins = (0..<bins).filter { used[$0] }
        // transforms[b*K + j] = N_j for bin b
        let chunks = max(1, min(8, usedBins.count))
        let parts: [[Double]] = parallelMap(count: chunks, threads: threads) { c0 in
            let lo = c0 * usedBins.count / chunks, hi = (c0 + 1) * usedBins.count / chunks
            var part = [Double](repeating: 0, count: (hi - lo) * k)
            for (slot, b) in usedBins[lo..<hi].enumerated() {
                let base = slot * k
                var needed = 1
                for g in 0..<t.count where c[g] != 0 {
                    let tg = t[g]
                    if tg * lowest[b] > cutoff { break }
                    var term = c[g] * exp(-tg * centre[b])
                    needed = advanceTerms(needed, to: tg * spread[b])
                    for j in 0..<min(k, needed + 1) {
                        part[base + j] += term
                        term *= tg / Double(j + 1)
                    }
                }
            }
            return part
        }
        var transforms = [Double](repeating: 0, count: bins * k)
        for (c0, part) in parts.enumerated() {
            let lo = c0 * usedBins.count / chunks
            for (slot, b) in usedBins[lo..<(lo + part.count / k)].enumerated() {
                for j in 0..<k { transforms[b * k + j] = part[slot * k + j] }
            }
        }
        let rateChunks = max(1, min(8, bin.count))
        let results: [([Double], [Double])] = parallelMap(count: rateChunks, threads: threads) { c0 in
            let lo = c0 * bin.count / rateChunks, hi = (c0 + 1) * bin.count / rateChunks
            var zeroth = [Double](repeating: 0, count: hi - lo)
            var first = [Double](repeating: 0, count: firstMoment ? hi - lo : 0)
            for y in lo..<hi {
                let base = bin[y] * k
                let d = offset[y]
                let kk = rateTerms[y] // N_0 … N_{kk−1} (and N_kk for the first moment)
                var s = transforms[base + kk - 1]
                for j in stride(from: kk - 2, through: 0, by: -1) { s = transforms[base + j] - d * s }
                zeroth[y - lo] = s
                if firstMoment {
                    var f = Double(kk) * transforms[base + kk]
                    for j in stride(from: kk - 2, through: 0, by: -1) {
                        f = Double(j + 1) * transforms[base + j + 1] - d * f
                    }
                    first[y - lo] = f
                }
            }
            return (zeroth, first)
        }
        return (results.flatMap(\.0), firstMoment ? results.flatMap(\.1) : nil)
    }
}
