import Distributions

/// The matching verifier for greedy drafts (`greedy`): T = top_{n−1}(q) is always drafted, only xₙ ~ q' is
/// sampled, and the residual covers T.
///
/// ```
/// q'(i) = q(i) / q(Σ∖T) for i ∉ T, 0 on T        (q(Σ∖T) summed over the non-T tokens)
/// accept xₙ iff U·q'(xₙ) ≤ p(xₙ)
/// else Y ~ ρ,  ρ(y) ∝ p(y) (y ∈ T),  (p(y) − q'(y))_+ (y ∉ T)
/// membership acceptance = p(T) + Σ_{i∉T} min(p(i), q'(i)) = alpha*_greedy      (optimal for its law)
/// coin acceptance       = Σ_{i∉T} min(p(i), q'(i))                             (smaller by p(T))
/// ```
///
/// Coin and membership acceptance differ: a residual draw landing in T is a drafted token. n = 1 (T = ∅) is
/// speculative sampling; n = 2 has SpecHub's acceptance. Valid law: greedy.
///
/// - Complexity: O(V) to build, O(1) per verification.
///
/// Source: Hu et al., "Towards Optimal Multi-draft Speculative Decoding" (2025, arXiv 2502.18779); the construction
/// as reconstructed in verifiers.md §6.
public struct GreedyVerifier: Verifier {
    public let name = "greedy"
    public let target: Distribution
    public let law: DraftLaw
    /// q' (0 on T).
    @usableFromInline let sampledDraft: [Double]
    public let residual: ResidualLaw
    /// p(T) + Σ_{i∉T} min(p, q').
    public let acceptance: Double
    /// Σ_{i∉T} min(p, q').
    public let coinAcceptance: Double

    public init(target p: Distribution, law: DraftLaw) throws {
        try VerifierError.requireSameVocabulary(p, law)
        guard case .greedy(let q) = law.kind else {
            throw VerifierError.unsupportedLaw(verifier: "greedy", law: law.name, supported: ["greedy"])
        }
        let v = p.vocabularySize
        var isTop = [Bool](repeating: false, count: v)
        for t in law.deterministicTokens { isTop[t] = true }
        let rest = q.remainingMass(excluding: law.deterministicTokens)
        var qPrime = [Double](repeating: 0, count: v)
        var weights = [Double](repeating: 0, count: v)
        var pTop = 0.0, coin = 0.0
        for i in 0..<v {
            if isTop[i] {
                pTop += p[i]
                weights[i] = p[i]
            } else {
                qPrime[i] = q[i] / rest
                coin += min(p[i], qPrime[i])
                weights[i] = max(0, p[i] - qPrime[i])
            }
        }
        self.target = p
        self.law = law
        self.sampledDraft = qPrime
        self.residual = ResidualLaw(weights: weights, fallback: p.probabilities)
        self.acceptance = pTop + coin
        self.coinAcceptance = coin
    }

    @inlinable
    public func verify(_ x: [Int], using rng: inout some RandomNumberGenerator) -> VerificationOutcome {
        let last = x.count - 1
        if acceptTest(target[x[last]], sampledDraft[x[last]], using: &rng) {
            return VerificationOutcome(token: x[last], acceptedDraft: last)
        }
        return VerificationOutcome(token: residual.sample(using: &rng), acceptedDraft: nil)
    }

    public var exactAcceptance: Double? { acceptance }

    public func conditionalOutcome(given x: [Int]) -> ConditionalOutcome? {
        let xn = x[x.count - 1]
        let a = acceptProbability(target[xn], sampledDraft[xn])
        var out = ConditionalOutcome(outputLaw: [Double](repeating: 0, count: target.vocabularySize), coinAcceptance: a)
        out.outputLaw[xn] += a
        out.addResidual(residual.probabilities, weight: 1 - a)
        return out
    }
}
