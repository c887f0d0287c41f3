import Foundation
import Multidraft
import MultidraftIO
import MultidraftSupport

/// (l) The sequence level (issue "Sequence level"): the shape of Khisti et al.'s Table 1 — block efficiency of K
/// i.i.d. draft sequences of length L = 5 against K, for the optimal verifier, K-SEQ and RRS — on synthetic order-1
/// Markov models (LLM-like rows: Zipf-like target logits per state, draft logits = target + N(0, σ²) noise, σ the
/// draft/target mismatch), exact by recursion and checked by Monte Carlo; and optimal draft trees for RRS's
/// per-sibling acceptance vector (exact for RRS with i.i.d. drafts: a_i = Σ min(p_i, q), p_{i+1} = norm((p_i − q)₊))
/// against the best chain of the same node count, with the speedup a draft/target time ratio predicts.
public enum DraftTreesExperiment: Experiment {
    public static let name = "draft_trees"
    public static let header = [
        "kind", "vocab", "mismatch", "drafts", "length", "verifier", "block_efficiency",
        "simulated", "std_error", "z_score", "budget", "tree_tokens", "chain_tokens",
        "tree_depth", "t_draft_over_t_target", "tree_speedup", "chain_speedup", "tree",
        "elapsed_ms"
    ]
    public static let parallelItems = false

    public enum Item: Sendable {
        case blocks(mismatch: Double, drafts: Int)
        case trees(mismatch: Double)
    }

    static let vocab = 6
    static let length = 5

    public static func items(scale: ExperimentScale) -> [Item] {
        let mismatches: [Double] = scale == .tiny ? [0.8] : [0.5, 1.0]
        let ks = scale == .tiny ? [1, 2, 3] : [1, 2, 3, 4, 5, 6]
        return mismatches.flatMap { m in ks.map { Item.blocks(mismatch: m, drafts: $0) } }
            + mismatches.map { .trees(mismatch: $0) }
    }

    /// The synthetic Markov model of a mismatch σ (fixed by the seed).
    static func model(mismatch sigma: Double, seed: UInt64) throws -> SequenceModel {
        var rng = Xoshiro256(seed: seed, stream: 0x7EE5)
        var targets: [Distribution] = [], drafts: [Distribution] = []
        for _ in 0...vocab {
            let logits = Distribution.zipfLogits(vocab, exponent: 1.2, noise: 0.7, using: &rng)
            targets.append(try Distribution(logits: logits))
            drafts.append(try Distribution(logits: logits.map { $0 + sigma * Distribution.gaussian(using: &rng) }))
        }
        return try SequenceModel(
            target: targets[vocab], draft: drafts[vocab], targetTransitions: Array(targets[0..<vocab]),
            draftTransitions: Array(drafts[0..<vocab]))
    }

    public static func rows(for item: Item, context: ExperimentContext, rng: inout Xoshiro256) throws -> [[CSVValue]] {
        switch item {
        case .blocks(let sigma, let k):
            let model = try model(mismatch: sigma, seed: context.seed)
            var rows: [[CSVValue]] = []
            for name in ["optimal", "kseq", "rrs"] {
                let entry = try context.registry.entry(named: name)
                let watch = Stopwatch()
                let block = try BlockEfficiency(
                    model: model, law: .iid, drafts: k, length: length, verifierName: name,
                    make: { try entry.make($0, $1) })
                let exact = try block.exact()
                let trials = context.scale == .tiny ? 20_000 : 200_000
                let mc = try block.simulate(trials: trials, seed: rng.next(), threads: context.threads)
                rows.append(
                    [
                        .text("blocks"), .integer(vocab), .real(sigma), .integer(k), .integer(length), .text(name),
                        .real(exact), .real(mc.mean), .real(mc.standardError),
                        .real(mc.standardError > 0 ? (mc.mean - exact) / mc.standardError : 0)
                    ]
                        + [CSVValue](repeating: .empty, count: 8) + [.real(watch.elapsedMilliseconds)])
            }
            return rows
        case .trees(let sigma):
            let model = try model(mismatch: sigma, seed: context.seed)
            let (p, q) = model.laws(after: nil)
            // RRS's sibling acceptances at the first position.
            let vector = try SiblingAcceptance.recursiveRejection(
                target: p.probabilities, draft: q.probabilities, siblings: 8)
            var rows: [[CSVValue]] = []
            let ratio = 0.05
            for budget in [1, 2, 4, 8, 16, 32] {
                let watch = Stopwatch()
                let best = TreeDesign.best(vector, budget: budget)
                let chain = DraftTree.chain(budget)
                let chainTokens = chain.expectedTokens(vector)
                let fastest = TreeDesign.fastest(vector, budget: budget, draftTime: ratio, targetTime: 1)
                // Speedup over target-only decoding (1 token per target pass): tokens per unit time.
                let chainSpeedup = chainTokens / (1 + ratio * Double(chain.depth))
                rows.append([
                    .text("trees"), .integer(vocab), .real(sigma), .empty, .empty, .text("rrs"),
                    .empty, .empty, .empty, .empty, .integer(budget), .real(best.expectedTokens),
                    .real(chainTokens), .integer(best.tree.depth), .real(ratio),
                    .real(fastest.tokensPerSecond), .real(chainSpeedup), .text(best.tree.description),
                    .real(watch.elapsedMilliseconds)
                ])
            }
            return rows
        }
    }
}
