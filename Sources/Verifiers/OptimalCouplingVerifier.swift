/// The optimal verifier (`optimal`): samples Y from the LP transport plan of ``optimalCoupling(target:law:exact:maxLPVariables:)``.
///
/// ```
/// given S = set(x):  output j ∈ S with probability z(S, j) / Q_set(S)
///                    else (probability λ_S = 1 − Σ_j z(S, j)/Q_set(S))  Y ~ p_res / M
/// p_res(j) = p(j) − Σ_S z(S, j) (clipped at 0; z after a top-up pass, see toppedUp),   M = Σ_j p_res(j)
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
    /// Σ z after the top-up: alpha* to the LP's accuracy.
    public let acceptedMass: Double

    public init(target p: Distribution, law: DraftLaw,
                maxLPVariables: Int = OptimalTransportLP.defaultMaxVariables) throws {
        try VerifierError.requireSameVocabulary(p, law)
        let plan = try optimalCoupling(target: p, law: law, maxLPVariables: maxLPVariables)
        let flows = Self.toppedUp(plan, target: p)
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
        self.residual = ResidualLaw(weights: p.probabilities.indices.map { max(0, p[$0] - used[$0]) },
                                    fallback: p.probabilities)
    }

    /// The plan's flows, clipped at 0, then augmented along shortest augmenting paths of the bipartite flow network
    /// (source → set S with slack Q_set(S) − Σ_j z(S, j), S → j ∈ S, j → sink with room p(j) − Σ_S z(S, j), and the
    /// reverse edges j → S' of positive flow) until no path carries more than 1e-15 (at most 10 000 augmentations).
    /// This keeps the plan exactly feasible and recovers accepted mass the LP solver left below its tolerance
    /// (e.g. a token with p(j) ≈ 1e-8).
    static func toppedUp(_ plan: TransportPlan, target p: Distribution) -> [[Double]] {
        let sets = plan.sets
        var flows = plan.flows.map { $0.map { max(0, $0) } }
        var room = p.probabilities
        var slack = sets.map(\.mass)
        var edgesOfToken = [[(set: Int, slot: Int)]](repeating: [], count: p.vocabularySize)
        for (s, set) in sets.enumerated() {
            for (k, j) in set.tokens.enumerated() {
                room[j] -= flows[s][k]
                slack[s] -= flows[s][k]
                edgesOfToken[j].append((s, k))
            }
        }
        let epsilon = 1e-15
        for _ in 0..<10_000 {
            // BFS over sets; parent of a set is (token, slot in that set) through which it was reached.
            var setParent = [(token: Int, slot: Int)?](repeating: nil, count: sets.count)
            var setSeen = [Bool](repeating: false, count: sets.count)
            var tokenParent = [(set: Int, slot: Int)?](repeating: nil, count: p.vocabularySize)
            var queue: [Int] = []
            for s in sets.indices where slack[s] > epsilon { setSeen[s] = true; queue.append(s) }
            var head = 0, end: Int? = nil
            search: while head < queue.count {
                let s = queue[head]; head += 1
                for (k, j) in sets[s].tokens.enumerated() where tokenParent[j] == nil {
                    tokenParent[j] = (s, k)
                    if room[j] > epsilon { end = j; break search }
                    for e in edgesOfToken[j] where !setSeen[e.set] && flows[e.set][e.slot] > epsilon {
                        setSeen[e.set] = true
                        setParent[e.set] = (j, e.slot)
                        queue.append(e.set)
                    }
                }
            }
            guard let last = end else { break }
            // Bottleneck along the path back to a source set.
            var amount = room[last]
            var j = last
            while true {
                let (s, _) = tokenParent[j]!
                guard let back = setParent[s] else { amount = min(amount, slack[s]); break }
                amount = min(amount, flows[s][back.slot])
                j = back.token
            }
            guard amount > epsilon else { break }
            j = last
            room[last] -= amount
            while true {
                let (s, k) = tokenParent[j]!
                flows[s][k] += amount
                guard let back = setParent[s] else { slack[s] -= amount; break }
                flows[s][back.slot] -= amount
                j = back.token
            }
        }
        return flows
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
