import Foundation
import Multidraft
import MultidraftIO
import MultidraftSupport

/// (m) The block level: the block LP L*(K, γ) (the best block efficiency of any lossless verifier, certified) against
/// what verifiers reach — block verification of one chain (Sun et al. 2024, arXiv 2403.10444) and the token-level
/// verifiers applied node by node (RRS, K-SEQ, optimal) to K i.i.d. chains — on Sun et al.'s example and on
/// synthetic context-free and order-1 Markov models (LLM-like rows: Zipf-like target logits, draft logits = target +
/// N(0, σ²) noise).
///
/// Rows: `verifier` = `bound` (1 + L*: `lower`, `upper` and its gap), `block-lp` (the LP's plan as a verifier,
/// ``BlockLPVerifier``, where the LP fits 200,000 variables and 2,000,000 matrix entries), `block` (block verification, K = 1, exact and
/// Monte Carlo), `select-block` (``SelectedChainVerification``, exact and Monte Carlo), `rrs`/`kseq`/
/// `optimal` (node by node, exact), `single-chain` (the closed form 1 + L*(1, γ)), and for Sun's example `token` and
/// `prefix-coupling`. `gap_to_bound` = 1 + L* − block efficiency. `kind = llm` rows (V = 32,000, context-free) are
/// Monte Carlo only (`simulated`, `std_error`): there is no exact value or L* at that size; for γ ≤ 2 their
/// `level-bound` row is a proven upper bound on 1 + L* (``BlockBound/levelUpperBound(target:draft:drafts:length:grid:)``,
/// also given beside the exact L* on the small context-free instances). `kind = real` rows: the
/// real SmolLM2-135M pair (target, `layerskip` draft) at its 24 draft-tree positions, each node cut to its 5 tokens of
/// largest p + q (`Experiments/data/smollm2-135m-trees`; `model` names the position's row of positions.csv), γ ≤ 2
/// (where the order-1 model is the cut tree exactly): exact values and certified L*, no Monte Carlo. `kind =
/// real-full` rows: the same positions at full vocabulary (V = 49,152) along the first K ≤ 3 chains the export drew
/// (`chain_laws.safetensors`), γ ≤ 2: each verifier's exact block efficiency given those chains (``SampledChains``),
/// and at γ = 1 `alpha-star` = 1 + alpha* of the root (the expectation over the drafts); no L* at this size.
public enum BlockVerificationExperiment: Experiment {
    public static let name = "block_verification"
    public static let header = [
        "kind", "model", "vocab", "mismatch", "drafts", "length", "verifier", "block_efficiency",
        "lower", "upper", "gap_to_bound", "simulated", "std_error", "z_score", "rounds",
        "elapsed_ms"
    ]
    public static let parallelItems = false

    public enum Item: Sendable {
        case sun
        case instance(markov: Bool, mismatch: Double, drafts: Int, length: Int)
        /// A context-free LLM-size pair (V = 32,000; tiny: 2,000): Monte Carlo only (no exact value or L* there).
        case llm(mismatch: Double, drafts: Int, length: Int)
        /// The real pair's two-level trees cut to 5 tokens per node (`Experiments/data/smollm2-135m-trees`), at
        /// every shipped position (tiny: the first 2): exact values and L*, no Monte Carlo.
        case real(drafts: Int, length: Int)
        /// The real pair at full vocabulary (V = 49,152) along the chains the export drew
        /// (`Experiments/data/smollm2-135m-trees/chain_laws.safetensors`): every verifier's exact block efficiency
        /// given those chains (tiny: the first 2 positions).
        case realFull(drafts: Int, length: Int)
    }

    static func vocab(_ scale: ExperimentScale) -> Int { scale == .tiny ? 4 : 5 }

