import Multidraft

/// First-draft speculative sampling (`first-draft`): test only the first draft x₁ with the single-draft accept test
/// and otherwise sample norm((p − q)₊), ignoring x₂ … xₙ. Lossless because x₁ ~ q under the laws it accepts; the
/// other drafts still count for membership acceptance when the residual sample lands on one of them.
///
/// ```
/// accept x₁ iff U·q(x₁) ≤ p(x₁);  else Y ~ r = norm((p − q)₊)
/// i.i.d. drafts:  acceptance = β + (1 − β) Σ_y r(y) (1 − (1 − q(y))ⁿ⁻¹),  β = Σ min(p, q)
/// ```
public struct FirstDraftVerifier: Verifier {
    public let name = "first-draft"
    public let target: Distribution
    public let law: DraftLaw
    let draft: Distribution
    let residual: ResidualLaw
    let closedForm: Double?

    public init(target p: Distribution, law: DraftLaw) throws {
        try law.requireVocabulary(of: p)
        switch law.kind {
        case .iid(let q), .withoutReplacement(let q): draft = q
        default:
            throw VerifierError.unsupportedLaw(
                verifier: "first-draft", law: law.name, supported: ["iid", "without-replacement"])
        }
        target = p
        self.law = law
        let excess = positivePart(p.probabilities, minus: draft.probabilities)
        residual = ResidualLaw(weights: excess.values, fallback: p.probabilities)
        if case .iid = law.kind {
            // 1 − q(y) as the mass of the other tokens (no cancellation); 1 − β = Σ (p − q)₊.
            let v = p.vocabularySize
            var prefix = [Double](repeating: 0, count: v + 1), suffix = [Double](repeating: 0, count: v + 1)
            for i in 0..<v { prefix[i + 1] = prefix[i] + draft[i] }
            for i in stride(from: v - 1, through: 0, by: -1) { suffix[i] = suffix[i + 1] + draft[i] }
            var hit = 0.0
            for y in 0..<v where residual.probabilities[y] > 0 {
                hit += residual.probabilities[y] * (1 - integerPower(prefix[y] + suffix[y + 1], law.drafts - 1))
            }
            closedForm = p.overlap(with: draft) + excess.mass * hit
        } else {
            closedForm = nil
        }
    }

    public func verify(_ x: [Int], using rng: inout some RandomNumberGenerator) -> VerificationOutcome {
        if acceptTest(target[x[0]], draft[x[0]], using: &rng) {
            return VerificationOutcome(token: x[0], acceptedDraft: 0)
        }
        return VerificationOutcome(token: residual.sample(using: &rng), acceptedDraft: nil)
    }

    public var exactAcceptance: Double? { closedForm }

    public func conditionalOutcome(given x: [Int]) -> ConditionalOutcome? {
        let a = acceptProbability(target[x[0]], draft[x[0]])
        var out = ConditionalOutcome(outputLaw: [Double](repeating: 0, count: target.vocabularySize), coinAcceptance: a)
        out.outputLaw[x[0]] += a
        out.addResidual(residual.probabilities, weight: 1 - a)
        return out
    }
}

extension VerifierRegistry.Entry {
    /// The registry entry: the one place that states the laws and draft counts the verifier supports.
    public static let firstDraft = VerifierRegistry.Entry(
        name: "first-draft", laws: [.iid, .withoutReplacement], hasExactFormula: true,
        summary: "speculative sampling on the first draft only"
    ) { try FirstDraftVerifier(target: $0, law: $1) }
}
