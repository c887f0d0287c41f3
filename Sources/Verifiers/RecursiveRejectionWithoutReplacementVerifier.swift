import MultidraftSupport
import Distributions

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
/// The residual depends on which tokens were rejected, but only through one number: after k rejections
///
/// ```
/// r_k = norm((p − ρ_k q)_+),   ρ_0 = 0,   ρ_{k+1} = ρ_k + Z_k / W_k,
/// Z_k = Σ_y (p(y) − ρ_k q(y))_+,   W_k = q(Σ ∖ {x₁..x_k})
/// ```
///
/// (a rejected token has r_k = 0 already, so removing it from q̄ changes only the normaliser; the zero-mass guard
/// keeps ρ). With the tokens sorted by p/q and prefix sums of p and q, Z_k and a draw from r_k cost O(log V), so
/// ``verify(_:using:)`` costs O(n log V) — O(V) only when the drafted tokens hold more than half of q's mass, where
/// W_k is re-summed over the remaining tokens instead of formed by subtraction. ``conditionalOutcome(given:)``
/// evaluates the recursion literally (O(nV) per tuple), an independent check of the fast path. There is no product
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
    /// Tokens in decreasing p/q (q = 0 with p > 0 first), their ratios, and prefix sums of p and q in that order.
    @usableFromInline let ratioOrder: [Int32]
    @usableFromInline let ratios: [Double]
    @usableFromInline let prefixP: [Double]
    @usableFromInline let prefixQ: [Double]
    @usableFromInline let totalQ: Double

    public init(target p: Distribution, law: DraftLaw) throws {
        try VerifierError.requireSameVocabulary(p, law)
        guard case .withoutReplacement(let q) = law.kind else {
            throw VerifierError.unsupportedLaw(
                verifier: "rrs-without-replacement", law: law.name,
                supported: ["without-replacement"])
        }
        self.target = p
        self.law = law
        self.draft = q
        self.firstResidual = ResidualLaw(
            weights: positivePart(p.probabilities, minus: q.probabilities).values,
            fallback: p.probabilities)
        func ratio(_ i: Int) -> Double { q[i] > 0 ? p[i] / q[i] : (p[i] > 0 ? .infinity : 0) }
        let order = (0..<p.vocabularySize).sorted { ratio($0) != ratio($1) ? ratio($0) > ratio($1) : $0 < $1 }
        var pp = [Double](repeating: 0, count: order.count + 1), pq = pp
        for (k, i) in order.enumerated() { pp[k + 1] = pp[k] + p[i]; pq[k + 1] = pq[k] + q[i] }
        self.ratioOrder = order.map { Int32($0) }
        self.ratios = order.map(ratio)
        self.prefixP = pp
        self.prefixQ = pq
        self.totalQ = q.probabilities.reduce(0, +)
    }

    /// The number of tokens with p/q > ρ (a prefix of the ratio order). O(log V).
    @inlinable
    func positiveCount(_ rho: Double) -> Int {
        var lo = 0, hi = ratios.count
        while lo < hi { let mid = (lo + hi) / 2; if ratios[mid] > rho { lo = mid + 1 } else { hi = mid } }
        return lo
    }

    /// Z(ρ) = Σ (p − ρq)_+ over the first m tokens of the ratio order.
    @inlinable
    func residualMass(_ rho: Double, _ m: Int) -> Double {
        m == 0 ? 0 : max(0, prefixP[m] - (rho == 0 ? 0 : rho * prefixQ[m]))
    }

    /// A draw from norm((p − ρq)_+) by binary search on the prefix sums. O(log V).
    @inlinable
    func residualDraw(_ rho: Double, _ m: Int, _ z: Double, using rng: inout some RandomNumberGenerator) -> Int {
        let target = rng.nextUniform() * z
        var lo = 1, hi = m
        while lo < hi {
            let mid = (lo + hi) / 2
            if prefixP[mid] - rho * prefixQ[mid] > target { hi = mid } else { lo = mid + 1 }
        }
        return Int(ratioOrder[lo - 1])
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
        // After the first rejection: ρ = 1, Z = Σ (p − q)_+, W = q(Σ ∖ {x₁}).
        var rho = 1.0
        var m = positiveCount(rho)
        var z = residualMass(rho, m)
        if z <= 0 { // p = q on the support: the branch has probability 0; keep r = p
            rho = 0; m = ratios.count; z = prefixP[m]
        }
        var drawnMass = q[x[0]]
        for i in 1..<x.count {
            let w = remainingMass(excluding: x[0..<i], drawnMass: drawnMass)
            let xi = x[i]
            if w > 0 {
                let r = max(0, target[xi] - rho * q[xi])
                // accept iff U · q(xᵢ)/W ≤ r(xᵢ)/Z  ⇔  U · q(xᵢ) · Z ≤ r(xᵢ) · W, never when r(xᵢ) = 0 (also for U = 0)
                let u = rng.nextUniform()
                if r > 0 && u * q[xi] * z <= r * w { return VerificationOutcome(token: xi, acceptedDraft: i) }
                let nextRho = rho + z / w
                let nextM = positiveCount(nextRho)
                let nextZ = residualMass(nextRho, nextM)
                if nextZ > 0 { rho = nextRho; m = nextM; z = nextZ } // zero-mass guard: keep r
            }
            drawnMass += q[xi]
        }
        return VerificationOutcome(token: residualDraw(rho, m, z, using: &rng), acceptedDraft: nil)
    }

    /// W = q(Σ ∖ drawn): total minus the drawn mass while that is at most half of q (no cancellation), else the
    /// exact sum over the remaining tokens.
    @inlinable
    func remainingMass(excluding drawn: ArraySlice<Int>, drawnMass: Double) -> Double {
        if drawnMass <= 0.5 * totalQ { return totalQ - drawnMass }
        var rest = 0.0
        for (y, qy) in draft.probabilities.enumerated() where !drawn.contains(y) { rest += qy }
        return rest
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

    static func normalized(_ weights: [Double]) -> [Double] {
        let total = sumPositive(weights)
        return weights.map { $0 > 0 ? $0 / total : 0 }
    }
}
