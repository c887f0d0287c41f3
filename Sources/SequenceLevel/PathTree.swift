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
        func expand(from a: Int?) {
            let context = a.map { token[$0] }
            let (p, q) = model.laws(after: context)
            let pa = a.map { target[$0] } ?? 1, qa = a.map { draft[$0] } ?? 1
            for t in 0..<v where p[t] > 0 && q[t] > 0 {
                parent.append(a ?? -1)
                token.append(t)
                level.append((a.map { level[$0] } ?? 0) + 1)
                target.append(pa * p[t])
                draft.append(qa * q[t])
                firstChild.append(0)
                childCount.append(0)
            }
        }
        expand(from: nil)
        let roots = parent.count
        var start = 0
        for _ in 1..<max(1, depth) {
            let end = parent.count
            for a in start..<end {
                firstChild[a] = parent.count
                expand(from: a)
                childCount[a] = parent.count - firstChild[a]
            }
            start = end
        }
        // Leaves point past the end with no children.
        for a in start..<parent.count { firstChild[a] = parent.count }
        (self.parent, self.token, self.depth, self.target, self.draft) = (parent, token, level, target, draft)
        (self.firstChild, self.childCount, self.roots) = (firstChild, childCount, roots)
    }

    /// The tokens of node a's path, first token first.
    public func path(_ a: Int) -> [Int] {
        var out: [Int] = []
        var x = a
        while x >= 0 { out.append(token[x]); x = parent[x] }
        return out.reversed()
    }
}
