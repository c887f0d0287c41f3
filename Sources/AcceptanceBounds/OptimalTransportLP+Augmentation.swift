import Distributions
import Solvers

extension OptimalTransportLP {
    /// The plan's flows, clipped at 0, then topped up to a maximum flow of the bipartite network (source → set S with
    /// the slack Q_set(S) − Σ_j z(S, j), S → j ∈ S unbounded, j → S with capacity z(S, j) to undo flow, j → sink with
    /// the room p(j) − Σ_S z(S, j)) by Dinic's algorithm (``FlowNetwork/maximumFlow(source:sink:)``). This keeps the
    /// plan feasible and recovers every bit of accepted mass the LP solver left below its tolerance (a token with
    /// p(j) ≈ 1e-8, or the interior-point method's slack), in a few blocking-flow phases.
    static func augmented(_ sets: [DraftSet], flows start: [[Double]], target p: Distribution) -> [[Double]] {
        var flows = start.map { $0.map { max(0, $0) } }
        let v = p.vocabularySize, count = sets.count
        var room = p.probabilities
        var slack = sets.map(\.mass)
        for (s, set) in sets.enumerated() {
            for (k, j) in set.tokens.enumerated() {
                room[j] -= flows[s][k]
                slack[s] -= flows[s][k]
            }
        }
        // Nodes: source 0, sets 1…count, tokens count+1…count+V, sink count+V+1.
        let source = 0, sink = count + v + 1
        var network = FlowNetwork(nodeCount: count + v + 2)
        var forward: [[Int]] = [], backward: [[Int]] = []
        forward.reserveCapacity(count); backward.reserveCapacity(count)
        for s in sets.indices where slack[s] > 0 {
            _ = network.addArc(from: source, to: 1 + s, capacity: slack[s])
        }
        for (s, set) in sets.enumerated() {
            var f: [Int] = [], b: [Int] = []
            for (k, j) in set.tokens.enumerated() {
                f.append(network.addArc(from: 1 + s, to: 1 + count + j, capacity: .infinity))
                b.append(flows[s][k] > 0 ? network.addArc(from: 1 + count + j, to: 1 + s, capacity: flows[s][k]) : -1)
            }
            forward.append(f); backward.append(b)
        }
        for j in 0..<v where room[j] > 0 { _ = network.addArc(from: 1 + count + j, to: sink, capacity: room[j]) }
        let result = network.maximumFlow(source: source, sink: sink)
        guard result.value > 0 else { return flows }
        for s in 0..<count {
            for k in flows[s].indices {
                let undo = backward[s][k] >= 0 ? result.flow[backward[s][k]] : 0
                flows[s][k] = max(0, flows[s][k] + result.flow[forward[s][k]] - undo)
            }
        }
        return flows
    }
}
