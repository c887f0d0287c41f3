import Foundation
import Multidraft

/// (d) SpecDec++ threshold policy vs best fixed length vs the lagged rule as coded vs a hindsight oracle, across
/// acceptance laws and cost ratios, exact (IAP model) and simulated. One item: the whole table of
/// `candidateLengthExperiment(quick:seed:threads:)` from the CandidateLength module.
public enum CandidateLengthSweep: Experiment {
    public static let name = "candidate_length"
    public static let header = ["model", "cost_ratio", "max_length", "policy", "parameter", "parameter_value", "metric",
                                "source", "value", "std_error", "rounds"]

    public static let parallelItems = false

    public struct Item: Sendable { let quick: Bool }

    public static func items(scale: ExperimentScale) -> [Item] { [Item(quick: scale != .full)] }

    public static func rows(for item: Item, context: ExperimentContext, rng: inout Xoshiro256) throws -> [[CSVValue]] {
        let table = candidateLengthExperiment(quick: item.quick, seed: context.seed, threads: context.threads)
        guard table.header == header + ["seed"] else {
            throw ExperimentError.itemFailed(experiment: name, detail: "unexpected header \(table.header)")
        }
        return table.lines.map { line in
            line.split(separator: ",", omittingEmptySubsequences: false).dropLast().map { .text(String($0)) }
        }
    }
}
