import Distributions

/// SpecTr's K-SEQ verifier (`kseq`) for n i.i.d. drafts: every draft is tested against p/ρ* with its own coin; on full
/// rejection Y is drawn from the K-SEQ residual.
///
/// ```
/// β(ρ) = Σ_x min(q(x), p(x)/ρ),   f(ρ) = 1 − (1 − β(ρ))ⁿ − ρ β(ρ)   (non-increasing, f(1) ≥ 0 ≥ f(n))
/// ρ* = min{ρ ∈ [1, n] : f(ρ) ≤ 0}
/// for i = 1..n:  accept xᵢ iff U·ρ·q(xᵢ) ≤ p(xᵢ)
/// else Y ~ p_res,ρ(x) = [p(x) − g·min(q(x), p(x)/ρ)]_+ / (1 − β)ⁿ,   g = Σ_{i<n} (1 − β)^i
/// acceptance = 1 − (1 − β(ρ*))ⁿ
/// ```
///
/// ρ* is found by ``KSeqRoot`` (exactly 1 when f(1) ≤ 1e-15, else bisection to 1e-13 returning the feasible end);
/// the residual uses the general formula at the returned ρ, which is exactly valid for every ρ ≥ ρ* (clamped at 0
/// against round-off). 1 − β is summed as Σ (q − p/ρ)_+, never formed as 1 − β. Coin acceptance = membership
/// acceptance at ρ* (up to the bisection tolerance).
///
/// Valid law: i.i.d. Duplicated tokens each get their own coin.
///
/// - Complexity: O(V log(n/1e-13)) to build, O(n) per verification.
///
/// Source: Sun et al., "SpecTr: Fast Speculative Decoding via Optimal Transport" (2023, arXiv 2310.15141).
public struct KSeqVerifier: Verifier {
    public let name = "kseq"
    public let target: Distribution
    public let law: DraftLaw
    public let draft: Distribution
    /// The division factor ρ actually used (ρ* up to 1e-13, never below it).
    public let rho: Double
    /// β(ρ).
    public let beta: Double
    /// The full-rejection residual p_res,ρ.
    public let residual: ResidualLaw
    /// 1 − (1 − β(ρ))ⁿ.
    public let acceptance: Double
    /// ρ·q(x), the per-token accept threshold denominators.
    @usableFromInline let scaledDraft: [Double]

    public init(target p: Distribution, law: DraftLaw) throws {
        try VerifierError.requireSameVocabulary(p, law)
        guard case .iid(let q) = law.kind else {
            throw VerifierError.unsupportedLaw(verifier: "kseq", law: law.name, supported: ["iid"])
        }
        let n = law.drafts
        let rho = KSeqRoot.rhoStar(target: p, draft: q, drafts: n)
        let (beta, miss) = KSeqRoot.beta(target: p, draft: q, rho: rho)
        let allRejected = integerPower(miss, n)
        var g = 0.0, power = 1.0
        for _ in 0..<n { g += power; power *= miss }
        var weights = [Double](repeating: 0, count: p.vocabularySize)
        if allRejected > 0 {
            for x in weights.indices {
                weights[x] = max(0, (p[x] - g * min(q[x], p[x] / rho)) / allRejected)
            }
        }
        self.target = p
        self.law = law
        self.draft = q
        self.rho = rho
        self.beta = beta
        self.residual = ResidualLaw(weights: weights, fallback: p.probabilities)
        self.acceptance = 1 - allRejected
        self.scaledDraft = q.probabilities.map { rho * $0 }
    }

    @inlinable
    public func verify(_ x: [Int], using rng: inout some RandomNumberGenerator) -> VerificationOutcome {
        for i in 0..<x.count where acceptTest(target[x[i]], scaledDraft[x[i]], using: &rng) {
            return VerificationOutcome(token: x[i], acceptedDraft: i)
        }
        return VerificationOutcome(token: residual.sample(using: &rng), acceptedDraft: nil)
    }

    public var exactAcceptance: Double? { acceptance }

    public func conditionalOutcome(given x: [Int]) -> ConditionalOutcome? {
        .scan(x, vocabularySize: target.vocabularySize, residual: residual.probabilities) {
            acceptProbability(target[x[$0]], scaledDraft[x[$0]])
        }
    }
}
