/// The draft tree that maximises expected tokens per target call in the positional acceptance model, by dynamic
/// programming over node budgets (Sequoia's construction; Chen et al. 2024, arXiv 2402.12374).
///
/// With F_d(n) the largest expected number of accepted draft tokens below an accepted node using at most n
/// descendants and depth ≤ d, and G_d(i, n) the same for that node's children of rank ≥ i:
///
/// ```
/// G_d(i, n) = max( 0,  max_{1≤m≤n} u_i · (1 + F_{d−1}(m − 1)) + G_d(i + 1, n − m) )     F_d(n) = G_d(0, n)
/// ```
///
/// (a child of rank i is reached with probability u_i and brings its own subtree; ranks are filled in order, and
/// stopping is always allowed, so F is "at most n"). Expected tokens = 1 + F_D(budget).
///
/// - Complexity: O(D · K · B²) time, O(D · K · B) memory (K = min(budget, acceptance length), D ≤ budget).
public enum TreeDesign {
    public struct Design: Sendable, Equatable {
        public let tree: DraftTree
        public let expectedTokens: Double
        public let budget: Int
        public let maxDepth: Int
    }

    /// The DP tables up to depth `depth` (index 0 = no children allowed), shared by ``best`` and ``fastest``.
    struct Tables {
        let k: Int
        var f: [[Double]] // f[d][n]
        var choice: [[[Int]]] // choice[d][i][n] = subtree size of the rank-i child (0: stop)
    }

    static func tables(_ acceptance: SiblingAcceptance, budget: Int, depth: Int) -> Tables {
        let k = min(budget, acceptance.unconditional.count)
        var t = Tables(k: k, f: [[Double](repeating: 0, count: budget + 1)], choice: [[]])
        for d in stride(from: 1, through: depth, by: 1) {
            var g = [[Double]](repeating: [Double](repeating: 0, count: budget + 1), count: k + 1)
            var pick = [[Int]](repeating: [Int](repeating: 0, count: budget + 1), count: k + 1)
            for i in stride(from: k - 1, through: 0, by: -1) {
                let u = acceptance.unconditional[i]
                guard u > 0 else { continue }
                for n in 1...max(1, budget) where n <= budget {
                    var best = 0.0, arg = 0
                    for m in 1...n {
                        let value = u * (1 + t.f[d - 1][m - 1]) + g[i + 1][n - m]
                        if value > best { best = value; arg = m }
                    }
                    g[i][n] = best; pick[i][n] = arg
                }
            }
            t.f.append(g[0])
            t.choice.append(pick)
        }
        return t
    }

    /// Rebuilds the tree of depth limit `d` and budget `n` from the tables (parents precede children).
    static func reconstruct(_ t: Tables, depth d: Int, budget n: Int) -> DraftTree {
        var parents = [-1]
        func expand(_ node: Int, depth d: Int, budget n: Int) {
            guard d >= 1 else { return }
            var i = 0, left = n
            var children: [(node: Int, size: Int)] = []
            while i < t.k, left > 0, t.choice[d][i][left] > 0 {
                let m = t.choice[d][i][left]
                parents.append(node)
                children.append((parents.count - 1, m))
                left -= m
                i += 1
            }
            for c in children { expand(c.node, depth: d - 1, budget: c.size - 1) }
        }
        expand(0, depth: d, budget: n)
        return DraftTree(parents: parents)
    }

    /// Work of the DP in inner steps (K · B² per depth level), for refusing sizes before starting.
    public static func estimatedWork(_ acceptance: SiblingAcceptance, budget: Int, depth: Int) -> Double {
        Double(min(budget, acceptance.unconditional.count)) * Double(budget) * Double(budget) * Double(max(1, depth))
            / 2
    }

    /// The best tree with at most `budget` draft tokens and depth ≤ `maxDepth` (nil: unlimited).
    public static func best(_ acceptance: SiblingAcceptance, budget: Int, maxDepth: Int? = nil) -> Design {
        precondition(budget >= 0)
        let depth = min(maxDepth ?? budget, budget)
        let t = tables(acceptance, budget: budget, depth: depth)
        return Design(
            tree: reconstruct(t, depth: depth, budget: budget), expectedTokens: 1 + t.f[depth][budget],
            budget: budget, maxDepth: depth)
    }

    /// Hardware-aware design: one draft forward pass per tree level (t_draft each) and one target pass (t_target)
    /// per call, so a tree of depth d takes t_target + d · t_draft and yields E tokens. Returns the tree with at most
    /// `budget` draft tokens maximising E / (t_target + d · t_draft), over every depth limit.
    public static func fastest(
        _ acceptance: SiblingAcceptance, budget: Int, draftTime: Double, targetTime: Double
    )
        -> (design: Design, tokensPerSecond: Double)
    {
        precondition(draftTime >= 0 && targetTime > 0 && budget >= 0)
        let t = tables(acceptance, budget: budget, depth: budget)
        var best = (
            design: Design(tree: .chain(0), expectedTokens: 1, budget: budget, maxDepth: 0),
            tokensPerSecond: 1 / targetTime
        )
        for d in stride(from: 1, through: budget, by: 1) {
            let tree = reconstruct(t, depth: d, budget: budget)
            let tokens = 1 + t.f[d][budget]
            let rate = tokens / (targetTime + Double(tree.depth) * draftTime)
            if rate > best.tokensPerSecond * (1 + 1e-12) {
                best = (Design(tree: tree, expectedTokens: tokens, budget: budget, maxDepth: d), rate)
            }
        }
        return best
    }
}
