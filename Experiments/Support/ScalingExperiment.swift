import Foundation
import Multidraft
import MultidraftIO
import MultidraftSupport

/// (e) Scaling of the optimal-acceptance computations with V and n: the dual routes (prefix scan, exponential
/// race, closed form) up to V = 152,064, and the GLPK LP at small V next to the dual value it must equal.
public enum ScalingExperiment: Experiment {
    public static let name = "scaling"
    public static let header = [
        "vocab", "drafts", "temperature", "law", "method", "alpha", "certificate_value",
        "lp_variables", "repeats", "elapsed_ms"
    ]
    public static let parallelItems = false

    public struct Item: Sendable {
        let vocab: Int, drafts: Int, temperature: Double, law: String, method: BoundMethod
    }

    public static func items(scale: ExperimentScale) -> [Item] {
        let dualV: [Int], dualN: [Int], temps: [Double], lpV: [Int], lpN: [Int]
        switch scale {
        case .tiny: (dualV, dualN, temps, lpV, lpN) = ([1_000], [1, 2], [1.0], [6], [2])
        case .quick:
            (dualV, dualN, temps, lpV, lpN) = (
                [1_000, 8_000, 32_000, 152_064], [1, 2, 4, 8, 16], [0.3, 1.0, 1.5], [8, 12, 16], [1, 2, 3]
            )
        case .full:
            (dualV, dualN, temps, lpV, lpN) = (
                [1_000, 4_000, 16_000, 32_000, 64_000, 128_000, 152_064],
                [1, 2, 3, 4, 6, 8, 12, 16], [0.3, 0.6, 1.0, 1.5], [8, 12, 16, 20, 24, 32], [1, 2, 3, 4]
            )
        }
        var items: [Item] = []
        for v in dualV {
            for t in temps {
                for n in dualN {
                    for law in ["iid", "without-replacement", "greedy"] {
                        items.append(Item(vocab: v, drafts: n, temperature: t, law: law, method: .dual))
                    }
                }
            }
        }
        for v in lpV {
            for n in lpN {
                for law in ["iid", "without-replacement", "greedy"] {
                    items.append(Item(vocab: v, drafts: n, temperature: 1, law: law, method: .lp))
                    items.append(Item(vocab: v, drafts: n, temperature: 1, law: law, method: .dual))
                }
            }
        }
        return items
    }

    public static func rows(for item: Item, context: ExperimentContext, rng: inout Xoshiro256) throws -> [[CSVValue]] {
        let (p, q) = try SyntheticLLM.pair(
            vocabularySize: item.vocab, temperature: item.temperature, seed: context.seed)
        let law = try DraftLaw.named(item.law, drafts: [q], count: item.drafts)
        let repeats = item.method == .lp ? 1 : (item.vocab >= 32_000 ? 5 : 9)
        let timed = try Stopwatch.median(repeats: repeats) {
            try optimalAcceptance(target: p, law: law, method: item.method, threads: context.threads)
        }
        let variables =
            item.method == .lp ? CSVValue.integer(Int(OptimalTransportLP.estimatedSize(of: law).variables)) : .empty
        return [
            [
                .integer(item.vocab), .integer(item.drafts), .real(item.temperature), .text(item.law),
                .text(item.method.rawValue), .real(timed.value.alpha), .real(timed.value.certificateValue),
                variables, .integer(repeats), .real(timed.milliseconds)
            ]
        ]
    }
}
