import Distributions

/// Recursive rejection sampling with replacement (`rrs`; SpecInfer / MCSD "with replacement").
///
/// ```
/// r₀ = p
/// for i = 1..n:   accept xᵢ iff U·qᵢ(xᵢ) ≤ r_{i−1}(xᵢ);   r_i = norm((r_{i−1} − qᵢ)_+)   (keep r if zero mass)
/// else            Y ~ r_n
/// acceptance = 1 − Π_i (1 − a_i),  a_i = Σ_x min(r_{i−1}(x), q_i(x)),  1 − a_i computed as Σ (r_{i−1} − q_i)_+
/// ```
///
/// The residual chain is deterministic (it does not depend on which tokens were rejected), so it is precomputed.
/// Valid laws: i.i.d. (qᵢ = q) and independent (drafts tested in draw order; with non-identical qᵢ the value depends
/// on that order). Coin acceptance = membership acceptance.
///
/// - Complexity: O(nV) to build, O(n) per verification.
///
/// Sources: Miao et al., "SpecInfer" (2023, arXiv 2305.09781); Yang et al., "Multi-Candidate Speculative Decoding"
/// (MCSD, 2024, arXiv 2401.06706), Algorithm 1.
public struct RecursiveRejectionVerifier: Verifier {
    public let name = "rrs"
    public let target: Distribution
    public let law: DraftLaw
    /// q_i per draft position.
    public let drafts: [Distribution]
    /// r_0 … r_{n−1}: the residual tested at each position (r_0 = p).
    @usableFromInline let residuals: [[Double]]
    /// r_n, sampled on full rejection.
    public let finalResidual: ResidualLaw
    /// 1 − Π (1 − a_i).
    public let acceptance: Double

    public init(target p: Distribution, law: DraftLaw) throws {
        try VerifierError.requireSameVocabulary(p, law)
        let qs: [Distribution]
        switch law.kind {
        case .iid(let q): qs = [Distribution](repeating: q, count: law.drafts)
        case .independent(let list): qs = list
        default: throw VerifierError.unsupportedLaw(verifier: "rrs", law: law.name, supported: ["iid", "independent"])
        }
        var r = p.probabilities
        var residuals: [[Double]] = []
        var reject = 1.0
        for q in qs {
            residuals.append(r)
            let next = positivePart(r, minus: q.probabilities)
            reject *= next.mass
            if next.mass > 0 { r = next.values.map { $0 / next.mass } }
        }
        self.target = p
        self.law = law
        self.drafts = qs
        self.residuals = residuals
        self.finalResidual = ResidualLaw(weights: r, fallback: p.probabilities)
        self.acceptance = 1 - reject
    }

    @inlinable
    public func verify(_ x: [Int], using rng: inout some RandomNumberGenerator) -> VerificationOutcome {
        for i in 0..<x.count where acceptTest(residuals[i][x[i]], drafts[i][x[i]], using: &rng) {
            return VerificationOutcome(token: x[i], acceptedDraft: i)
        }
        return VerificationOutcome(token: finalResidual.sample(using: &rng), acceptedDraft: nil)
    }

    public var exactAcceptance: Double? { acceptance }

    public func conditionalOutcome(given x: [Int]) -> ConditionalOutcome? {
        .scan(x, vocabularySize: target.vocabularySize, residual: finalResidual.probabilities) {
            acceptProbability(residuals[$0][x[$0]], drafts[$0][x[$0]])
        }
    }
}
