import AcceptanceBounds
import Distributions
import ImportanceSampling

extension TwoStepScheme {
    /// The optimal scheme for K **identical** drafts at any vocabulary size: the optimal selection law r* realised by
    /// block priority and fitted Luce weights (``RealisedOptimalSelection``), step 2 against the realised law r_w.
    /// Returns the scheme and the realisation (its certified gap alpha* − Σ min(p, r_w)). Throws
    /// ``ImportanceSamplingError/wrongDraftCount(what:expected:found:)`` unless every draft equals the first.
    public static func optimalSelection(
        target p: Distribution, drafts qs: [Distribution], threads: Int = 1
    ) throws
        -> (scheme: TwoStepScheme, selection: RealisedOptimalSelection)
    {
        try requireVocabulary(p, qs)
        guard let q = qs.first, qs.allSatisfy({ $0 == q }) else {
            throw ImportanceSamplingError.wrongDraftCount(
                what: "the optimal selection scheme (identical drafts)", expected: "\(qs.count) identical",
                found: qs.count)
        }
        let selection = try RealisedOptimalSelection(
            target: p, law: try DraftLaw.iid(q, drafts: qs.count), threads: threads)
        return (
            TwoStepScheme(validated: p, drafts: qs, rule: selection.rule, intermediate: selection.realisedLaw),
            selection
        )
    }
}
