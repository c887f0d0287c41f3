import Foundation
import Multidraft
import MultidraftIO
import MultidraftSupport

/// (i) The optimal verifier at LLM vocabulary sizes (<doc:Theory#Optimal-verifier>): for i.i.d. drafts (and
/// for draws without replacement where ``realisesWithoutReplacement(_:item:)``), alpha*, the optimal verifier's exact
/// (coin) and simulated acceptance, its certified gap, its setup time against the dual scan's time for the same law
/// measured in the same run, its blocks and fit iterations, and trials per second; next to K-SEQ, RRS (with and
/// without replacement, each on its own law with that law's alpha*) and SpecHub (n = 2).
///
/// One row per (vocab, temperature, drafts, law, verifier, pair). Timing columns: `setup_ms`, `dual_ms`,
/// `setup_over_dual`, `trials_per_second`, `elapsed_ms`. `pair` is "synthetic" for the SyntheticLLM pairs and
/// "smollm2-135m/layerskip@POSITION" for the **real** pair of the shipped export (target SmolLM2-135M-Instruct and its
/// `layerskip` draft at T = 1, V = 49,152, dense positions spread over the 32).
public enum OptimalVerifierExperiment: Experiment {
    public static let name = "optimal_verifier"
    public static let header = [
        "vocab", "temperature", "drafts", "law", "verifier", "bound", "exact_acceptance",
        "acceptance", "std_error", "z_score", "chi2_pvalue", "trials", "certified_gap",
        "blocks", "multi_token_blocks", "largest_block", "fit_iterations", "setup_ms", "dual_ms",
        "setup_over_dual", "trials_per_second", "elapsed_ms", "pair"
    ]
    public static let parallelItems = false

    public struct Item: Sendable {
        let vocab: Int, temperature: Double, drafts: Int
        /// A dense position of the real pair (nil: the synthetic pair).
        var position: Int? = nil
    }

    public static func items(scale: ExperimentScale) -> [Item] {
        let (vocabs, temps, ns): ([Int], [Double], [Int])
        switch scale {
        case .tiny: (vocabs, temps, ns) = ([2_000], [1.0], [1, 2, 4])
        case .quick: (vocabs, temps, ns) = ([32_000, 152_064], [0.3, 1.0, 1.5], [1, 2, 4, 8, 16])
        case .full:
            (vocabs, temps, ns) = ([32_000, 152_064], [0.3, 0.5, 0.7, 1.0, 1.2, 1.5], [1, 2, 3, 4, 6, 8, 12, 16])
        }
        let synthetic = vocabs.flatMap { v in
            temps.flatMap { t in ns.map { Item(vocab: v, temperature: t, drafts: $0) } }
        }
        let (positions, realNs): ([Int], [Int]) =
            switch scale {
            case .tiny: ([], []) // the real path is exercised by acceptance and heterogeneous_drafts at this scale
            case .quick: ([0, 16], [2, 4, 8])
            case .full: ([0, 8, 16, 24], [2, 4, 8, 16])
            }
        return synthetic
            + positions.flatMap { i in realNs.map { Item(vocab: 49_152, temperature: 1, drafts: $0, position: i) } }
    }

    /// Monte-Carlo trials: the optimal verifier gets 10⁷ at n = 2, 4, 8 from the quick scale on (the check),
    /// the others fewer; `rrs-without-replacement` fewest, because its verification re-sums the remaining draft mass
    /// in O(V) whenever the drafts hold more than half of q (most trials at low temperature: ~10⁴ trials/s at
    /// V = 32,000, T = 0.3).
    static func trials(_ scale: ExperimentScale, verifier: String, drafts: Int) -> Int {
        if verifier == "rrs-without-replacement" {
            switch scale {
            case .tiny: return 5_000;
            case .quick: return 10_000;
            case .full: return 100_000
            }
        }
        switch scale {
        case .tiny: return 20_000
        case .quick: return verifier == "optimal" && [2, 4, 8].contains(drafts) ? 10_000_000 : 1_000_000
        case .full: return 10_000_000
        }
    }

    /// Where the optimal verifier for draws without replacement is built (its setup, the race quadrature, takes
    /// seconds at these sizes: 1–7 s at V = 32,000 and 3–73 s at V = 152,064 for n ≤ 8 on 2 cores): tiny synthetic
    /// items with n ≤ 2 (n = 4 takes 45 s in the debug build CI runs), V = 32,000 and the real pair with n = 2, 4, 8
    /// at the quick scale, n ≤ 8 at the full scale.
    static func realisesWithoutReplacement(_ scale: ExperimentScale, item: Item) -> Bool {
        switch scale {
        case .tiny: return item.position == nil && item.drafts <= 2
        case .quick: return (item.vocab <= 32_000 || item.position != nil) && [2, 4, 8].contains(item.drafts)
        case .full: return item.drafts <= 8
        }
    }

