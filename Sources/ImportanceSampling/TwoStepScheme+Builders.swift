import Distributions
import Solvers

/// Ready-made two-step schemes (Khisti et al., arXiv 2410.18234; <doc:Theory#Two-step-importance-sampling-schemes>).
///
/// | builder | weights | coin acceptance |
/// |---|---|---|
/// | ``optimal(target:drafts:options:)`` | K = 2 weight LP (identical-draft form when q₁ = q₂) | alpha* (to LP tolerance) |
/// | ``truncated(target:drafts:truncate:options:)`` | truncated LP, K = 2 | ≤ alpha*; = alpha* at s = V |
/// | ``tournament(target:drafts:method:options:)`` | pairwise stages, K ≥ 2 | ≤ alpha* |
/// | ``sir(target:drafts:)`` | plain SIR (pairwise tournament for K > 2) | ≤ alpha* |
/// | `optimalSelection(target:drafts:threads:)` (module OptimalVerifier) | identical drafts, any K, any V: block priority + fitted Luce weights | alpha* − certified gap |
///
/// Every scheme is lossless; each uses the p_I of its own weights.
extension TwoStepScheme {
    /// The optimal two-step scheme for K = 2 (weight LP); for K > 2 the full-LP tournament (not optimal in general).
    public static func optimal(
        target p: Distribution, drafts qs: [Distribution],
        options: LPOptions = LPOptions()
    ) throws -> TwoStepScheme {
        try tournament(target: p, drafts: qs, method: .weightLP, options: options)
    }

    /// The truncated-LP scheme with parameter s, K = 2 (for K > 2 the truncated-LP tournament).
    public static func truncated(
        target p: Distribution, drafts qs: [Distribution], truncate s: Int,
        options: LPOptions = LPOptions()
    ) throws -> TwoStepScheme {
        guard s >= 1, s <= p.vocabularySize else {
            throw ImportanceSamplingError.invalidTruncation(s: s, vocabularySize: p.vocabularySize)
        }
        return try tournament(target: p, drafts: qs, method: .truncatedLP(s), options: options)
    }

    /// Plain SIR weights: the pair rule for K = 2, the pairwise-SIR tournament for K > 2 (an exact K-draft SIR
    /// needs O(Vᴷ); use ``TupleWeights/sir(target:drafts:)`` with ``init(target:drafts:rule:)`` for small V).
    public static func sir(target p: Distribution, drafts qs: [Distribution]) throws -> TwoStepScheme {
        try tournament(target: p, drafts: qs, method: .sir)
    }

    /// The tournament scheme with the given stage method. K = 2 is a single stage (a plain pair rule).
    public static func tournament(
        target p: Distribution, drafts qs: [Distribution],
        method: TournamentSelection.StageMethod,
        options: LPOptions = LPOptions()
    ) throws -> TwoStepScheme {
        let (rule, laws) = try TournamentSelection.build(target: p, drafts: qs, method: method, options: options)
        if qs.count == 2 {
            return TwoStepScheme(validated: p, drafts: qs, rule: rule.stages[0], intermediate: laws[0])
        }
        return TwoStepScheme(validated: p, drafts: qs, rule: rule, intermediate: laws.last!)
    }
}
