import Foundation
import Multidraft

/// (d, continued) When is a single SpecDec++ threshold not optimal? Two-state Markov difficulty (an easy and a hard
/// state with their own acceptance laws), transition stickiness from 0.5 (i.i.d.) to 0.95, the drafter observing
/// the state or only the acceptance probabilities (hidden state). Exact optimum λ*, the best single threshold
/// (observed: on a grid; hidden: exact over all threshold classes), per-state thresholds (observed), best fixed length.
public enum MarkovThresholdExperiment: Experiment {
    public static let name = "markov_thresholds"
    public static let header = ["variant", "stickiness", "max_length", "cost_ratio", "optimal_time_per_token",
                                "best_single_threshold", "best_single_time_per_token", "single_threshold_loss",
                                "best_state_time_per_token", "best_fixed_time_per_token"]

    public struct Item: Sendable { let variant: String, stickiness: Double, maxLength: Int, cost: Double }

    public static func items(scale: ExperimentScale) -> [Item] {
        let sticky: [Double] = scale == .tiny ? [0.5, 0.9] : [0.5, 0.7, 0.85, 0.95]
        let lengths: [Int] = scale == .tiny ? [4] : (scale == .quick ? [6, 8] : [6, 8, 10])
        let costs: [Double] = scale == .full ? [0.05, 0.15, 0.25] : [0.15]
        var items: [Item] = []
        for variant in ["observed", "hidden"] { for s in sticky { for k in lengths { for c in costs {
            items.append(Item(variant: variant, stickiness: s, maxLength: k, cost: c))
        } } } }
        return items
    }

    public static func rows(for item: Item, context: ExperimentContext, rng: inout Xoshiro256) throws -> [[CSVValue]] {
        let laws = [try AcceptanceLaw(values: [0.95, 0.6], weights: [0.9, 0.1]),
                    try AcceptanceLaw(values: [0.3, 0.6], weights: [0.7, 0.3])]
        let s = item.stickiness
        let transition = [[s, 1 - s], [1 - s, s]]
        let cost = try CostModel(draftTime: item.cost)
        if item.variant == "observed" {
            let model = try MarkovDifficultyModel(laws: laws, transition: transition, initial: [0.5, 0.5], cost: cost,
                                                  maxLength: item.maxLength)
            let report = try model.thresholdReport(grid: (0...200).map { Double($0) / 200 })
            return [[.text(item.variant), .real(s), .integer(item.maxLength), .real(item.cost), .real(report.optimalTimePerToken),
                     .real(report.bestSingleThreshold), .real(report.bestSingleTimePerToken), .real(report.singleThresholdLoss),
                     .real(report.bestStateTimePerToken), .empty]]
        }
        let model = try HiddenMarkovDifficultyModel(laws: laws, transition: transition, initial: [0.5, 0.5], cost: cost,
                                                    maxLength: item.maxLength)
        let report = try model.thresholdReport()
        return [[.text(item.variant), .real(s), .integer(item.maxLength), .real(item.cost), .real(report.optimalTimePerToken),
                 .real(report.bestSingleThreshold), .real(report.bestSingleTimePerToken), .real(report.singleThresholdLoss),
                 .empty, .real(model.bestFixedLength().statistics.timePerToken)]]
    }
}
