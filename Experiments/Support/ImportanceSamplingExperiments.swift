import Foundation
import Multidraft

/// (b) The three-token sweeps in the style of Khisti et al.'s Figure 2 (both readings of the letters): optimal,
/// importance-sampling (weight LP), K-SEQ, RRS and single-draft acceptance. One item: the whole sweep of
/// `importanceSamplingSweeps()` from the ImportanceSampling module.
public enum ImportanceSweepExperiment: Experiment {
    public static let name = "importance_sweeps"
    public static let header = ["experiment", "reading", "panel", "point", "x", "target", "draft", "drafts", "method", "alpha"]
    public struct Item: Sendable {}
    public static func items(scale: ExperimentScale) -> [Item] { [Item()] }

    public static func rows(for item: Item, context: ExperimentContext, rng: inout Xoshiro256) throws -> [[CSVValue]] {
        let table = importanceSamplingSweeps()
        guard table.header == header, table.rowCount > 0 else {
            throw ExperimentError.itemFailed(experiment: name, detail: "the sweep produced no rows (LP failure)")
        }
        return table.lines.map { $0.split(separator: ",", omittingEmptySubsequences: false).map { .text(String($0)) } }
    }
}

/// (b) K = 2, 4, 8 drafts on LLM-style synthetic distributions: optimum vs importance-sampling tournament (coin lower
/// bound; exact membership at K = 2) vs K-SEQ vs RRS vs single draft. One item per vocabulary size.
public enum ImportanceTableExperiment: Experiment {
    public static let name = "importance_table"
    public static let header = ["experiment", "quick", "instance", "vocab", "temperature", "drafts", "method", "truncate",
                                "alpha", "elapsed_ms"]
    public struct Item: Sendable { let vocab: Int, instances: Int }

    public static func items(scale: ExperimentScale) -> [Item] {
        switch scale {
        case .tiny: return [Item(vocab: 12, instances: 1)]
        case .quick: return [Item(vocab: 50, instances: 2), Item(vocab: 200, instances: 2)]
        case .full: return [Item(vocab: 50, instances: 10), Item(vocab: 200, instances: 10)]
        }
    }

    public static func rows(for item: Item, context: ExperimentContext, rng: inout Xoshiro256) throws -> [[CSVValue]] {
        let table = importanceSamplingTable(seed: context.seed, quick: context.scale != .full, vocabularies: [item.vocab],
                                            instances: item.instances)
        guard let seedColumn = table.header.firstIndex(of: "seed"),
              table.header.filter({ $0 != "seed" }) == header else {
            throw ExperimentError.itemFailed(experiment: name, detail: "unexpected header \(table.header)")
        }
        return table.lines.map { line in
            line.split(separator: ",", omittingEmptySubsequences: false).enumerated()
                .filter { $0.offset != seedColumn }.map { .text(String($0.element)) }
        }
    }
}
