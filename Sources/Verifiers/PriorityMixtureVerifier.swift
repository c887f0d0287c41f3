import Solvers
import AcceptanceBounds
import Distributions
import ImportanceSampling
import MultidraftSupport

/// The optimal verifier for laws without a sort order (independent non-identical drafts, explicit laws): the
/// certificate of exact submodular minimisation, run as a verifier.
///
/// **Construction.** ``SubmodularMinimizer`` returns x ∈ B(F), F(H) = p(H) − Q(H), as a convex combination
/// x = Σ_k λ_k y_{σ_k} of greedy vertices. For an order σ, y_σ = p − r_σ where r_σ(v) = Q(prefix through v) −
/// Q(prefix before v) = P(v is the drafted token that comes **last** in σ): the selection law of the rule "select the
/// draft ranked last by σ". Drawing σ_k with probability λ_k and selecting that way has selection law
/// r = Σ λ_k r_{σ_k} = p − x, and the canonical two-step scheme (accept Z with probability min(1, p(Z)/r(Z)), else
/// sample norm((p − r)₊); <doc:Theory#Optimal-verifier>) outputs exactly p with coin acceptance
///
/// ```
/// Σ_v min(p_v, r_v) = 1 + Σ_v min(0, x_v) = 1 + lower  ≤  alpha* ≤  p(H) + 1 − Q(H) = upper.
/// ```
///
/// So the verifier's exact acceptance **is** the certificate's lower value, and `certifiedGap` = upper − lower bounds
/// its distance to alpha*. Losslessness does not depend on convergence: any mixture of orders is a valid selection
/// rule and r is computed from the same vertices.
///
/// - Complexity: setup = the minimisation (see ``SubmodularMinimizer``); memory m·V rank entries (m ≤ 400 orders);
///   O(n) per verification (one alias draw, n rank look-ups).
public struct PriorityMixtureVerifier: Verifier {
    public let name = "optimal"
    public let target: Distribution
    public let law: DraftLaw
    /// rank[k][v] = position of v in order σ_k.
    let ranks: [[Int32]]
    let orderTable: AliasTable
    public let weights: [Double]
    public let step: SpeculativeStep
    /// The selection law r = p − x.
    public let selectionLaw: [Double]
    /// Proven bounds on alpha* from the minimisation: lower = Σ min(p, r) (this verifier's acceptance), upper = the
    /// value of the best set found.
    public let lower: Double
    public let upper: Double
    public var certifiedGap: Double { upper - lower }

    /// - Parameters: `maxIterations` of the minimisation (the verifier is lossless whatever it reaches).
    public init(target p: Distribution, law: DraftLaw, maxIterations: Int = Limits.standard.sfmIterations) throws {
        try VerifierError.requireSameVocabulary(p, law)
        let objective: SubsetObjective
        do { objective = try SubsetObjective(target: p, law: law) } catch let e as AcceptanceError {
            throw VerifierError.tooLarge(verifier: "optimal", detail: e.description)
        }
        let result = objective.minimize(maxIterations: maxIterations)
        // r = Σ_k λ_k (p − y_k) = p − x for the certificate's point x (clipped at 0 against rounding).
        let r = (0..<p.vocabularySize).map { max(0, p[$0] - result.point[$0]) }
        self.target = p
        self.law = law
        self.weights = result.weights
        self.ranks = result.orders.map { order in
            var rank = [Int32](repeating: 0, count: order.count)
            for (k, v) in order.enumerated() { rank[v] = Int32(k) }
            return rank
        }
        self.orderTable = AliasTable(weights: result.weights)
        let total = r.reduce(0, +)
        self.selectionLaw = r.map { $0 / total }
        self.step = SpeculativeStep(target: p, draft: selectionLaw)
        self.lower = step.acceptance
        self.upper = subsetBoundValue(target: p, law: law, set: result.minimizer)
    }

    public var exactAcceptance: Double? { step.acceptance }

    /// Position of the draft ranked last by order k (the first such position for repeated tokens).
    func selectedPosition(_ drafts: [Int], order k: Int) -> Int {
        let rank = ranks[k]
        var best = 0
        for i in 1..<drafts.count where rank[drafts[i]] > rank[drafts[best]] { best = i }
        return best
    }

    public func verify(_ drafts: [Int], using rng: inout some RandomNumberGenerator) -> VerificationOutcome {
        let i = selectedPosition(drafts, order: orderTable.sample(using: &rng))
        let z = drafts[i]
        if step.accepts(z, using: &rng) { return VerificationOutcome(token: z, acceptedDraft: i) }
        return VerificationOutcome(token: step.sampleResidual(using: &rng), acceptedDraft: nil)
    }

    public func conditionalOutcome(given drafts: [Int]) -> ConditionalOutcome? {
        var positionWeights = [Double](repeating: 0, count: drafts.count)
        for k in weights.indices { positionWeights[selectedPosition(drafts, order: k)] += weights[k] }
        let (law, coin) = step.outputLaw(selecting: positionWeights, from: drafts)
        return ConditionalOutcome(outputLaw: law, coinAcceptance: coin)
    }
}
