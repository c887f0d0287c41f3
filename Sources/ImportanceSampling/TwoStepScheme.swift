import Distributions

/// The canonical two-step importance-sampling verifier of Khisti et al. with any weight function
/// (Khisti, Ebrahimi, Dbouk, Behboodi, Memisevic, Louizos, arXiv 2410.18234; <doc:Theory#Two-step-importance-sampling-schemes>).
///
/// ```
/// 1. selection:    Y' ~ β_·(x)                             (marginally Y' ~ p_I)
/// 2. speculative:  output Y' if U·p_I(Y') ≤ p(Y'),  else Y ~ norm((p − p_I)_+)
///
/// p_I(y) = Σ_x (Πᵢ qᵢ(xᵢ)) β_y(x),      coin acceptance = Σ_y min(p(y), p_I(y)) ≤ membership acceptance ≤ alpha*
/// ```
///
/// Every feasible β is lossless, because step 2 is single-draft speculative sampling with the true law p_I of Y'
/// [proven]. Theorem 1 of the paper, alpha* = max_β Σ_y min(p, p_I), is [reconstructed; checked for K = 2].
/// p_I is always recomputed from the rule actually used (never taken from an LP's auxiliary variables).
///
/// Drafts are independent, xᵢ ~ qᵢ (identical drafts: pass the same q K times).
/// Complexity: construction = the rule's p_I (O(V²) for pair rules) + O(V); ``verify(_:using:)`` is the rule's
/// selection plus O(1).
public struct TwoStepScheme: Sendable {
    public let target: Distribution
    /// q₁, …, q_K.
    public let drafts: [Distribution]
    public let rule: any SelectionRule
    /// Step 2 (holds p_I and the residual).
    public let step: SpeculativeStep

    /// Builds the scheme; throws if the vocabularies or the number of drafts disagree with the rule.
    public init(target p: Distribution, drafts qs: [Distribution], rule: any SelectionRule) throws {
        try requireVocabulary(p, qs)
        guard rule.vocabularySize == p.vocabularySize else {
            throw VocabularyMismatch(
                what: "the selection rule", expected: p.vocabularySize,
                found: rule.vocabularySize)
        }
        guard rule.draftCount == qs.count else {
            throw ImportanceSamplingError.wrongDraftCount(
                what: "the selection rule", expected: "\(rule.draftCount)",
                found: qs.count)
        }
        self.init(validated: p, drafts: qs, rule: rule, intermediate: rule.intermediate(drafts: qs))
    }

    /// Internal: inputs already validated and p_I already computed from `rule` and `qs`.
    package init(
        validated p: Distribution, drafts qs: [Distribution], rule: any SelectionRule, intermediate pI: [Double]
    ) {
        self.target = p
        self.drafts = qs
        self.rule = rule
        self.step = SpeculativeStep(target: p, draft: pI.map { max(0, $0) })
    }

    /// p_I, the law of the selected token.
    public var intermediate: [Double] { step.draft }

    /// Coin acceptance Σ_y min(p(y), p_I(y)): the probability that the output is the selected draft by the accept
    /// test. A lower bound on ``membershipAcceptance(maxTuples:)``; equal to alpha* at optimal weights.
    public var coinAcceptance: Double { step.acceptance }

    /// One verification: the output token, and the position of the accepted draft (nil if Y came from the residual,
    /// even when the residual sample happens to equal a drafted token). Precondition: K tokens in 0..<V.
    public func verify(_ tuple: [Int], using rng: inout some RandomNumberGenerator) -> (token: Int, acceptedDraft: Int?)
    {
        let position = rule.selectPosition(tuple, using: &rng)
        let y = tuple[position]
        if step.accepts(y, using: &rng) { return (y, position) }
        return (step.sampleResidual(using: &rng), nil)
    }
}
