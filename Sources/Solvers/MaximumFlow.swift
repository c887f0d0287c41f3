/// A directed network with real (or infinite) arc capacities, for maximum flow.
///
/// Arcs are added with ``addArc(from:to:capacity:)``; ``maximumFlow(source:sink:)`` runs Dinic's algorithm
/// (Dinitz, 1970: breadth-first level graph, then blocking flows by depth-first search with current-arc pointers) and
/// returns the flow of every arc with a minimum cut as its certificate.
///
/// **Exact feasibility in floating point.** An augmentation of amount δ along a path subtracts δ from each forward
/// residual and adds it to each reverse residual, with δ the smallest residual on the path, so residuals never become
/// negative and the bottleneck becomes exactly 0: the returned flow satisfies capacity and conservation up to the
/// rounding of the additions (relative 1e-16 per arc), never by a tolerance. The cut is the set of nodes reachable
/// from the source through arcs of positive residual when no augmenting path is left; its capacity equals the flow
/// value (max-flow/min-cut), which callers verify independently.
///
/// - Complexity: O(N² A) in the worst case (N nodes, A arcs); on the bipartite transport graphs of this toolkit a few
///   dozen phases of O(A) each. Memory: 3 words per arc and direction.
public struct FlowNetwork: Sendable {
    public let nodeCount: Int
    private(set) var tails: [Int32] = []
    private(set) var heads: [Int32] = []
    private(set) var capacities: [Double] = []

    public init(nodeCount: Int) {
        precondition(nodeCount >= 2 && nodeCount < Int(Int32.max), "a flow network needs 2 to 2^31 - 1 nodes")
        self.nodeCount = nodeCount
    }

    /// Number of arcs added so far.
    public var arcCount: Int { capacities.count }

    /// Reserves room for `arcs` arcs.
    public mutating func reserveCapacity(_ arcs: Int) {
        tails.reserveCapacity(arcs); heads.reserveCapacity(arcs); capacities.reserveCapacity(arcs)
    }

    /// Adds an arc and returns its index. `capacity` ≥ 0 (may be `.infinity`).
    @discardableResult
    public mutating func addArc(from tail: Int, to head: Int, capacity: Double) -> Int {
        precondition(tail >= 0 && tail < nodeCount && head >= 0 && head < nodeCount, "arc endpoint out of range")
        precondition(capacity >= 0 && !capacity.isNaN, "arc capacity must be >= 0")
        tails.append(Int32(tail)); heads.append(Int32(head)); capacities.append(capacity)
        return capacities.count - 1
    }
}

/// A maximum flow and the minimum cut that certifies it.
public struct MaximumFlowResult: Sendable {
    /// Σ of the flow leaving the source.
    public let value: Double
    /// flow[a] for every arc in the order added, 0 ≤ flow ≤ capacity.
    public let flow: [Double]
    /// sourceSide[v]: v is reachable from the source in the final residual network (the minimum cut's source side).
    public let sourceSide: [Bool]
    /// Σ of the capacities of arcs from the source side to the other side (equals `value` up to rounding).
    public let cutCapacity: Double
    /// Number of Dinic phases (level graphs).
    public let phases: Int
    /// Number of augmenting paths.
    public let augmentations: Int
}

