import Distributions
import AcceptanceBounds

/// Closed forms for K identical drafts (Khisti et al., arXiv 2410.18234, Theorems 2 and 3 and Remark 2 by the
/// reviews' numbering; <doc:Theory#Optimal-acceptance>). The paper's exact statements were not available:
/// the K = 2 formulas are **[reconstructed]** and checked against the LP; the K-draft form is [proven] as the subset
/// formula with Q(S) = q(S)ᴷ.
///
/// ```
/// alpha* = min_S [ p(S) + 1 − q(S)ᴷ ]      (K = 2: = min_S { p(S) + q(Sᶜ)² + 2 q(S) q(Sᶜ) })
/// alpha* = 1  ⇔  p(S) ≥ q(S)ᴷ for every S ⊆ Σ
/// ```
///
/// Both are evaluated by the prefix theorem: one scan of the ascending p/q order, O(V log V) (O(V) radix sort for
/// large V), instead of 2^V subsets. Valid for any V ≥ 1, K ≥ 1.
public enum IdenticalDrafts {
    /// The outcome of the acceptance-1 test.
    public struct AcceptanceOneCheck: Sendable, Equatable {
        /// Whether p(S) ≥ q(S)ᴷ for every S (within the tolerance).
        public let holds: Bool
        /// min_S [p(S) − q(S)ᴷ] (≤ 0; the empty set gives 0).
        public let margin: Double
        /// A set S with p(S) − q(S)ᴷ = margin < −tolerance (increasing token indices), nil when the condition holds.
        public let violatingSet: [Int]?
    }

    /// alpha* = min_S [p(S) + 1 − q(S)ᴷ] by the prefix scan, with a minimising set.
    public static func optimalAcceptance(
        target p: Distribution, draft q: Distribution,
        drafts k: Int = 2
    ) throws -> (alpha: Double, minimizer: [Int]) {
        try requireVocabulary(p, [q])
        guard k >= 1 else {
            throw ImportanceSamplingError.wrongDraftCount(what: "identical drafts", expected: ">= 1", found: k)
        }
        let result = SubsetBound.prefixIID(target: p, draft: q, drafts: k)
        return (result.alpha, result.minimizer)
    }

    /// The acceptance-1 condition p(S) ≥ q(S)ᴷ ∀S, decided on the prefixes of the ratio order; returns a violating
    /// set otherwise. `tolerance` absorbs round-off (default 1e-12).
    public static func acceptanceOne(
        target p: Distribution, draft q: Distribution, drafts k: Int = 2,
        tolerance: Double = 1e-12
    ) throws -> AcceptanceOneCheck {
        let (_, minimizer) = try optimalAcceptance(target: p, draft: q, drafts: k)
        let margin = min(0, p.mass(of: minimizer) - integerPower(min(1, q.mass(of: minimizer)), k))
        let holds = margin >= -tolerance
        return AcceptanceOneCheck(holds: holds, margin: margin, violatingSet: holds ? nil : minimizer)
    }

    /// The three-token closed forms of optimal-acceptance.md §7 (K = 2, u uniform on 3 tokens) [proven by
    /// enumerating |S|]:
    ///
    /// ```
    /// reading 1 (target v, drafts u):  alpha* = min(1, 8/9 + min_i vᵢ, 14/9 − max_i vᵢ)
    /// reading 2 (target u, drafts v):  alpha* = min(1, 4/3 − (max_i vᵢ)², 5/3 − (1 − min_i vᵢ)²)
    /// ```
    public static func threeTokenOptimum(reading: Int, v: [Double]) -> Double {
        precondition(v.count == 3 && (reading == 1 || reading == 2))
        let lo = v.min()!, hi = v.max()!
        if reading == 1 { return min(1, 8.0 / 9 + lo, 14.0 / 9 - hi) }
        return min(1, 4.0 / 3 - hi * hi, 5.0 / 3 - (1 - lo) * (1 - lo))
    }
}
