import Foundation
import MultidraftNumerics
import MultidraftSupport

/// Q(H) = P(the first n draws without replacement from q all lie in H), for every prefix H_k of a token order, by
/// the exponential-race integral.
///
/// Give every token an exponential clock E_i ~ Exp(q_i); successive sampling without replacement is the order in
/// which the clocks ring. With r = q(Σ ∖ H) and N_H(t) = #{i ∈ H : E_i ≤ t}:
///
/// ```
/// Q(H) = P(N_H(T) ≥ n),  T ~ Exp(r)  ⇒  Q(H) = ∫₀^∞ r e^{−rt} P(N_H(t) ≥ n) dt
/// ```
///
/// The integral is a trapezoid rule in log t (12 points per decade) from t_lo = max((10⁻¹⁷)^{1/(n+1)}, 0.05/(n + 1))/Σq
/// (one draft: (10⁻¹⁷)^{1/2}/Σq) to t_hi = 50/min_k r_k, its lattice continued below t_lo by the integrand's
/// interpolating polynomial (times tⁿ) through the first seven nodes;
/// P(N_H(t) = m), m < n, is carried token by token (Poisson-binomial recursion). Suffix masses r_k are summed from
/// the end of the order, never formed as 1 − q(H), so the result stays exact at low temperature (one token holding
/// 1 − 10⁻²⁰ of the mass). The theory file uses 24 points per decade; the integrand is analytic in a strip around
/// the real log-t axis, so the trapezoid error falls like e^{−π²/h} and 12 per decade already measures below
/// 2·10⁻¹³ against exact ordered sums (see the tests; 10 per decade drifts to 8·10⁻¹² at n = 16).
///
/// Two drafts need no integral: ``prefixMasses(_:order:drafts:pointsPerDecade:threads:needed:)`` returns the closed
/// form of ``TwoDraws`` for n = 2.
///
/// - Complexity: O(V·G·n) time for all V prefixes (O(V) for two drafts), G ≈ 12 points per decade of [t_lo, t_hi]; O(V) memory. Grid
///   points whose count has saturated (P(N < n) < 10⁻¹⁸) stop early, and prefixes past the integrand's support are
///   skipped, so peaked distributions cost much less.
/// - Reference: <doc:Theory#Optimal-acceptance>. Hu et al. (2025, arXiv 2502.18779) characterise the
///   optimum for this law; their own algorithm was not available, this quadrature is an independent construction.
public enum WithoutReplacementRace {
    /// Points per decade of t on the quadrature grid.
    public static let defaultPointsPerDecade = 12

