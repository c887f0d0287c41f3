import Foundation
import Multidraft
import MultidraftIO
import MultidraftSupport

/// (k) The batch pipeline (``BatchJob``, the engine of `multidraft batch`) end to end on the shipped sample
/// `Experiments/data/model-pairs-sample/` — **synthetic** LLM-like logits of a target and a draft model (see its
/// README). Averages over positions with standard errors and 95 % intervals, in the shape of Khisti et al.'s Table 3
/// (rows Optimal = alpha*, the optimal verifier, importance sampling (truncated weight LP, s = 8), K-SEQ, RRS;
/// columns K = 2, 4, 8), alpha* against temperature and the draft's top-p, and the top-64 sparse files' bounds
/// against the dense value.
///
/// One row per (kind, format, temperature, top_p, law, drafts, verifier).
public enum ModelPairsExperiment: Experiment {
    public static let name = "model_pairs"
    public static let header = [
        "kind", "format", "temperature", "top_p", "law", "drafts", "verifier", "mean",
        "std_error", "ci_low", "ci_high", "positions", "mean_lower", "mean_upper", "trials",
        "elapsed_ms"
    ]
    public static let parallelItems = false
    static let folder = "Experiments/data/model-pairs-sample"

    public enum Item: Sendable {
        case table
        case temperature(Double)
        case topP(Double)
        case sparse
    }

    public static func items(scale: ExperimentScale) -> [Item] {
        [.table] + [0.5, 0.7, 1.0, 1.3].map { .temperature($0) } + [0.8, 0.9, 0.95, 1.0].map { .topP($0) } + [.sparse]
    }

    static func positions(_ scale: ExperimentScale, total: Int) -> Int { scale == .tiny ? min(total, 6) : total }
    static func trials(_ scale: ExperimentScale) -> Int { scale == .tiny ? 300 : (scale == .quick ? 2_000 : 20_000) }

    /// The registry of the table: the toolkit's verifiers plus Khisti et al.'s truncated importance-sampling scheme.
    static func registry() throws -> VerifierRegistry {
        try VerifierRegistry.standard.registering(
            .init(
                name: "importance-s8", laws: [.iid],
                summary: "Khisti et al. two-step scheme, truncated weight LP (s = 8)",
                make: { try ImportanceVerifier(target: $0, law: $1, truncate: 8, scheme: .lp) }))
    }

    public static func rows(for item: Item, context: ExperimentContext, rng: inout Xoshiro256) throws -> [[CSVValue]] {
        guard FileManager.default.fileExists(atPath: folder + "/logits.safetensors") else {
            throw DatasetError.usage(
                "\(folder)/logits.safetensors not found: run from the package root (or regenerate it with Experiments/export/make_sample.py)"
            )
        }
        let dense = (
            target: try ModelRows(spec: folder + "/logits.safetensors:target"),
            draft: try ModelRows(spec: folder + "/logits.safetensors:draft")
        )
        let watch = Stopwatch()
        var format = "dense_f16_logits", temperature = 1.0, topP = 1.0
        let job: BatchJob
        switch item {
        case .table:
            job = try BatchJob(
                target: dense.target, drafts: [dense.draft], targetProcessing: try RowProcessing(logits: true),
                draftProcessing: try RowProcessing(logits: true),
                plan: BatchPlan(
                    laws: [.iid], drafts: [2, 4, 8],
                    verifiers: ["optimal", "importance-s8", "kseq", "rrs"],
                    trials: trials(context.scale), seed: context.seed, registry: try registry()))
        case .temperature(let t):
            temperature = t
            job = try BatchJob(
                target: dense.target, drafts: [dense.draft],
                targetProcessing: try RowProcessing(logits: true, temperature: t),
                draftProcessing: try RowProcessing(logits: true, temperature: t),
                plan: BatchPlan(laws: [.iid, .withoutReplacement], drafts: [4], verifiers: []))
        case .topP(let p):
            topP = p
            job = try BatchJob(
                target: dense.target, drafts: [dense.draft], targetProcessing: try RowProcessing(logits: true),
                draftProcessing: try RowProcessing(logits: true, topP: p),
                plan: BatchPlan(laws: [.iid], drafts: [4], verifiers: []))
        case .sparse:
            format = "sparse_top64_f32"
            job = try BatchJob(
                target: try ModelRows(spec: folder + "/target_top64.safetensors"),
                drafts: [try ModelRows(spec: folder + "/draft_top64.safetensors")],
                targetProcessing: try RowProcessing(), draftProcessing: try RowProcessing(),
                plan: BatchPlan(laws: [.iid], drafts: [2, 4, 8], verifiers: []))
        }
        let count = positions(context.scale, total: job.positions)
        let results: [Result<[BatchRow], Error>] = parallelMap(count: count, threads: context.threads) { i in
            Result { try job.rows(position: i).rows }
        }
        var summary = BatchSummary()
        for r in results { for row in try r.get() { summary.add(row) } }
        let itemKind: String
        switch item {
        case .table: itemKind = "table3"
        case .temperature: itemKind = "temperature"
        case .topP: itemKind = "top_p"
        case .sparse: itemKind = "sparse"
        }
        let trialsColumn: CSVValue = {
            if case .table = item { return .integer(trials(context.scale)) } else { return .empty }
        }()
        return summary.rows.map { cells in
            [.text(itemKind), .text(format), .real(temperature), .real(topP)] + cells.prefix(3)
                + cells[3...] + [trialsColumn, .real(watch.elapsedMilliseconds)]
        }
    }
}
