/// Recursive rejection sampling without replacement (`rrs-without-replacement`; MCSD Algorithm 2), for drafts drawn
/// by successive sampling without replacement from q.
///
/// ```
/// r ← p;  q̄ ← q
/// for i = 1..n:
///     accept xᵢ iff U·q̄(xᵢ) ≤ r(xᵢ)
///     r ← norm((r − q̄)_+)          (1) residual against the CURRENT q̄ (keep r if zero mass)
///     q̄(xᵢ) ← 0;  q̄ ← norm(q̄)     (2), (3) remove the rejected token; the normaliser is the sum of the
///                                         remaining masses, never 1 − q(drawn)
/// Y ~ r
/// ```
///
/// The residual depends on which tokens were rejected, so it cannot be precomputed beyond the first step: the first
/// accept test costs O(1), and every rejection after which the walk continues costs O(V) (updating r and q̄, and the
/// final inversion draw from r). Expected cost per verification: O(1 + P(first rejection)·nV). There is no product
/// formula for the acceptance (``exactAcceptance`` is nil); it is the recursion F of verifiers.md §3, which
/// ``ExactVerification`` evaluates by enumeration. Coin acceptance = membership acceptance.
///
/// Valid law: without replacement (n ≤ |supp q|, enforced by ``DraftLaw``). n = 1 is speculative sampling.
///
/// Sources: Yang et al., "Multi-Candidate Speculative Decoding" (MCSD, 2024, arXiv 2401.06706), Algorithm 2;
/// Chen, May et al., "Sequoia" (2024, arXiv 2402.12374).
public struct RecursiveRejectionWithoutReplacementVerifier: Verifier {
    public let name = "rrs-without-replacement"
    public let target: Distribution
    public let law: DraftLaw
    /// The draft distribution q.
    public let draft: Distribution
    /// norm((p − q)_+): the residual after the first rejection (it does not depend on the rejected token).
    public let firstResidual: ResidualLaw

    public init(target p: Distribution, law: DraftLaw) throws {
        try VerifierError.requireSameVocabulary(p, law)
        guard case .withoutReplacement(let q) = law.kind else {
            throw VerifierError.unsupportedLaw(verifier: "rrs-without-replacement", law: law.name,
                                               supported: ["without-replacement"])
        }
        self.target = p
        self.law = law
        self.draft = q
        self.firstResidual = ResidualLaw(weights: positivePart(p.probabilities, minus: q.probabilities).values,
                                         fallback: p.probabilities)
    }

    /// The state after k rejections: the residual r, and q̄ = q on the tokens not yet drawn divided by `remaining`.
    struct Walk {
        var residual: [Double]
        var drawn: [Bool]
        var remaining: Double

        /// Updates (1)–(3) after rejecting `x` (the current q̄ is q/remaining off the drawn tokens).
        mutating func reject(_ x: Int, q: [Double]) {
            var next = [Double](repeating: 0, count: residual.count)
            var mass = 0.0
            for y in residual.indices {
                let d = drawn[y] ? residual[y] : residual[y] - q[y] / remaining
                if d > 0 { next[y] = d; mass += d }
            }
            if mass > 0 { for y in next.indices { next[y] /= mass }; residual = next }
            drawn[x] = true
            var rest = 0.0
            for y in q.indices where !drawn[y] { rest += q[y] }
            remaining = rest
        }
    }

    public func verify(_ x: [Int], using rng: inout some RandomNumberGenerator) -> VerificationOutcome {
        let q = draft.probabilities
        if acceptTest(target[x[0]], q[x[0]], using: &rng) { return VerificationOutcome(token: x[0], acceptedDraft: 0) }
        if x.count == 1 { return VerificationOutcome(token: firstResidual.sample(using: &rng), acceptedDraft: nil) }
        var drawn = [Bool](repeating: false, count: q.count)
        drawn[x[0]] = true
        var rest = 0.0
        for y in q.indices where !drawn[y] { rest += q[y] }
        var walk = Walk(residual: firstResidual.probabilities, drawn: drawn, remaining: rest)
        for i in 1..<x.count {
            if walk.remaining > 0, acceptTest(walk.residual[x[i]], q[x[i]] / walk.remaining, using: &rng) {
                return VerificationOutcome(token: x[i], acceptedDraft: i)
            }
            walk.reject(x[i], q: q)
        }
        return VerificationOutcome(token: Self.inversionDraw(walk.residual, using: &rng), acceptedDraft: nil)
    }

    public func conditionalOutcome(given x: [Int]) -> ConditionalOutcome? {
        let q = draft.probabilities
        var out = ConditionalOutcome(outputLaw: [Double](repeating: 0, count: target.vocabularySize), coinAcceptance: 0)
        let a0 = acceptProbability(target[x[0]], q[x[0]])
        out.outputLaw[x[0]] += a0
        out.coinAcceptance += a0
        var reach = 1 - a0
        if x.count == 1 {
            out.addResidual(firstResidual.probabilities, weight: reach)
            return out
        }
        var drawn = [Bool](repeating: false, count: q.count)
        drawn[x[0]] = true
        var rest = 0.0
        for y in q.indices where !drawn[y] { rest += q[y] }
        var walk = Walk(residual: firstResidual.probabilities, drawn: drawn, remaining: rest)
        for i in 1..<x.count {
            let a = walk.remaining > 0 ? acceptProbability(walk.residual[x[i]], q[x[i]] / walk.remaining) : 0
            out.outputLaw[x[i]] += reach * a
            out.coinAcceptance += reach * a
            reach *= 1 - a
            walk.reject(x[i], q: q)
        }
        out.addResidual(Self.normalized(walk.residual), weight: reach)
        return out
    }

    /// An exact draw from non-negative weights by inversion (O(V)).
    static func inversionDraw(_ weights: [Double], using rng: inout some RandomNumberGenerator) -> Int {
        var total = 0.0
        for w in weights where w > 0 { total += w }
        let u = rng.nextUniform() * total
        var cumulative = 0.0
        var last = 0
        for (i, w) in weights.enumerated() where w > 0 {
            cumulative += w
            last = i
            if u < cumulative { return i }
        }
        return last
    }

    static func normalized(_ weights: [Double]) -> [Double] {
        let total = sumPositive(weights)
        return weights.map { $0 > 0 ? $0 / total : 0 }
    }
}
