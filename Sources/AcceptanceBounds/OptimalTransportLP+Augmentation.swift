import Distributions

extension OptimalTransportLP {
    /// The plan's flows, clipped at 0, then augmented along shortest augmenting paths of the bipartite flow network
    /// (source → set S with slack Q_set(S) − Σ_j z(S, j), S → j ∈ S, j → sink with room p(j) − Σ_S z(S, j), and the
    /// reverse edges j → S' of positive flow) until no path carries more than 1e-15 (at most 10 000 augmentations).
    /// This keeps the plan exactly feasible and recovers accepted mass the LP solver left below its tolerance
    /// (e.g. a token with p(j) ≈ 1e-8).
    static func augmented(_ sets: [DraftSet], flows start: [[Double]], target p: Distribution) -> [[Double]] {
        var flows = start.map { $0.map { max(0, $0) } }
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

}
