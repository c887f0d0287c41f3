import Distributions
import AcceptanceBounds

/// The optimal verifier (`optimal`): samples Y from the transport plan of
/// ``optimalCoupling(target:law:exact:limits:solver:lpAlgorithm:)`` (maximum flow by default, GLPK's LP on request).
///
/// ```
/// given S = set(x):  output j ∈ S with probability z(S, j) / Q_set(S)
///                    else (probability λ_S = 1 − Σ_j z(S, j)/Q_set(S))  Y ~ p_res / M
/// p_res(j) = p(j) − Σ_S z(S, j) (clipped at 0; z is the plan after its augmenting-path top-up),   M = Σ_j p_res(j)
/// P(Y = j) = Σ_S z(S, j) + (Σ_S λ_S Q_set(S)) p_res(j)/M = p(j);   membership acceptance = Σ z = alpha*
/// ```
///
/// The plan is repaired to exact feasibility by ``OptimalTransportLP``, so the output law is exact up to rounding and
/// the acceptance equals alpha* to the LP's accuracy (~1e-9). Output from the plan's flow is reported as
/// `acceptedDraft` = the first tuple position holding j (the plan has no coins; this makes coin acceptance = Σ z).
/// Valid laws: every law whose set-level LP fits (refused beyond the LP size limit with ``AcceptanceError``).
///
/// - Complexity: one LP offline (see ``OptimalTransportLP``); O(n log n) per verification (set key + lookup).
///
/// Source: the transport formulation of SpecTr (Sun et al., 2023, arXiv 2310.15141); verifiers.md §8.
public struct OptimalCouplingVerifier: Verifier {
    public let name = "optimal"
    public let target: Distribution
    public let law: DraftLaw
    public let plan: TransportPlan
    /// Row of each draft set in the plan, keyed by its increasing tokens.
    let rows: [[Int]: Int]
    /// For each row: the tokens and z(S, j)/Q_set(S).
    let rowTokens: [[Int]]
    let rowProbabilities: [[Double]]
    public let residual: ResidualLaw
    /// Σ z of the plan: alpha*.
    public let acceptedMass: Double

    /// - Parameters: `solver` `.flow` (default: Dinic's maximum flow, exact and fast) or `.lp` (GLPK); the plan's
    ///   size (draft set × token entries: the LP's variables, the flow's middle arcs) is refused beyond
    ///   ``Limits/planEntries`` (and beyond the solver's own limit, ``Limits/flowArcs`` or ``Limits/lpVariables``).
    public init(
        target p: Distribution, law: DraftLaw, limits: Limits = .standard, solver: CouplingSolver = .flow
    ) throws {
        try VerifierError.requireSameVocabulary(p, law)
        let size = OptimalTransportLP.estimatedSize(of: law)
        guard size.variables <= Double(limits.planEntries) else {
            throw AcceptanceError.tooLarge(
                .planEntries, estimatedSets: size.sets, estimatedSize: size.variables, limit: limits.planEntries)
        }
        let plan = try optimalCoupling(target: p, law: law, limits: limits, solver: solver)
        let flows = plan.flows
        var rows: [[Int]: Int] = [:]
        var tokens: [[Int]] = [], probabilities: [[Double]] = []
        var used = [Double](repeating: 0, count: p.vocabularySize)
        var accepted = 0.0
        for (s, set) in plan.sets.enumerated() {
            rows[set.tokens] = s
            tokens.append(set.tokens)
            probabilities.append(flows[s].map { set.mass > 0 ? $0 / set.mass : 0 })
            for (k, j) in set.tokens.enumerated() { used[j] += flows[s][k]; accepted += flows[s][k] }
        }
        self.acceptedMass = accepted
        self.target = p
        self.law = law
        self.plan = plan
        self.rows = rows
        self.rowTokens = tokens
        self.rowProbabilities = probabilities
        self.residual = ResidualLaw(
            weights: p.probabilities.indices.map { max(0, p[$0] - used[$0]) },
            fallback: p.probabilities)
    }

    /// The plan row of the tuple's set, if the set has positive probability.
    func row(_ x: [Int]) -> Int? {
        var key = x
        key.sort()
        var unique: [Int] = []
        unique.reserveCapacity(key.count)
        for t in key where unique.last != t { unique.append(t) }
        return rows[unique]
    }

    public func verify(_ x: [Int], using rng: inout some RandomNumberGenerator) -> VerificationOutcome {
        if let r = row(x) {
            let u = rng.nextUniform()
            var cumulative = 0.0
            for (k, j) in rowTokens[r].enumerated() {
                cumulative += rowProbabilities[r][k]
                if u < cumulative { return VerificationOutcome(token: j, acceptedDraft: x.firstIndex(of: j)) }
            }
        }
        return VerificationOutcome(token: residual.sample(using: &rng), acceptedDraft: nil)
    }

    /// Σ z (after the top-up): alpha* to the LP's accuracy.
    public var exactAcceptance: Double? { acceptedMass }

    public func conditionalOutcome(given x: [Int]) -> ConditionalOutcome? {
        var out = ConditionalOutcome(outputLaw: [Double](repeating: 0, count: target.vocabularySize), coinAcceptance: 0)
        var used = 0.0
        if let r = row(x) {
            for (k, j) in rowTokens[r].enumerated() {
                let pr = min(rowProbabilities[r][k], max(0, 1 - used))
                out.outputLaw[j] += pr
                used += pr
            }
        }
        out.coinAcceptance = used
        out.addResidual(residual.probabilities, weight: 1 - used)
        return out
    }
}
