import Foundation
import Testing
@testable import SequenceLevel
import MultidraftSupport
import Distributions
import Verifiers

/// The tree DP against brute force over every plane tree, and the facts it must respect.
@Suite struct TreeDesignTests {
    /// Every rooted plane tree (ordered children) with exactly `nodes` nodes, as parent arrays in preorder.
    static func planeTrees(_ nodes: Int) -> [[Int]] {
        // A forest of n nodes is a first tree (root + forest of k nodes) followed by a forest of n − 1 − k nodes.
        func forests(_ n: Int) -> [[Int]] { // each forest as parents relative to a virtual root at index -1
            if n == 0 { return [[]] }
            var out: [[Int]] = []
            for k in 0..<n {
                for sub in forests(k) {
                    for rest in forests(n - 1 - k) {
                        // first tree: its root (parent -1), then its subtree shifted by 1 (parent -1 -> 0);
                        // then the rest shifted by k + 1 (parent -1 stays -1).
                        var f = [-1] + sub.map { $0 == -1 ? 0 : $0 + 1 }
                        f += rest.map { $0 == -1 ? -1 : $0 + k + 1 }
                        out.append(f)
                    }
                }
            }
            return out
        }
        return forests(nodes - 1).map { [-1] + $0.map { $0 == -1 ? 0 : $0 + 1 } }
    }

    @Test func planeTreeCountsAreCatalan() {
        #expect((1...8).map { Self.planeTrees($0).count } == [1, 1, 2, 5, 14, 42, 132, 429])
    }

    /// DP = brute force over every plane tree with at most budget + 1 ≤ 9 nodes, on random acceptance vectors
    /// (conditional and unconditional), with and without a depth limit; the optimal tree never loses to the chain.
    @Test func dynamicProgramMatchesBruteForce() throws {
        var rng = Xoshiro256(seed: 42)
        let trees = (1...9).map { Self.planeTrees($0).map { DraftTree(parents: $0) } }
        for trial in 0..<40 {
            let length = 1 + Int(rng.next() % 5)
            let values = (0..<length).map { _ in Double(rng.next() % 1001) / 1000 }
            let vector =
                trial % 2 == 0
                ? try SiblingAcceptance(conditional: values)
                : try SiblingAcceptance(unconditional: values.map { $0 / Double(length) })
            for budget in 0...8 {
                for maxDepth in [nil, 1, 2, 3] as [Int?] {
                    let design = TreeDesign.best(vector, budget: budget, maxDepth: maxDepth)
                    let limit = min(maxDepth ?? budget, budget)
                    let brute = trees.prefix(budget + 1).joined().filter { $0.depth <= limit }
                        .map { $0.expectedTokens(vector) }.max()!
                    #expect(
                        abs(design.expectedTokens - brute) < 1e-12,
                        "trial \(trial) budget \(budget) depth \(String(describing: maxDepth))")
                    #expect(abs(design.tree.expectedTokens(vector) - design.expectedTokens) < 1e-12)
                    #expect(design.tree.draftTokens <= budget && design.tree.depth <= limit)
                    #expect(design.expectedTokens >= DraftTree.chain(limit).expectedTokens(vector) - 1e-12)
                }
            }
        }
    }

    /// Budget 0 gives 1 token; a chain gives Leviathan's (1 − α^{γ+1})/(1 − α) when a₁ = α.
    @Test func chainsAndTheEmptyTree() throws {
        let vector = try SiblingAcceptance(conditional: [0.7, 0.2])
        #expect(TreeDesign.best(vector, budget: 0).expectedTokens == 1)
        for gamma in 0...6 {
            let e = DraftTree.chain(gamma).expectedTokens(vector)
            #expect(abs(e - (1 - pow(0.7, Double(gamma + 1))) / 0.3) < 1e-12)
        }
    }

    /// The hardware-aware tree maximises tokens per second among every depth limit's best tree, and a free draft
    /// (t_draft = 0) picks the unconstrained optimum.
    @Test func fastestTreeBeatsEveryDepth() throws {
        let vector = try SiblingAcceptance(conditional: [0.75, 0.4, 0.2, 0.1])
        let (design, rate) = TreeDesign.fastest(vector, budget: 12, draftTime: 0.15, targetTime: 1)
        for d in 0...12 {
            let other = TreeDesign.best(vector, budget: 12, maxDepth: d)
            #expect(rate >= other.expectedTokens / (1 + 0.15 * Double(other.tree.depth)) - 1e-12)
        }
        #expect(abs(rate - design.expectedTokens / (1 + 0.15 * Double(design.tree.depth))) < 1e-12)
        let free = TreeDesign.fastest(vector, budget: 12, draftTime: 0, targetTime: 1)
        #expect(abs(free.design.expectedTokens - TreeDesign.best(vector, budget: 12).expectedTokens) < 1e-12)
    }

    /// Recursive rejection's sibling vector equals the acceptance the RRS verifier has with that many i.i.d. drafts:
    /// 1 − Π (1 − a_i) is RRS's exact formula, and the positional expected tokens of one level is 1 + Σ u_i.
    @Test func recursiveRejectionVector() throws {
        let p = [0.5, 0.3, 0.15, 0.05], q = [0.1, 0.2, 0.3, 0.4]
        let v = try SiblingAcceptance.recursiveRejection(target: p, draft: q, siblings: 3)
        #expect(abs(v.conditional[0] - 0.5) < 1e-15) // Σ min(p, q) = 0.1 + 0.2 + 0.15 + 0.05
        let star = DraftTree(parents: [-1, 0, 0, 0])
        #expect(abs(star.expectedTokens(v) - (1 + v.unconditional.reduce(0, +))) < 1e-15)
        // The RRS verifier's own exact acceptance with three i.i.d. drafts.
        let rrs = try makeVerifier(
            name: "rrs", target: try Distribution(p), law: try DraftLaw.iid(try Distribution(q), drafts: 3))
        #expect(abs(v.unconditional.reduce(0, +) - rrs.exactAcceptance!) < 1e-14)
    }

    /// Conditional and unconditional readings are inverse; bad vectors are refused.
    @Test func acceptanceVectors() throws {
        let a = try SiblingAcceptance(conditional: [0.5, 0.5, 1, 0.3])
        #expect(a.unconditional == [0.5, 0.25, 0.25, 0])
        let b = try SiblingAcceptance(unconditional: a.unconditional)
        #expect(b.conditional[0...2] == [0.5, 0.5, 1])
        #expect(throws: SiblingAcceptance.Failure.empty) { try SiblingAcceptance(conditional: []) }
        #expect(throws: SiblingAcceptance.Failure.outOfRange(index: 1, value: 1.5)) {
            try SiblingAcceptance(conditional: [0.2, 1.5])
        }
        #expect(throws: SiblingAcceptance.Failure.sumAboveOne(1.2)) { try SiblingAcceptance(unconditional: [0.6, 0.6]) }
    }
}
