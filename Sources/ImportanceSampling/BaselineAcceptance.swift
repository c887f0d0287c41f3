import Foundation

/// Closed-form acceptances of the baselines the importance-sampling scheme is compared with in the experiment
/// tables (`shared/theory/verifiers.md` §1, §2, §4). Computed locally from their formulas so that this module does
/// not depend on the `Verifiers` module.
///
/// ```
/// single draft:      Σ_y min(p(y), q(y))
/// RRS-W (SpecInfer): 1 − Πᵢ (1 − aᵢ),   aᵢ = Σ_x min(p̂_{i−1}(x), qᵢ(x)),   p̂ᵢ = norm((p̂_{i−1} − qᵢ)_+)
/// K-SEQ (SpecTr):    1 − (1 − β(ρ*))ⁿ,  β(ρ) = Σ_x min(q(x), p(x)/ρ),
///                    ρ* = min{ρ ∈ [1, n] : 1 − (1 − β(ρ))ⁿ − ρβ(ρ) ≤ 0}     (bisection, 200 steps, to 1e-15)
/// ```
///
/// Sources: Leviathan et al. 2023 (arXiv 2211.17192); SpecInfer (arXiv 2305.09781); MCSD (arXiv 2401.06706);
/// SpecTr (Sun et al. 2023, arXiv 2310.15141; the K-SEQ formulas are [reconstructed] in verifiers.md §4).
/// Complexity: O(V), O(nV), O(V·200).
public enum BaselineAcceptance {
    /// Single-draft speculative sampling: Σ min(p, q).
    public static func single(target p: Distribution, draft q: Distribution) -> Double {
        p.overlap(with: q)
    }

    /// Recursive rejection sampling with replacement, drafts in the given order (i.i.d.: pass q n times).
    public static func recursiveRejection(target p: Distribution, drafts qs: [Distribution]) -> Double {
        var residual = p.probabilities
        var allRejected = 1.0
        for q in qs {
            var a = 0.0, excessTotal = 0.0
            var excess = [Double](repeating: 0, count: residual.count)
            for x in 0..<residual.count {
                a += min(residual[x], q[x])
                excess[x] = max(0, residual[x] - q[x])
                excessTotal += excess[x]
            }
            allRejected *= max(0, 1 - a)
            if excessTotal <= 0 { break }                 // zero-mass guard: every later test accepts
            residual = excess.map { $0 / excessTotal }
        }
        return 1 - allRejected
    }

    /// SpecTr K-SEQ at ρ*, n i.i.d. drafts from q.
    public static func kSequential(target p: Distribution, draft q: Distribution, drafts n: Int) -> Double {
        func beta(_ rho: Double) -> Double {
            var total = 0.0
            for x in 0..<p.vocabularySize { total += min(q[x], p[x] / rho) }
            return total
        }
        func f(_ rho: Double) -> Double {
            let b = beta(rho)
            return 1 - integerPower(1 - b, n) - rho * b
        }
        var rho = 1.0
        if n > 1 && f(1) > 1e-15 {
            var lo = 1.0, hi = Double(n)
            for _ in 0..<200 {
                let mid = 0.5 * (lo + hi)
                if f(mid) <= 0 { hi = mid } else { lo = mid }
                if hi - lo < 1e-15 { break }
            }
            rho = hi
        }
        return 1 - integerPower(1 - beta(rho), n)
    }
}
