import Foundation
import Multidraft
import MultidraftIO

/// (a) Optimal acceptance against the number of drafts and the temperature, for iid, without-replacement, greedy
/// (and, at n = 2, SpecHub) draft laws on LLM-style synthetic distributions, with every verifier that supports the
/// law: its exact acceptance where a closed form exists, its Monte-Carlo acceptance (with standard error and a
/// chi-square p-value of the output law against p), next to alpha* of its law. Beside them (`pair` column), the same
/// on the **real** pair of the shipped export (target SmolLM2-135M-Instruct and its `layerskip` draft at T = 1,
/// V = 49,152) at dense positions spread over the 32, for i.i.d. and without-replacement drafts (`pair` =
/// "smollm2-135m/layerskip@POSITION"; SIR is not run there: it takes minutes to build at this V).
public enum AcceptanceExperiment: Experiment {
    public static let name = "acceptance"
    public static let header = [
        "vocab", "temperature", "drafts", "law", "verifier", "bound", "exact_acceptance",
        "acceptance", "std_error", "coin_acceptance", "chi2_pvalue", "trials", "elapsed_ms", "pair"
    ]

    public struct Item: Sendable {
        let vocab: Int, temperature: Double, drafts: Int, law: String
        /// A dense position of the real pair (nil: the synthetic pair).
        var position: Int? = nil
    }

    public static func items(scale: ExperimentScale) -> [Item] {
        let (vocabs, temps, ns): ([Int], [Double], [Int])
        switch scale {
        case .tiny: (vocabs, temps, ns) = ([50], [1.0], [1, 2])
        case .quick: (vocabs, temps, ns) = ([1_000], [0.3, 0.7, 1.0, 1.5], [1, 2, 3, 4, 8])
        case .full: (vocabs, temps, ns) = ([1_000, 8_000], [0.3, 0.5, 0.7, 0.9, 1.0, 1.2, 1.5], [1, 2, 3, 4, 6, 8, 12])
        }
        var items: [Item] = []
        for v in vocabs {
            for t in temps {
                for n in ns {
                    for law in ["iid", "without-replacement", "greedy"] {
                        items.append(Item(vocab: v, temperature: t, drafts: n, law: law))
                    }
                    if n == 2 { items.append(Item(vocab: v, temperature: t, drafts: n, law: "spechub")) }
                }
            }
        }
        let (positions, realNs, realLaws): ([Int], [Int], [String]) =
            switch scale {
            case .tiny: ([0], [1, 2], ["iid"])
            case .quick: ([0, 16], [1, 2, 4, 8], ["iid", "without-replacement"])
            case .full: ([0, 8, 16, 24], [1, 2, 4, 8], ["iid", "without-replacement"])
            }
        for i in positions {
            for n in realNs {
                for law in realLaws {
                    items.append(Item(vocab: 49_152, temperature: 1, drafts: n, law: law, position: i))
                }
            }
        }
        return items
    }

    static func trials(_ scale: ExperimentScale) -> Int {
        switch scale {
        case .tiny: return 4_000;
        case .quick: return 100_000;
        case .full: return 1_000_000
        }
    }

    public static func rows(for item: Item, context: ExperimentContext, rng: inout Xoshiro256) throws -> [[CSVValue]] {
        let (p, q, pair) = try RealPair.targetAndLayerskip(
            position: item.position, vocabularySize: item.vocab,
            temperature: item.temperature, seed: context.seed)
        let law = try DraftLaw.named(item.law, drafts: [q], count: item.drafts)
        let bound = try optimalAcceptance(target: p, law: law, method: .auto).alpha
        var rows: [[CSVValue]] = []
        for entry in context.registry.entries where entry.supports(law) {
            // The optimal verifier is the realised optimal selection law for iid and without-replacement drafts (any
            // V); for the other laws it is the LP transport plan, left out beyond 20,000 LP variables.
            if item.position != nil && entry.name == "sir" { continue }
            if entry.name == "optimal" && !["iid", "without-replacement"].contains(item.law)
                && OptimalTransportLP.estimatedSize(of: law).variables > 20_000
            {
                continue
            }
            // Verifiers that refuse this size (the importance verifier's LP scheme beyond V ≈ 140) are left out.
            guard let verifier = try? context.registry.makeVerifier(name: entry.name, target: p, law: law) else {
                continue
            }
            let n = trials(context.scale)
            let result = MonteCarlo.run(
                anyVerifier: verifier, trials: n, seed: rng.next(),
                threads: context.threads)
            rows.append([
                .integer(item.vocab), .real(item.temperature), .integer(item.drafts), .text(item.law),
                .text(entry.name), .real(bound), verifier.exactAcceptance.map { .real($0) } ?? .empty,
                .real(result.acceptance), .real(result.standardError), .real(result.coinAcceptance),
                .real(result.chiSquare.pValue), .integer(n), .real(result.elapsedMilliseconds), .text(pair)
            ])
        }
        return rows
    }
}
