/// A draft token tree: node 0 is the root (the last accepted token, not a draft), every other node a draft token,
/// `parents[v]` its parent (−1 for the root; parents come before children). A node's children are ranked in the
/// order they appear (rank 0 first): in the positional model the child of rank i is accepted with probability u_i.
public struct DraftTree: Sendable, Equatable, CustomStringConvertible {
    public let parents: [Int]

    /// - Precondition: parents[0] == −1 and 0 ≤ parents[v] < v for v ≥ 1.
    public init(parents: [Int]) {
        precondition(!parents.isEmpty && parents[0] == -1, "node 0 is the root")
        for v in parents.indices.dropFirst() { precondition(parents[v] >= 0 && parents[v] < v, "parents come first") }
        self.parents = parents
    }

    /// A chain of `length` draft tokens.
    public static func chain(_ length: Int) -> DraftTree { DraftTree(parents: [-1] + (0..<length).map { $0 }) }

    /// Draft tokens (nodes other than the root).
    public var draftTokens: Int { parents.count - 1 }

    /// Each node's rank among its siblings.
    public var ranks: [Int] {
        var count = [Int](repeating: 0, count: parents.count)
        var rank = [Int](repeating: 0, count: parents.count)
        for v in parents.indices.dropFirst() { rank[v] = count[parents[v]]; count[parents[v]] += 1 }
        return rank
    }

    /// Largest number of draft tokens on a root-to-leaf path (one draft forward pass per level).
    public var depth: Int {
        var d = [Int](repeating: 0, count: parents.count)
        for v in parents.indices.dropFirst() { d[v] = d[parents[v]] + 1 }
        return d.max() ?? 0
    }

    /// Expected tokens per target call in the positional model: 1 (the target's own token) + Σ over draft nodes of
    /// the probability that every edge on its path is the accepted one.
    public func expectedTokens(_ acceptance: SiblingAcceptance) -> Double {
        let rank = ranks
        var reach = [Double](repeating: 0, count: parents.count)
        reach[0] = 1
        var total = 1.0
        for v in parents.indices.dropFirst() {
            reach[v] = reach[parents[v]] * acceptance.probability(rank: rank[v])
            total += reach[v]
        }
        return total
    }

    /// Parent indices separated by spaces, root first (`-1 0 0 1`).
    public var description: String { parents.map(String.init).joined(separator: " ") }
}