    /// Q(H_k) for k = 0…V, where H_k is the first k tokens of `order` (a permutation of 0..<V), for n ≥ 1 drafts.
    /// Requires n ≤ |supp(q)|; when H_k covers the support, Q(H_k) = 1.
    ///
    /// Two drafts take the closed form instead (``TwoDraws/prefixMasses(_:order:)``, O(V), every entry).
    ///
    /// - Parameter needed: the prefixes whose Q is wanted (default: all). Tokens after `needed.upperBound` are never
    ///   processed and the grid stops at t = 50/r at that prefix; entries outside `needed` are returned as NaN
    ///   (except those with r = 0, which are exactly 1; two drafts return every entry).
    public static func prefixMasses(
        _ q: [Double], order: [Int], drafts n: Int, pointsPerDecade: Int = defaultPointsPerDecade, threads: Int = 1,
        needed: ClosedRange<Int>? = nil
    ) -> [Double] {
        let v = order.count
        precondition(n >= 1 && v == q.count)
        // Two drafts: the pair law in closed form, every prefix exact to a few ulps in O(V).
        if n == 2 { return TwoDraws.prefixMasses(q, order: order) }
        let qs = order.map { q[$0] }
        // r_k = q(Σ ∖ H_k) = Σ_{m>k} q(σ_m), summed from the end.
        var r = [Double](repeating: 0, count: v + 1)
        for k in stride(from: v - 1, through: 0, by: -1) { r[k] = r[k + 1] + qs[k] }
        let total = r[0]
        var out = [Double](repeating: .nan, count: v + 1)
        out[0] = 0
        // Prefixes that cover the whole support have r = 0 and Q = 1 (n ≤ |supp(q)| is required).
        var lastPositive = -1
        for k in 0...v where r[k] > 0 { lastPositive = k }
        for k in (lastPositive + 1)...v { out[k] = 1 }
        let wanted = needed ?? 1...v
        let kLo = max(1, wanted.lowerBound), kHi = min(lastPositive, wanted.upperBound)
        if kLo > kHi { return out }
        // The lattice t_lo·ρ^i (ρ = 10^{1/pointsPerDecade}) runs to the first node beyond t_hi = 50/r_{kHi}, where the
        // factor r·t·e^{−rt} of every needed prefix is below 1e-19. The integrand in t is tⁿ·h(t) (P(N_H(t) ≥ n) =
        // O(tⁿ)), h entire with Taylor coefficients below (λ)^j/j!, λ ≲ (n + 1)·Σq; below t_lo the lattice is summed
        // for h equal to its polynomial through the first seven nodes (``GeometricLattice``): with
        // Σq·t_lo = 0.05/(n + 1) the interpolation errs by ≈ (0.05)⁷ρ²¹/7! ≈ 10⁻¹¹ of a part that is
        // ~(Σq·t_lo)^{n+1} of the integral. The nodes below that, to (10⁻¹⁷)^{1/(n+1)}/Σq (where the rule used to
        // start), were each a full pass over the prefixes (nothing saturates at small t): 47 nodes at n = 2, 17 at
        // n = 4; from n = 7 on that old lower end is the larger one and is kept.
        let tLo = latticeLowerEnd(drafts: n) / total
        let tHi = max(tLo * 10, 50 / r[kHi])
        let continuation = GeometricLattice.continuationWeights(
            pointsPerDecade: Double(pointsPerDecade), power: n + 1, shift: n)
        let g = max(continuation.count + 1, Int(Double(pointsPerDecade) * log10(tHi / tLo)) + 2)
        let step = log(10.0) / Double(pointsPerDecade), logLo = log(tLo)
        let grid = (0..<g).map { exp(logLo + Double($0) * step) }
        // log-step weights: the bi-infinite rule (half weight at the last node), continued below t_lo (the summand
        // is t·F(t), so the continuation's h·t_lo·δ_i·F(t_i) is a factor δ_i·ρ^{−i} on the node's own weight)
        var weights = [Double](repeating: step, count: g)
        weights[g - 1] = 0.5 * step
        for (i, delta) in continuation.enumerated() { weights[i] += step * delta * exp(-Double(i) * step) }

        // The grid is cut into a fixed number of blocks, each integrated into its own accumulator and summed in a
        // fixed order; threads only decide who computes which block, so the result does not depend on them.
        let blocks = min(16, g)
        let partials: [[Double]] = parallelMap(count: blocks, threads: max(1, threads)) { b in
            var acc = [Double](repeating: 0, count: kHi + 1)
            let lo = b * g / blocks, hi = (b + 1) * g / blocks
            var d = [Double](repeating: 0, count: n)
            for gi in lo..<hi {
                let t = grid[gi], w = weights[gi]
                for m in 0..<n { d[m] = 0 }
                d[0] = 1
                var k = 0
                var saturated = false
                // e^{−r_k t}, carried multiplicatively (e^{−r_k t} = e^{−r_{k−1} t} / e^{−q_k t}) and recomputed
                // directly every 32 steps, so the integral needs no exponential of its own on most steps.
                var decay = -1.0, decayIndex = -1, sinceRefresh = 0
                while k < kHi {
                    let x = qs[k] * t
                    k += 1
                    var bb = 1.0
                    if !saturated && x > 0 {
                        let a: Double
                        (a, bb) = oneMinusExpAndExp(x)
                        var m = n - 1
                        while m >= 1 { d[m] = d[m] * bb + d[m - 1] * a; m -= 1 }
                        d[0] *= bb
                        if k & 7 == 0 || k >= kLo {
                            var below = 0.0
                            for m in 0..<n { below += d[m] }
                            if below < 1e-18 { saturated = true }
                        }
                    }
                    if k < kLo { continue }
                    let rt = r[k] * t
                    if rt > 46 { // e^{-rt} < 1.1e-20: no contribution yet
                        // Once saturated nothing is carried token by token: jump to the first prefix whose
                        // e^{−r t} counts (r is non-increasing; the same sums as stepping there one by one).
                        if saturated && k < kHi {
                            var low = k + 1, high = kHi
                            while low < high {
                                let mid = (low + high) / 2
                                if r[mid] * t > 46 { low = mid + 1 } else { high = mid }
                            }
                            k = low - 1
                        }
                        continue
                    }
                    if rt < 1e-18 { break } // later prefixes have even smaller r: nothing left to add
                    sinceRefresh += 1
                    if decayIndex != k - 1 || sinceRefresh >= 32 || saturated || bb < 1e-200 {
                        decay = oneMinusExpAndExp(rt).1
                        sinceRefresh = 0
                    } else {
                        decay /= bb
                    }
                    decayIndex = k
                    var tail: Double
                    if saturated {
                        tail = 1
                    } else {
                        var below = 0.0
                        for m in 0..<n { below += d[m] }
                        tail = min(1, max(0, 1 - below))
                    }
                    if tail > 0 { acc[k] += w * rt * decay * tail }
                }
            }
            return acc
        }
        for k in kLo...kHi {
            var s = 0.0
            for p in partials { s += p[k] }
            out[k] = min(1, s)
        }
        return out
    }

