import Distributions

/// Single-draft speculative sampling (`single`): draw x ~ q; accept x with probability min(1, p(x)/q(x)); else
/// sample the residual.
///
/// ```
/// accept  iff  U·q(x) ≤ p(x)
/// else    Y ~ norm((p − q)_+)
/// P(accept) = β = Σ_y min(p(y), q(y)) = 1 − TV(p, q)      (maximal coupling: optimal for n = 1)
/// ```
///
/// Valid laws: any law with n = 1 and one draft distribution (i.i.d., without replacement, greedy, independent with
/// one q: they are all x ~ q). Coin acceptance = membership acceptance.
///
/// - Complexity: O(V) to build, O(1) per verification.
///
/// Sources: Leviathan, Kalman, Matias, "Fast Inference from Transformers via Speculative Decoding" (2023,
/// arXiv 2211.17192); Chen et al., "Accelerating Large Language Model Decoding with Speculative Sampling" (2023,
/// arXiv 2302.01318).
public struct SpeculativeSamplingVerifier: Verifier {
    public let name = "single"
    public let target: Distribution
    public let law: DraftLaw
    /// The draft distribution q.
    public let draft: Distribution
    /// norm((p − q)_+).
    public let residual: ResidualLaw
    /// β = Σ min(p, q).
    public let acceptance: Double

    public init(target p: Distribution, law: DraftLaw) throws {
        try VerifierError.requireSameVocabulary(p, law)
        guard law.drafts == 1 else {
            throw VerifierError.wrongDraftCount(verifier: "single", expected: 1, found: law.drafts)
        }
        let q: Distribution
        switch law.kind {
        case .iid(let d), .withoutReplacement(let d), .greedy(let d): q = d
        case .independent(let qs): q = qs[0]
        default:
            throw VerifierError.unsupportedLaw(verifier: "single", law: law.name, supported: ["iid (n = 1)"])
        }
        self.target = p
        self.law = law
        self.draft = q
        self.residual = ResidualLaw(
            weights: positivePart(p.probabilities, minus: q.probabilities).values,
            fallback: p.probabilities)
        self.acceptance = p.overlap(with: q)
    }

    @inlinable
    public func verify(_ drafts: [Int], using rng: inout some RandomNumberGenerator) -> VerificationOutcome {
        let x = drafts[0]
        if acceptTest(target[x], draft[x], using: &rng) { return VerificationOutcome(token: x, acceptedDraft: 0) }
        return VerificationOutcome(token: residual.sample(using: &rng), acceptedDraft: nil)
    }

    public var exactAcceptance: Double? { acceptance }

    public func conditionalOutcome(given drafts: [Int]) -> ConditionalOutcome? {
        let x = drafts[0]
        let a = acceptProbability(target[x], draft[x])
        var out = ConditionalOutcome(outputLaw: [Double](repeating: 0, count: target.vocabularySize), coinAcceptance: a)
        out.outputLaw[x] += a
        out.addResidual(residual.probabilities, weight: 1 - a)
        return out
    }
}
