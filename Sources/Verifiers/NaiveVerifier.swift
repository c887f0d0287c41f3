import Distributions

/// Naive multi-candidate sampling (`naive`): ignore the drafts' values when choosing Y — draw Y ~ p directly — and
/// count a hit when Y is one of the drafts. Lossless by construction; the baseline every verifier must beat.
///
/// ```
/// Y ~ p;  acceptedDraft = first i with xᵢ = Y, else nil
/// i.i.d. drafts:  acceptance = Σ_y p(y) (1 − (1 − q(y))ⁿ),   1 − q(y) = Σ_{z≠y} q(z)
/// ```
///
/// Valid laws: all (the exact formula is given for i.i.d. drafts only). Coin acceptance = membership acceptance.
///
/// - Complexity: O(V) to build, O(n) per verification.
///
/// Source: the naive scheme compared against in SpecInfer (Miao et al., 2023, arXiv 2305.09781) and MCSD (Yang et
/// al., 2024, arXiv 2401.06706).
public struct NaiveVerifier: Verifier {
    public let name = "naive"
    public let target: Distribution
    public let law: DraftLaw
    @usableFromInline let sampler: ResidualLaw
    let closedForm: Double?

    public init(target p: Distribution, law: DraftLaw) throws {
        try VerifierError.requireSameVocabulary(p, law)
        self.target = p
        self.law = law
        self.sampler = ResidualLaw(weights: p.probabilities, fallback: p.probabilities)
        if case .iid(let q) = law.kind {
            // 1 − q(y) as the mass of the other tokens: prefix + suffix sums of non-negative terms.
            let v = q.vocabularySize
            var prefix = [Double](repeating: 0, count: v + 1), suffix = [Double](repeating: 0, count: v + 1)
            for i in 0..<v { prefix[i + 1] = prefix[i] + q[i] }
            for i in stride(from: v - 1, through: 0, by: -1) { suffix[i] = suffix[i + 1] + q[i] }
            var total = 0.0
            for y in 0..<v where p[y] > 0 {
                total += p[y] * (1 - integerPower(prefix[y] + suffix[y + 1], law.drafts))
            }
            self.closedForm = total
        } else {
            self.closedForm = nil
        }
    }

    @inlinable
    public func verify(_ x: [Int], using rng: inout some RandomNumberGenerator) -> VerificationOutcome {
        let y = sampler.sample(using: &rng)
        return VerificationOutcome(token: y, acceptedDraft: x.firstIndex(of: y))
    }

    public var exactAcceptance: Double? { closedForm }

    public func conditionalOutcome(given x: [Int]) -> ConditionalOutcome? {
        var coin = 0.0
        for y in Set(x).sorted() { coin += target[y] } // a fixed order: Set's order varies between processes
        return ConditionalOutcome(outputLaw: target.probabilities, coinAcceptance: coin)
    }
}