    public static func rows(for item: Item, context: ExperimentContext, rng: inout Xoshiro256) throws -> [[CSVValue]] {
        let (p, q, pair) = try RealPair.targetAndLayerskip(
            position: item.position, vocabularySize: item.vocab,
            temperature: item.temperature, seed: context.seed)
        let n = item.drafts
        let iid = try DraftLaw.iid(q, drafts: n)
        // Median of 7 each, the dual scan and the setup timed alternately (the machine's load moves both alike).
        let repeats = context.scale == .tiny ? 1 : 7
        let (dual, setup) = try Stopwatch.interleavedMedians(repeats: repeats) {
            try optimalAcceptance(target: p, law: iid, method: .dual)
        } _: {
            try OptimalSelectionVerifier(target: p, law: iid, threads: context.threads)
        }
        let optimal = setup.value
        let selection = optimal.selection
        var rows: [[CSVValue]] = []
        /// `optimal`: the realised selection and the dual scan's time for its law (the optimal-verifier columns).
        func simulate(
            _ verifier: any Verifier, bound: Double, setupMs: Double?,
            optimal: (selection: RealisedOptimalSelection, dualMs: Double)? = nil
        ) {
            let trials = trials(context.scale, verifier: verifier.name, drafts: n)
            let run = MonteCarlo.run(anyVerifier: verifier, trials: trials, seed: rng.next(), threads: context.threads)
            let z =
                run.standardError > 0 ? (run.acceptance - (verifier.exactAcceptance ?? bound)) / run.standardError : 0
            let selection = optimal?.selection
            let multi = selection?.optimal.blocks.filter { $0.range.count > 1 } ?? []
            rows.append([
                .integer(item.vocab), .real(item.temperature), .integer(n), .text(verifier.law.name),
                .text(verifier.name),
                .real(bound), verifier.exactAcceptance.map { .real($0) } ?? .empty, .real(run.acceptance),
                .real(run.standardError), .real(z), .real(run.chiSquare.pValue), .integer(trials),
                selection.map { .real($0.certifiedGap) } ?? .empty,
                selection.map { .integer($0.optimal.blocks.count) } ?? .empty,
                selection != nil ? .integer(multi.count) : .empty,
                selection != nil ? .integer(multi.map(\.range.count).max() ?? 1) : .empty,
                selection.map { .integer($0.iterations) } ?? .empty,
                setupMs.map { .real($0) } ?? .empty,
                optimal.map { .real($0.dualMs) } ?? .empty,
                optimal.map { .real((setupMs ?? 0) / max($0.dualMs, 1e-9)) } ?? .empty,
                .real(run.trialsPerSecond), .real(run.elapsedMilliseconds), .text(pair)
            ])
        }
        simulate(
            optimal, bound: dual.value.alpha, setupMs: setup.milliseconds,
            optimal: (selection, dual.milliseconds))
        for name in ["kseq", "rrs"] where n > 1 {
            let watch = Stopwatch()
            let verifier = try makeVerifier(name: name, target: p, law: iid)
            simulate(verifier, bound: dual.value.alpha, setupMs: watch.elapsedMilliseconds)
        }
        if n > 1 && n <= q.supportSize {
            let wor = try DraftLaw.withoutReplacement(q, drafts: n)
            let worDual = try Stopwatch.median(repeats: 1) {
                try optimalAcceptance(target: p, law: wor, method: .dual, threads: context.threads)
            }
            let bound = worDual.value.alpha
            if Self.realisesWithoutReplacement(context.scale, item: item) {
                let worSetup = try Stopwatch.median(repeats: 1) {
                    try OptimalSelectionVerifier(target: p, law: wor, threads: context.threads)
                }
                simulate(
                    worSetup.value, bound: bound, setupMs: worSetup.milliseconds,
                    optimal: (worSetup.value.selection, worDual.milliseconds))
            }
            let watch = Stopwatch()
            let verifier = try makeVerifier(name: "rrs-without-replacement", target: p, law: wor)
            simulate(verifier, bound: bound, setupMs: watch.elapsedMilliseconds)
        }
        if n == 2 {
            let hub = try DraftLaw.specHub(q)
            let bound = try optimalAcceptance(target: p, law: hub, method: .dual).alpha
            let watch = Stopwatch()
            let verifier = try makeVerifier(name: "spechub", target: p, law: hub)
            simulate(verifier, bound: bound, setupMs: watch.elapsedMilliseconds)
        }
        return rows
    }
}
