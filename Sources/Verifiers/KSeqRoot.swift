import Distributions

/// The division factor ρ* of SpecTr's K-SEQ and the functions it is defined by.
///
/// ```
/// β(ρ) = Σ_x min(q(x), p(x)/ρ),   1 − β(ρ) = Σ_x (q(x) − p(x)/ρ)_+
/// f(ρ) = 1 − (1 − β(ρ))ⁿ − ρ β(ρ)         non-increasing on [1, n], f(1) ≥ 0 ≥ f(n)
/// ρ* = min{ρ ∈ [1, n] : f(ρ) ≤ 0}
/// ```
///
/// - Complexity: O(V) per evaluation of f; ρ* takes at most ~50 evaluations (bisection to 1e-13 on [1, n]).
///
/// Source: Sun et al., "SpecTr" (2023, arXiv 2310.15141); root finding as in verifiers.md §4.4.
public enum KSeqRoot {
    /// f(1) ≤ this returns ρ* = 1 exactly.
    public static let exactOneTolerance = 1e-15
    /// The bisection stops when hi − lo < this.
    public static let bisectionTolerance = 1e-13

    /// (β(ρ), 1 − β(ρ)), the second summed directly as Σ (q − p/ρ)_+.
    public static func beta(target p: Distribution, draft q: Distribution, rho: Double) -> (beta: Double, miss: Double)
    {
        var beta = 0.0, miss = 0.0
        for x in 0..<p.vocabularySize {
            let scaled = p[x] / rho
            if scaled < q[x] { beta += scaled; miss += q[x] - scaled } else { beta += q[x] }
        }
        return (beta, miss)
    }

    /// f(ρ) = 1 − (1 − β)ⁿ − ρβ.
    public static func f(target p: Distribution, draft q: Distribution, drafts n: Int, rho: Double) -> Double {
        let (b, miss) = beta(target: p, draft: q, rho: rho)
        return (1 - integerPower(miss, n)) - rho * b
    }

    /// ρ*: exactly 1 when f(1) ≤ 1e-15 (always for n = 1 and p = q); otherwise bisection on [1, n] until
    /// hi − lo < 1e-13 (at most 200 halvings), returning the feasible end hi (f(hi) ≤ 0).
    public static func rhoStar(target p: Distribution, draft q: Distribution, drafts n: Int) -> Double {
        if n <= 1 || f(target: p, draft: q, drafts: n, rho: 1) <= exactOneTolerance { return 1 }
        var lo = 1.0, hi = Double(n)
        var iterations = 0
        while hi - lo >= bisectionTolerance && iterations < 200 {
            let mid = 0.5 * (lo + hi)
            if f(target: p, draft: q, drafts: n, rho: mid) <= 0 { hi = mid } else { lo = mid }
            iterations += 1
        }
        return hi
    }
}