    public static func items(scale: ExperimentScale) -> [Item] {
        let mismatches: [Double] = scale == .tiny ? [0.8] : [0.5, 1.0]
        let ks = scale == .tiny ? [1, 2] : [1, 2, 3, 4]
        let lengths = scale == .tiny ? [2] : [1, 2, 3]
        var out: [Item] = [.sun]
        for markov in [false, true] {
            for m in mismatches {
                for g in lengths {
                    for k in ks { out.append(.instance(markov: markov, mismatch: m, drafts: k, length: g)) }
                }
            }
        }
        for m in mismatches {
            for g in scale == .tiny ? [2] : [2, 4] {
                for k in scale == .tiny ? [1, 2] : [1, 2, 4] { out.append(.llm(mismatch: m, drafts: k, length: g)) }
            }
        }
        for g in scale == .tiny ? [2] : [1, 2] {
            for k in scale == .tiny ? [2] : [1, 2, 3] { out.append(.real(drafts: k, length: g)) }
        }
        for g in scale == .tiny ? [2] : [1, 2] {
            for k in scale == .tiny ? [2] : [1, 2, 3] { out.append(.realFull(drafts: k, length: g)) }
        }
        return out
    }

    /// The shipped real trees: per position, its row of positions.csv and its model (order-1 Markov over 5 token
    /// slots: the real tree cut to 5 tokens per node, exact for blocks of at most two drafted tokens).
    static func realTrees() throws -> [(row: Int, model: SequenceModel)] {
        let path = "Experiments/data/smollm2-135m-trees/markov_v5.safetensors"
        guard FileManager.default.fileExists(atPath: path) else {
            throw DatasetError.usage("\(path) not found: run from the package root")
        }
        let (tensors, _) = try TensorFile.open(path)
        guard let rows = tensors["rows"], let p = tensors["target_first"], let q = tensors["draft_first"],
            let pt = tensors["target_transitions"], let qt = tensors["draft_transitions"], p.shape.count == 2,
            rows.elementCount == p.shape[0],
            q.shape == p.shape, pt.shape == [p.shape[0] * p.shape[1], p.shape[1]], qt.shape == pt.shape
        else { throw DatasetError.usage("\(path): the tensors do not have the documented shapes") }
        let v = p.shape[1]
        return try (0..<p.shape[0]).map { s in
            let transitions = { (t: StoredTensor) in try (0..<v).map { try Distribution(t.row(s * v + $0)) } }
            let model = try SequenceModel(
                target: Distribution(p.row(s)), draft: Distribution(q.row(s)), targetTransitions: transitions(pt),
                draftTransitions: transitions(qt))
            let row = rows.element(s)
            guard row.isFinite, row >= 0, row < 1e9 else {
                throw DatasetError.usage("\(path): rows[\(s)] is not a row index")
            }
            return (Int(row), model)
        }
    }

    /// The shipped chains at full vocabulary: per position, its row of positions.csv, the first K chains' first γ
    /// tokens and the laws at their prefixes (float16 log-probabilities, each row renormalised by softmax); only the
    /// first `positions` when given.
    static func realChains(
        drafts k: Int, length g: Int, positions: Int? = nil
    ) throws -> [(row: Int, chains: SampledChains)] {
        let path = "Experiments/data/smollm2-135m-trees/chain_laws.safetensors"
        guard FileManager.default.fileExists(atPath: path) else {
            throw DatasetError.usage("\(path) not found: run from the package root")
        }
        let (tensors, metadata) = try TensorFile.open(path)
        guard let rows = tensors["rows"], let tokens = tensors["tokens"], let tp = tensors["target_logp"],
            let dp = tensors["draft_logp"], let stored = metadata["chains"].flatMap({ Int($0) }), stored >= 1,
            tokens.shape == [rows.elementCount * stored, 2], tp.shape.count == 2,
            tp.shape[0] == rows.elementCount * (stored + 1), dp.shape == tp.shape
        else { throw DatasetError.usage("\(path): the tensors do not have the documented shapes") }
        guard k <= stored, g <= 2 else {
            throw DatasetError.usage("\(path) holds \(stored) chains of 2 tokens per position, not \(k) of \(g)")
        }
        let v = tp.shape[1]
        func token(_ value: Double) throws -> Int {
            guard value.isFinite, value >= 0, value < Double(v) else {
                throw DatasetError.usage("\(path): a token of `tokens` is outside the vocabulary")
            }
            return Int(value)
        }
        return try (0..<min(positions ?? .max, rows.elementCount)).map { s in
            let chains = try (0..<k).map { a in try tokens.row(s * stored + a).prefix(g).map(token) }
            var laws: [[Int]: NodeLaws] = [:]
            let node = { (i: Int) in
                NodeLaws(
                    target: try Distribution(logits: tp.row(s * (stored + 1) + i)),
                    draft: try Distribution(logits: dp.row(s * (stored + 1) + i)))
            }
            laws[[]] = try node(0)
            if g == 2 { for a in 0..<k where laws[[chains[a][0]]] == nil { laws[[chains[a][0]]] = try node(1 + a) } }
            let row = rows.element(s)
            guard row.isFinite, row >= 0, row < 1e9 else {
                throw DatasetError.usage("\(path): rows[\(s)] is not a row index")
            }
            return (Int(row), try SampledChains(chains: chains, laws: laws))
        }
    }