extension FlowNetwork {
    /// Dinic's maximum flow from `source` to `sink`. See ``FlowNetwork``.
    public func maximumFlow(source: Int, sink: Int) -> MaximumFlowResult {
        precondition(source != sink && source >= 0 && sink >= 0 && source < nodeCount && sink < nodeCount)
        let arcs = capacities.count
        precondition(2 * arcs < Int(Int32.max), "a flow network holds fewer than 2^30 arcs")
        // Residual graph in CSR form: arc a has forward slot and reverse slot.
        var degree = [Int](repeating: 0, count: nodeCount + 1)
        for a in 0..<arcs { degree[Int(tails[a]) + 1] += 1; degree[Int(heads[a]) + 1] += 1 }
        for v in 0..<nodeCount { degree[v + 1] += degree[v] }
        let start = degree
        var fill = Array(start.dropLast())
        var to = [Int32](repeating: 0, count: 2 * arcs)
        var partner = [Int32](repeating: 0, count: 2 * arcs)
        var residual = [Double](repeating: 0, count: 2 * arcs)
        var forwardSlot = [Int32](repeating: 0, count: arcs)
        for a in 0..<arcs {
            let u = Int(tails[a]), v = Int(heads[a])
            let f = fill[u]; fill[u] += 1
            let r = fill[v]; fill[v] += 1
            to[f] = heads[a]; to[r] = tails[a]
            partner[f] = Int32(r); partner[r] = Int32(f)
            residual[f] = capacities[a]
            forwardSlot[a] = Int32(f)
        }
        var level = [Int32](repeating: -1, count: nodeCount)
        var current = [Int](repeating: 0, count: nodeCount)
        var queue = [Int32](repeating: 0, count: nodeCount)
        var pathSlots = [Int](repeating: 0, count: nodeCount) // a path has at most nodeCount − 1 arcs

        /// Augments slot e by `amount` ≤ its residual; the bottleneck becomes exactly 0.
        func push(_ e: Int, _ amount: Double) {
            residual[e] = residual[e] == amount ? 0 : residual[e] - amount
            residual[Int(partner[e])] += amount
        }

        func buildLevels() -> Bool {
            for v in 0..<nodeCount { level[v] = -1 }
            level[source] = 0
            var head = 0, tail = 0
            queue[tail] = Int32(source); tail += 1
            while head < tail {
                let u = Int(queue[head]); head += 1
                for e in start[u]..<start[u + 1] where residual[e] > 0 {
                    let v = Int(to[e])
                    if level[v] < 0 { level[v] = level[u] + 1; queue[tail] = Int32(v); tail += 1 }
                }
            }
            return level[sink] >= 0
        }

        // Short paths first: augment along every path source → u → sink and source → u → v → sink in one scan
        // (what the first phase would find one depth-first search at a time; on the bipartite transport graphs that
        // is most of the flow).
        var augmentations = 0
        var sinkSlot = [Int](repeating: -1, count: nodeCount) // the forward slot v → sink, if any
        for e in start[sink]..<start[sink + 1] where residual[Int(partner[e])] > 0 {
            sinkSlot[Int(to[e])] = Int(partner[e])
        }
        for e0 in start[source]..<start[source + 1] where residual[e0] > 0 {
            let u = Int(to[e0])
            if u == sink { push(e0, residual[e0]); augmentations += 1; continue }
            for e1 in start[u]..<start[u + 1] where residual[e0] > 0 && residual[e1] > 0 {
                let v = Int(to[e1])
                if v == source || v == u { continue }
                let e2: Int? // the arc v → sink, absent when v is the sink
                if v == sink {
                    e2 = nil
                } else if sinkSlot[v] >= 0 && residual[sinkSlot[v]] > 0 {
                    e2 = sinkSlot[v]
                } else {
                    continue
                }
                let amount = min(residual[e0], residual[e1], e2.map { residual[$0] } ?? .infinity)
                push(e0, amount); push(e1, amount)
                if let e2 { push(e2, amount) }
                augmentations += 1
            }
        }

        var phases = 0
        while buildLevels() {
            phases += 1
            for v in 0..<nodeCount { current[v] = start[v] }
            // Blocking flow: iterative depth-first search along level-increasing arcs.
            while true {
                var depth = 0, u = source, found = false
                while true {
                    if u == sink { found = true; break }
                    var advanced = false
                    while current[u] < start[u + 1] {
                        let e = current[u]
                        let v = Int(to[e])
                        if residual[e] > 0 && level[v] == level[u] + 1 {
                            pathSlots[depth] = e; depth += 1; u = v; advanced = true
                            break
                        }
                        current[u] += 1
                    }
                    if advanced { continue }
                    // Dead end: retreat and block this node for the phase.
                    level[u] = -1
                    if depth == 0 { break }
                    depth -= 1
                    u = Int(to[Int(partner[pathSlots[depth]])])
                    current[u] += 1
                }
                if !found { break }
                var amount = Double.infinity
                for i in 0..<depth { amount = min(amount, residual[pathSlots[i]]) }
                for i in 0..<depth { push(pathSlots[i], amount) }
                augmentations += 1
            }
        }
        // Final residual reachability from the source = the minimum cut's source side.
        var sourceSide = [Bool](repeating: false, count: nodeCount)
        sourceSide[source] = true
        var head = 0, tail = 0
        queue[tail] = Int32(source); tail += 1
        while head < tail {
            let u = Int(queue[head]); head += 1
            for e in start[u]..<start[u + 1] where residual[e] > 0 && !sourceSide[Int(to[e])] {
                sourceSide[Int(to[e])] = true
                queue[tail] = Int32(to[e]); tail += 1
            }
        }
        var flow = [Double](repeating: 0, count: arcs)
        var value = 0.0, cut = 0.0
        for a in 0..<arcs {
            let f = Int(forwardSlot[a])
            let x = residual[Int(partner[f])] // the reverse residual is the flow pushed (minus cancellations)
            flow[a] = min(capacities[a], max(0, x))
            if Int(tails[a]) == source { value += flow[a] }
            if Int(heads[a]) == source { value -= flow[a] }
            if sourceSide[Int(tails[a])] && !sourceSide[Int(heads[a])] { cut += capacities[a] }
        }
        return MaximumFlowResult(
            value: value, flow: flow, sourceSide: sourceSide, cutCapacity: cut,
            phases: phases, augmentations: augmentations)
    }
}
