import Distributions

/// SpecHub's verifier (`spechub`) for its two-draft hub law: hub a = argmax q; pairs (i, a) with x₁ = i ~ q, and
/// (a, i) with x₁ = a, x₂ ~ q(· ∣ ≠ a).
///
/// ```
/// Q(i,a) = q(i),  Q(a,i) = q(a) q(i) / q(Σ∖{a}),  q'(i) = q(i) / q(Σ∖{a})          (i ≠ a)
/// p₁(i) = (p(i) − q(i))_+,       R_ia = Σ_{i≠a} (q(i) − p(i))_+
/// p₂(i) = (p₁(i) − Q(a,i))_+,    R_ai = Σ_{i≠a} (Q(a,i) − p₁(i))_+
/// pair (i,a): accept x₁ = i iff U·q(i) ≤ p(i);  else, if R_ia > 0, accept x₂ = a iff U·R_ia ≤ (p(a) − R_ai)_+
/// pair (a,i): accept x₂ = i iff U·Q(a,i) ≤ p₁(i); else, if R_ai > 0, accept x₁ = a iff U·R_ai ≤ p(a)
/// else Y ~ norm(res),  res(i) = p₂(i) (i ≠ a),  res(a) = (p(a) − R_ai − R_ia)_+
/// acceptance = p(a) + Σ_{i≠a} min(p(i), q'(i)) = alpha*_hub = alpha*_greedy,n=2   (optimal for its law)
/// ```
///
/// q(Σ∖{a}) is a sum of the remaining masses. There is no shortcut for a dominant hub (one published code path
/// accepts a directly when p(a) > 1 − 10⁻³; that is not exact and is not done here). Coin acceptance = membership
/// acceptance. Valid law: SpecHub (n = 2 only).
///
/// - Complexity: O(V) to build, O(1) per verification.
///
/// Source: Sun, Zhou, Chen, Sun, "SpecHub: Provable Acceleration to Multi-Draft Speculative Decoding" (2024,
/// arXiv 2411.05289).
public struct SpecHubVerifier: Verifier {
    public let name = "spechub"
    public let target: Distribution
    public let law: DraftLaw
    public let draft: Distribution
    /// The hub token a.
    public let hub: Int
    /// Q(a, i) for i ≠ a (0 at a).
    @usableFromInline let hubPairMass: [Double]
    /// p₁ (0 at a).
    @usableFromInline let firstResidual: [Double]
    @usableFromInline let leftoverIA: Double
    public let leftoverAI: Double
    /// norm(res).
    public let residual: ResidualLaw
    /// p(a) + Σ_{i≠a} min(p, q').
    public let acceptance: Double

    public init(target p: Distribution, law: DraftLaw) throws {
        try VerifierError.requireSameVocabulary(p, law)
        guard case .specHub(let q) = law.kind else {
            if law.drafts != 2 {
                throw VerifierError.wrongDraftCount(verifier: "spechub", expected: 2, found: law.drafts)
            }
            throw VerifierError.unsupportedLaw(verifier: "spechub", law: law.name, supported: ["spechub"])
        }
        let v = p.vocabularySize
        let a = law.deterministicTokens[0]
        let rest = q.remainingMass(excluding: [a])
        var qai = [Double](repeating: 0, count: v)
        var p1 = [Double](repeating: 0, count: v)
        var res = [Double](repeating: 0, count: v)
        var rIA = 0.0, rAI = 0.0, accepted = p[a]
        for i in 0..<v where i != a {
            qai[i] = q[a] * q[i] / rest
            p1[i] = max(0, p[i] - q[i])
            rIA += max(0, q[i] - p[i])
            res[i] = max(0, p1[i] - qai[i])
            rAI += max(0, qai[i] - p1[i])
            accepted += min(p[i], q[i] / rest)
        }
        res[a] = max(0, p[a] - rAI - rIA)
        self.target = p
        self.law = law
        self.draft = q
        self.hub = a
        self.hubPairMass = qai
        self.firstResidual = p1
        self.leftoverIA = rIA
        self.leftoverAI = rAI
        self.residual = ResidualLaw(weights: res, fallback: p.probabilities)
        self.acceptance = accepted
    }

    /// The accept probabilities of the two tests applied to the pair, in order, with the index each accepts.
    private func tests(_ x: [Int]) -> [(probability: Double, index: Int)] {
        let (x1, x2) = (x[0], x[1])
        if x2 == hub && x1 != hub {
            var out = [(acceptProbability(target[x1], draft[x1]), 0)]
            if leftoverIA > 0 { out.append((acceptProbability(max(0, target[hub] - leftoverAI), leftoverIA), 1)) }
            return out
        }
        if x1 == hub && x2 != hub {
            var out = [(acceptProbability(firstResidual[x2], hubPairMass[x2]), 1)]
            if leftoverAI > 0 { out.append((acceptProbability(target[hub], leftoverAI), 0)) }
            return out
        }
        return [] // not a pair of the hub law (probability 0)
    }

    @inlinable
    public func verify(_ x: [Int], using rng: inout some RandomNumberGenerator) -> VerificationOutcome {
        let (x1, x2) = (x[0], x[1])
        if x2 == hub && x1 != hub {
            if acceptTest(target[x1], draft[x1], using: &rng) {
                return VerificationOutcome(token: x1, acceptedDraft: 0)
            }
            if leftoverIA > 0, acceptTest(max(0, target[hub] - leftoverAI), leftoverIA, using: &rng) {
                return VerificationOutcome(token: hub, acceptedDraft: 1)
            }
        } else if x1 == hub && x2 != hub {
            if acceptTest(firstResidual[x2], hubPairMass[x2], using: &rng) {
                return VerificationOutcome(token: x2, acceptedDraft: 1)
            }
            if leftoverAI > 0, acceptTest(target[hub], leftoverAI, using: &rng) {
                return VerificationOutcome(token: hub, acceptedDraft: 0)
            }
        }
        return VerificationOutcome(token: residual.sample(using: &rng), acceptedDraft: nil)
    }

    public var exactAcceptance: Double? { acceptance }

    public func conditionalOutcome(given x: [Int]) -> ConditionalOutcome? {
        var out = ConditionalOutcome(outputLaw: [Double](repeating: 0, count: target.vocabularySize), coinAcceptance: 0)
        var reach = 1.0
        for test in tests(x) {
            out.outputLaw[x[test.index]] += reach * test.probability
            out.coinAcceptance += reach * test.probability
            reach *= 1 - test.probability
        }
        out.addResidual(residual.probabilities, weight: reach)
        return out
    }
}