    /// The synthetic model of a mismatch σ (fixed by the seed); Markov models draw one row pair per context.
    static func model(markov: Bool, mismatch sigma: Double, vocab v: Int, seed: UInt64) throws -> SequenceModel {
        var rng = Xoshiro256(seed: seed, stream: markov ? 0xB10C : (v > 1000 ? 0xB10E : 0xB10D))
        var targets: [Distribution] = [], drafts: [Distribution] = []
        for _ in 0...(markov ? v : 0) {
            let logits = Distribution.zipfLogits(v, exponent: 1.2, noise: 0.7, using: &rng)
            targets.append(try Distribution(logits: logits))
            drafts.append(try Distribution(logits: logits.map { $0 + sigma * Distribution.gaussian(using: &rng) }))
        }
        guard markov else { return try SequenceModel(target: targets[0], draft: drafts[0]) }
        return try SequenceModel(
            target: targets[v], draft: drafts[v], targetTransitions: Array(targets[0..<v]),
            draftTransitions: Array(drafts[0..<v]))
    }

    static func row(
        _ kind: String, _ model: String, _ v: Int, _ sigma: Double?, _ k: Int, _ g: Int, _ verifier: String,
        value: Double, lower: Double? = nil, upper: Double? = nil, bound: Double?,
        mc: (mean: Double, standardError: Double)? = nil, rounds: Int? = nil, ms: Double
    ) -> [CSVValue] {
        let z = mc.map { $0.standardError > 0 ? ($0.mean - value) / $0.standardError : 0 }
        return [
            .text(kind), .text(model), .integer(v), sigma.map { .real($0) } ?? .empty, .integer(k), .integer(g),
            .text(verifier), .real(value), lower.map { .real($0) } ?? .empty, upper.map { .real($0) } ?? .empty,
            bound.map { .real($0 - value) } ?? .empty, mc.map { .real($0.mean) } ?? .empty,
            mc.map { .real($0.standardError) } ?? .empty, z.map { .real($0) } ?? .empty,
            rounds.map { .integer($0) } ?? .empty, .real(ms)
        ]
    }

    /// The exact rows of one small model: 1 + L* (certified), the closed form of one chain, block verification
    /// (K = 1), the LP verifier where it fits, select-block and the token-level verifiers node by node; with `trials`,
    /// Monte Carlo beside the exact value of each scheme that simulates. Also returns 1 + L*.
    static func exactRows(
        _ kind: String, _ label: String, _ m: SequenceModel, _ sigma: Double?, _ k: Int, _ g: Int, trials: Int?,
        context: ExperimentContext, rng: inout Xoshiro256
    ) throws -> (rows: [[CSVValue]], bound: Double) {
        let v = m.vocabularySize
        var watch = Stopwatch()
        let bound = try BlockBound(model: m, drafts: k, length: g)
        let be = bound.blockEfficiencyUpper
        var rows = [
            row(
                kind, label, v, sigma, k, g, "bound", value: be, lower: bound.blockEfficiencyLower,
                upper: be, bound: be, rounds: bound.rounds, ms: watch.elapsedMilliseconds)
        ]
        watch = Stopwatch()
        rows.append(
            row(
                kind, label, v, sigma, k, g, "single-chain",
                value: 1 + BlockBound.singleChain(model: m, length: g),
                bound: be, ms: watch.elapsedMilliseconds))
        if k == 1 {
            watch = Stopwatch()
            let bv = try BlockVerification(model: m, length: g)
            rows.append(
                row(
                    kind, label, v, sigma, k, g, "block", value: 1 + bv.expectedAccepted(), bound: be,
                    mc: trials.map { bv.simulate(trials: $0, seed: rng.next(), threads: context.threads) },
                    ms: watch.elapsedMilliseconds))
        }
        if (try? BlockLPVerifier.requireFits(vocabularySize: v, drafts: k, length: g)) != nil {
            watch = Stopwatch()
            let lp = try BlockLPVerifier(model: m, drafts: k, length: g)
            rows.append(
                row(
                    kind, label, v, sigma, k, g, "block-lp", value: 1 + lp.expectedAccepted(), bound: be,
                    mc: trials.map { lp.simulate(trials: $0, seed: rng.next(), threads: context.threads) },
                    ms: watch.elapsedMilliseconds))
        }
        watch = Stopwatch()
        let scheme = try SelectedChainVerification(model: m, drafts: k, length: g, threads: context.threads)
        rows.append(
            row(
                kind, label, v, sigma, k, g, "select-block", value: 1 + scheme.expectedAccepted(), bound: be,
                mc: trials.map { scheme.simulate(trials: $0, seed: rng.next(), threads: context.threads) },
                ms: watch.elapsedMilliseconds))
        for name in ["optimal", "kseq", "rrs"] {
            watch = Stopwatch()
            let entry = try context.registry.entry(named: name)
            let value = try BlockEfficiency(
                model: m, law: .iid, drafts: k, length: g, verifierName: name,
                make: { try entry.make($0, $1) }
            ).exact()
            rows.append(
                row(kind, label, v, sigma, k, g, name, value: value, bound: be, ms: watch.elapsedMilliseconds)
            )
        }
        return (rows, be)
    }

