import Distributions
import Solvers

/// The set-level transport LP solved as what it is, a bipartite maximum flow (<doc:Theory#Optimal-verifier>):
///
/// ```
/// source ──Q_set(S)──▶ draft set S ──∞──▶ token j ∈ S ──p(j)──▶ sink
/// ```
///
/// A flow is a transport plan z(S, j) and its value is the accepted mass; a cut with token set H on the source side
/// has capacity p(H) + Σ_{S ⊄ H} Q_set(S) = p(H) + 1 − Q(H), so max-flow = min-cut is alpha* = 1 + min_H [p(H) − Q(H)]
/// and the minimum cut is the certificate set. Solved by ``FlowNetwork/maximumFlow(source:sink:)`` (Dinic) in Swift,
/// then repaired and verified exactly like the LP's plan (``TransportPlan/verify(target:law:)``).
///
/// - Complexity: the graph has #sets + V + 2 nodes and Σ_S |S| + #sets + V arcs; refused beyond `maxArcs` middle
///   arcs (the LP's variable count) before anything is allocated. Works for every law whose set law can be enumerated
///   (i.i.d., without replacement, independent, greedy, SpecHub, explicit).
/// - Sources: Sun et al., "SpecTr" (2023, arXiv 2310.15141) for the LP; Dinitz (1970) for the algorithm.
public enum OptimalTransportFlow {
    /// The plan with the flow's own bookkeeping.
    public struct Solution: Sendable {
        public let plan: TransportPlan
        /// Σ z of the repaired plan: a lower bound on alpha* (the plan is exactly feasible).
        public let lower: Double
        /// p(H) + 1 − Q(H) of the minimum cut, evaluated from the law: an upper bound on alpha*.
        public let upper: Double
        /// The certificate's token set H (a minimum cut).
        public let cut: [Int]
        public let phases: Int
        public let augmentations: Int
    }

    /// alpha* with its proof, without the plan (the value function beside ``solve(target:law:maxArcs:)``).
    public struct Bracket: Sendable {
        /// Σ z of the repaired flow: a lower bound on alpha* (the flow is exactly feasible).
        public let lower: Double
        /// p(H) + 1 − Q(H) of the certificate set: an upper bound on alpha*.
        public let upper: Double
        /// The certificate's token set H (a minimum cut).
        public let cut: [Int]
        public let phases: Int
        public let augmentations: Int
    }

    /// alpha* by maximum flow, proven by the repaired flow (lower) and a minimum cut (upper), without building the
    /// plan: the same numbers as ``solve(target:law:maxArcs:)``'s `lower`, `upper` and `cut`, at a fraction of the
    /// bookkeeping (no per-set arrays of flows). Throws as ``solve(target:law:maxArcs:)`` does.
    public static func bound(
        target p: Distribution, law: DraftLaw, maxArcs: Int = Limits.standard.flowArcs
    ) throws -> Bracket {
        let run = try maximumFlow(target: p, law: law, maxArcs: maxArcs)
        var flows = run.flows
        TransportPlan.repair(flows: &flows, target: p)
        let accepted = TransportPlan.acceptedAndResidual(flows: flows, target: p).accepted
        let best = try TransportPlan.verified(
            flows: flows, acceptedMass: accepted, tokenDuals: run.cutIndicator,
            target: p, law: law)
        return Bracket(
            lower: accepted, upper: best.value, cut: best.set, phases: run.phases,
            augmentations: run.augmentations)
    }

    /// Solves the transport problem by maximum flow. Throws ``AcceptanceError/tooLarge(_:estimatedSets:estimatedSize:limit:)``
    /// beyond `maxArcs`, or ``AcceptanceError/lpUnverified(detail:)`` if the result fails its own check.
    public static func solve(
        target p: Distribution, law: DraftLaw, maxArcs: Int = Limits.standard.flowArcs
    ) throws -> Solution {
        let run = try maximumFlow(target: p, law: law, maxArcs: maxArcs)
        // Dinic's flow is maximum (no augmenting path is left), so the repair only clips and scales away rounding;
        // the plan's token duals are the cut's indicator, so its certificate is the better of Dinic's cut and the
        // cut read off the repaired plan, and it must close the gap or the result is refused.
        let (plan, best) = try OptimalTransportLP.repairedPlan(
            sets: run.sets, rawFlows: run.flows, target: p, law: law, objective: run.value, status: .optimal,
            exactConfirmed: false, tokenDuals: run.cutIndicator, topUp: false)
        return Solution(
            plan: plan, lower: plan.acceptedMass, upper: best.value, cut: best.set,
            phases: run.phases, augmentations: run.augmentations)
    }

    /// Dinic on the set-level network: the set law, the raw flows (≥ 0) and the minimum cut's token indicator.
    private static func maximumFlow(
        target p: Distribution, law: DraftLaw, maxArcs: Int
    ) throws
        -> (sets: [DraftSet], flows: FlatFlows, cutIndicator: [Double], value: Double, phases: Int, augmentations: Int)
    {
        try law.requireVocabulary(of: p)
        let size = OptimalTransportLP.estimatedSize(of: law)
        if size.variables > Double(maxArcs) || !size.variables.isFinite {
            throw AcceptanceError.tooLarge(
                .flowArcs, estimatedSets: size.sets, estimatedSize: size.variables, limit: maxArcs)
        }
        let sets = law.setLaw()
        let v = p.vocabularySize
        let tokenNode = { (j: Int) in 2 + sets.count + j }
        var flows = FlatFlows(shapeOf: sets)
        var network = FlowNetwork(nodeCount: 2 + sets.count + v)
        network.reserveCapacity(sets.count + v + flows.values.count)
        var firstArc = [Int](repeating: 0, count: sets.count)
        for s in sets.indices {
            network.addArc(from: 0, to: 2 + s, capacity: flows.masses[s])
            firstArc[s] = network.arcCount
            for i in flows.offsets[s]..<flows.offsets[s + 1] {
                network.addArc(from: 2 + s, to: tokenNode(flows.tokens[i]), capacity: .infinity)
            }
        }
        for j in 0..<v { network.addArc(from: tokenNode(j), to: 1, capacity: p[j]) }
        let result = network.maximumFlow(source: 0, sink: 1)
        for s in sets.indices {
            for k in 0..<(flows.offsets[s + 1] - flows.offsets[s]) {
                flows.values[flows.offsets[s] + k] = result.flow[firstArc[s] + k]
            }
        }
        let cutIndicator = (0..<v).map { result.sourceSide[tokenNode($0)] ? 1.0 : 0.0 }
        return (sets, flows, cutIndicator, result.value, result.phases, result.augmentations)
    }
}
