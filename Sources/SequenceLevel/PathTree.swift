import Distributions

/// The tree of token paths a = (a_1..a_k), 1 ≤ k ≤ depth, of a ``SequenceModel``, with the target and draft path
/// probabilities p(a) = Π p(a_i | a_{i−1}), q(a) likewise. Nodes are stored breadth first, the children of a node
/// contiguous and in token order; paths with p(a) = 0 or q(a) = 0 are dropped together with their subtrees (no
/// lossless verifier can accept them: they are never drafted, or never a target path).
///
/// - Complexity: O(Σ_{k≤depth} V^k) time and memory.
public struct PathTree: Sendable {
    /// Parent node (−1 for the first token), token and depth (1-based) of each node.
    public let parent: [Int], token: [Int], depth: [Int]
    /// p(a) and q(a).
    public let target: [Double], draft: [Double]
    /// The first child and the number of children of each node (children are contiguous).
    public let firstChild: [Int], childCount: [Int]
    /// Nodes of depth 1 are 0..<roots.
    public let roots: Int

    public var count: Int { parent.count }

    public init(model: SequenceModel, depth: Int) {
        var parent: [Int] = [], token: [Int] = [], level: [Int] = []
        var target: [Double] = [], draft: [Double] = []
        var firstChild: [Int] = [], childCount: [Int] = []
        let v = model.vocabularySize
        // Level by level: the frontier's nodes in order, each followed by its kept children.
        var frontier: [Int] = [-1]
        for d in 1...max(1, depth) {
            var next: [Int] = []
            for a in frontier {
                let laws = model.laws(after: a >= 0 ? token[a] : nil)
                let pa = a >= 0 ? target[a] : 1.0, qa = a >= 0 ? draft[a] : 1.0
                let first = parent.count
                for t in 0..<v where laws.target[t] > 0 && laws.draft[t] > 0 {
                    next.append(parent.count)
                    parent.append(a)
                    token.append(t)
                    level.append(d)
                    target.append(pa * laws.target[t])
                    draft.append(qa * laws.draft[t])
                    firstChild.append(0)
                    childCount.append(0)
                }
                if a >= 0 {
                    firstChild[a] = first
                    childCount[a] = parent.count - first
                }
            }
            frontier = next
        }
        // Leaves (depth = `depth`) have no children; their first child points past the end.
        for a in frontier { firstChild[a] = parent.count }
        self.roots = parent.firstIndex { $0 >= 0 } ?? parent.count
        self.parent = parent
        self.token = token
        self.depth = level
        self.target = target
        self.draft = draft
        self.firstChild = firstChild
        self.childCount = childCount
    }

    /// The tokens of node a's path, first token first.
    public func path(_ a: Int) -> [Int] {
        var out: [Int] = []
        var x = a
        while x >= 0 { out.append(token[x]); x = parent[x] }
        return out.reversed()
    }
}