    /// The first node of the race lattices in units of 1/Σq: max((10⁻¹⁷)^{1/(n+1)}, 0.05/(n + 1)) for n ≥ 2 drafts,
    /// (10⁻¹⁷)^{1/2} for one; below it the lattice is continued (``GeometricLattice``). Shared by the t rule here and
    /// the optimal verifier's τ rule, whose integrands vanish alike (like tⁿ).
    package static func latticeLowerEnd(drafts n: Int) -> Double {
        n >= 2 ? max(pow(1e-17, 1 / Double(n + 1)), 0.05 / Double(n + 1)) : pow(1e-17, 1 / Double(n + 1))
    }

    /// (1 − e^{−x}, e^{−x}) for x ≥ 0, by a 6-term series below 10⁻³ (relative truncation error < 2·10⁻²²; the four terms used
    /// before were 8·10⁻¹⁵ off at x = 10⁻³), 1 and e^{−x} beyond 45, and expm1/exp in between (the complement taken
    /// on the side that does not cancel). Shared with the optimal verifier's race quadrature.
    @inlinable @inline(__always)
    package static func oneMinusExpAndExp(_ x: Double) -> (Double, Double) {
        if x < 1e-3 {
            let a = x * (1 - x * (0.5 - x * (1.0 / 6 - x * (1.0 / 24 - x * (1.0 / 120 - x / 720)))))
            return (a, 1 - a)
        }
        if x > 45 { return (1, exp(-x)) }
        if x < 0.5 { let a = -expm1(-x); return (a, 1 - a) }
        let b = exp(-x)
        return (1 - b, b)
    }

    /// Q(H) for one token set H (membership mask), by ``prefixMasses(_:order:drafts:pointsPerDecade:threads:)``
    /// on the order (H, then the rest).
    public static func subsetMass(_ q: [Double], mask: [Bool], drafts n: Int) -> Double {
        let inside = q.indices.filter { mask[$0] }
        let order = inside + q.indices.filter { !mask[$0] }
        return prefixMasses(q, order: order, drafts: n, needed: inside.count...inside.count)[inside.count]
    }
}
