import Foundation
import Multidraft
import MultidraftIO

/// (d, continued) When is a single SpecDec++ threshold not optimal? Two-state Markov difficulty (an easy and a hard
/// state with their own acceptance laws), transition stickiness from 0.5 (i.i.d.) to 0.95, the drafter observing
/// the state or only the acceptance probabilities (hidden state). Exact optimum λ*, the best single threshold
/// (observed: on a grid; hidden: exact over all threshold classes), per-state thresholds (observed), best fixed length.
///
/// Variants `observed-real` / `hidden-real`: a two-state model **fitted to the real pair's draft chains**
/// (``realModel()``: SmolLM2-135M-Instruct and its `layerskip` draft, the exact acceptance probabilities
/// a = min(1, p(x)/q(x)) of the 4 tokens of each of the 96 exported chains): a token is easy when a is at least the
/// median, each state's law is its tokens' values merged into 2 bins at their means, the transition matrix is the
/// frequency of consecutive (state, next state) pairs along the chains and the initial law that of the first tokens;
/// `stickiness` is then the fitted mean probability of staying.
public enum MarkovThresholdExperiment: Experiment {
    public static let name = "markov_thresholds"
    public static let header = [
        "variant", "stickiness", "max_length", "cost_ratio", "optimal_time_per_token",
        "best_single_threshold", "best_single_time_per_token", "single_threshold_loss",
        "best_state_time_per_token", "best_fixed_time_per_token"
    ]

    public struct Item: Sendable { let variant: String, stickiness: Double, maxLength: Int, cost: Double }

    public static func items(scale: ExperimentScale) -> [Item] {
        let sticky: [Double] = scale == .tiny ? [0.5, 0.9] : [0.5, 0.7, 0.85, 0.95]
        let lengths: [Int] = scale == .tiny ? [4] : (scale == .quick ? [6, 8] : [6, 8, 10])
        let costs: [Double] = scale == .full ? [0.05, 0.15, 0.25] : [0.15]
        var items: [Item] = []
        for variant in ["observed", "hidden"] {
            for s in sticky {
                for k in lengths {
                    for c in costs {
                        items.append(Item(variant: variant, stickiness: s, maxLength: k, cost: c))
                    }
                }
            }
        }
        for variant in ["observed-real", "hidden-real"] {
            for k in lengths {
                for c in costs {
                    items.append(Item(variant: variant, stickiness: .nan, maxLength: k, cost: c))
                }
            }
        }
        return items
    }

    /// The two-state model fitted to the real chains (see the type's documentation): laws, transition, initial law.
    static func realModel() throws -> (laws: [AcceptanceLaw], transition: [[Double]], initial: [Double]) {
        let chains = try RealPair.chainAcceptance(draft: "layerskip")
        let sorted = chains.flatMap { $0 }.sorted()
        let median = sorted[sorted.count / 2]
        func state(_ a: Double) -> Int { a >= median ? 0 : 1 }
        var counts = [[0.0, 0.0], [0.0, 0.0]], initial = [0.0, 0.0]
        var values: [[Double]] = [[], []]
        for chain in chains {
            initial[state(chain[0])] += 1
            for (l, a) in chain.enumerated() {
                values[state(a)].append(a)
                if l + 1 < chain.count { counts[state(a)][state(chain[l + 1])] += 1 }
            }
        }
        let laws = try values.map { try AcceptanceLaw(values: $0, weights: $0.map { _ in 1 }).binned(2) }
        let transition = counts.map { row in row.map { $0 / max(1, row.reduce(0, +)) } }
        let total = initial.reduce(0, +)
        return (laws, transition, initial.map { $0 / total })
    }

    public static func rows(for item: Item, context: ExperimentContext, rng: inout Xoshiro256) throws -> [[CSVValue]] {
        var laws = [
            try AcceptanceLaw(values: [0.95, 0.6], weights: [0.9, 0.1]),
            try AcceptanceLaw(values: [0.3, 0.6], weights: [0.7, 0.3])
        ]
        var s = item.stickiness
        var transition = [[s, 1 - s], [1 - s, s]]
        var initial = [0.5, 0.5]
        if item.variant.hasSuffix("-real") {
            let real = try realModel()
            (laws, transition, initial) = (real.laws, real.transition, real.initial)
            s = (transition[0][0] + transition[1][1]) / 2
        }
        let cost = try CostModel(draftTime: item.cost)
        if item.variant.hasPrefix("observed") {
            let model = try MarkovDifficultyModel(
                laws: laws, transition: transition, initial: initial, cost: cost,
                maxLength: item.maxLength)
            let report = try model.thresholdReport(grid: (0...200).map { Double($0) / 200 })
            return [
                [
                    .text(item.variant), .real(s), .integer(item.maxLength), .real(item.cost),
                    .real(report.optimalTimePerToken),
                    .real(report.bestSingleThreshold), .real(report.bestSingleTimePerToken),
                    .real(report.singleThresholdLoss),
                    .real(report.bestStateTimePerToken), .empty
                ]
            ]
        }
        let model = try HiddenMarkovDifficultyModel(
            laws: laws, transition: transition, initial: initial, cost: cost,
            maxLength: item.maxLength)
        let report = try model.thresholdReport()
        return [
            [
                .text(item.variant), .real(s), .integer(item.maxLength), .real(item.cost),
                .real(report.optimalTimePerToken),
                .real(report.bestSingleThreshold), .real(report.bestSingleTimePerToken),
                .real(report.singleThresholdLoss),
                .empty, .real(model.bestFixedLength().statistics.timePerToken)
            ]
        ]
    }
}