    public static func rows(for item: Item, context: ExperimentContext, rng: inout Xoshiro256) throws -> [[CSVValue]] {
        let trials = context.scale == .tiny ? 20_000 : 200_000
        switch item {
        case .sun:
            let m = try SequenceModel(target: Distribution([1.0 / 3, 2.0 / 3]), draft: Distribution([2.0 / 3, 1.0 / 3]))
            var watch = Stopwatch()
            let bound = try BlockBound(model: m, drafts: 1, length: 2)
            let be = bound.blockEfficiencyUpper
            var rows = [
                row(
                    "sun", "context-free", 2, nil, 1, 2, "bound", value: be, lower: bound.blockEfficiencyLower,
                    upper: be, bound: be, rounds: bound.rounds, ms: watch.elapsedMilliseconds)
            ]
            watch = Stopwatch()
            let bv = try BlockVerification(model: m, length: 2)
            rows.append(
                row(
                    "sun", "context-free", 2, nil, 1, 2, "block", value: 1 + bv.expectedAccepted(), bound: be,
                    mc: bv.simulate(trials: trials, seed: rng.next(), threads: context.threads),
                    ms: watch.elapsedMilliseconds))
            watch = Stopwatch()
            let entry = try context.registry.entry(named: "single")
            let token = try BlockEfficiency(
                model: m, law: .iid, drafts: 1, length: 2, verifierName: "single",
                make: { try entry.make($0, $1) }
            ).exact()
            rows.append(
                row(
                    "sun", "context-free", 2, nil, 1, 2, "token", value: token, bound: be, ms: watch.elapsedMilliseconds
                ))
            let tree = PathTree(model: m, depth: 2)
            let coupling = (0..<tree.count).reduce(1.0) { $0 + min(tree.target[$1], tree.draft[$1]) }
            rows.append(row("sun", "context-free", 2, nil, 1, 2, "prefix-coupling", value: coupling, bound: be, ms: 0))
            return rows
        case .instance(let markov, let sigma, let k, let g):
            let v = vocab(context.scale)
            let m = try model(markov: markov, mismatch: sigma, vocab: v, seed: context.seed)
            var (rows, bound) = try exactRows(
                "instance", markov ? "markov" : "context-free", m, sigma, k, g, trials: trials, context: context,
                rng: &rng)
            if !markov && g <= 2 {
                // the level-by-level upper bound, where L* is known: how loose it is
                let watch = Stopwatch()
                let level = try BlockBound.levelUpperBound(
                    target: m.firstTarget, draft: m.firstDraft, drafts: k, length: g)
                rows.append(
                    row(
                        "instance", "context-free", v, sigma, k, g, "level-bound", value: level.bound, bound: bound,
                        ms: watch.elapsedMilliseconds))
            }
            return rows
        case .real(let k, let g):
            let trees = try realTrees()
            var rows: [[CSVValue]] = []
            for (row, m) in trees.prefix(context.scale == .tiny ? 2 : trees.count) {
                rows += try exactRows(
                    "real", "smollm2-135m/layerskip@\(row)", m, nil, k, g, trials: nil, context: context, rng: &rng
                ).rows
            }
            return rows
        case .realFull(let k, let g):
            var rows: [[CSVValue]] = []
            for (position, sampled) in try realChains(
                drafts: k, length: g, positions: context.scale == .tiny ? 2 : nil)
            {
                let label = "smollm2-135m/layerskip@\(position)", v = sampled.vocabularySize
                var watch = Stopwatch()
                if g == 1 {
                    // the expectation over the drafts (the rows below are given the sampled drafts)
                    let root = sampled.laws[[]]!
                    let alpha = try optimalAcceptance(
                        target: root.target, law: DraftLaw.iid(root.draft, drafts: k), method: .dual
                    ).alpha
                    rows.append(
                        row(
                            "real-full", label, v, nil, k, g, "alpha-star", value: 1 + alpha, bound: nil,
                            ms: watch.elapsedMilliseconds))
                    watch = Stopwatch()
                }
                if k == 1 {
                    rows.append(
                        row(
                            "real-full", label, v, nil, k, g, "block", value: sampled.blockVerification(), bound: nil,
                            ms: watch.elapsedMilliseconds))
                    watch = Stopwatch()
                }
                let selected = try sampled.selectBlock(threads: context.threads)
                rows.append(
                    row(
                        "real-full", label, v, nil, k, g, "select-block", value: selected.blockEfficiency,
                        bound: nil, ms: watch.elapsedMilliseconds))
                for name in ["optimal", "kseq", "rrs"] {
                    watch = Stopwatch()
                    let entry = try context.registry.entry(named: name)
                    let value = try sampled.nodeByNode(verifierName: name) { try entry.make($0, $1) }
                    rows.append(
                        row(
                            "real-full", label, v, nil, k, g, name, value: value, bound: nil,
                            ms: watch.elapsedMilliseconds))
                }
            }
            return rows
        case .llm(let sigma, let k, let g):
            let v = context.scale == .tiny ? 2_000 : 32_000
            let rounds = context.scale == .tiny ? 5_000 : 100_000
            let m = try model(markov: false, mismatch: sigma, vocab: v, seed: context.seed)
            var rows: [[CSVValue]] = []
            func mcRow(_ name: String, _ mc: (mean: Double, standardError: Double), _ ms: Double) -> [CSVValue] {
                [
                    .text("llm"), .text("context-free"), .integer(v), .real(sigma), .integer(k), .integer(g),
                    .text(name),
                    .empty, .empty, .empty, .empty, .real(mc.mean), .real(mc.standardError), .empty, .empty, .real(ms)
                ]
            }
            var watch = Stopwatch()
            if g <= 2 {
                // no L* at this size: a proven upper bound on it instead (in `block_efficiency`)
                let level = try BlockBound.levelUpperBound(
                    target: m.firstTarget, draft: m.firstDraft, drafts: k, length: g)
                rows.append(
                    row(
                        "llm", "context-free", v, sigma, k, g, "level-bound", value: level.bound, upper: level.bound,
                        bound: nil, ms: watch.elapsedMilliseconds))
                watch = Stopwatch()
            }
            if k == 1 {
                let bv = try BlockVerification(model: m, length: g)
                rows.append(
                    mcRow(
                        "block", bv.simulate(trials: rounds, seed: rng.next(), threads: context.threads),
                        watch.elapsedMilliseconds))
                watch = Stopwatch()
            }
            let scheme = try SelectedChainVerification(model: m, drafts: k, length: g, threads: context.threads)
            rows.append(
                mcRow(
                    "select-block", scheme.simulate(trials: rounds, seed: rng.next(), threads: context.threads),
                    watch.elapsedMilliseconds))
            for name in ["optimal", "rrs"] {
                watch = Stopwatch()
                let entry = try context.registry.entry(named: name)
                let block = try BlockEfficiency(
                    model: m, law: .iid, drafts: k, length: g, verifierName: name,
                    make: { try entry.make($0, $1) })
                rows.append(
                    mcRow(
                        name, try block.simulate(trials: rounds, seed: rng.next(), threads: context.threads),
                        watch.elapsedMilliseconds))
            }
            return rows
        }
    }
}
