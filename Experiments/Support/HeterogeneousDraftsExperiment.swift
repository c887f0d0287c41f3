import Foundation
import Multidraft
import MultidraftIO
import MultidraftSupport

/// (j) Independent non-identical drafts (<doc:Theory#Optimal-verifier>; issue "alpha* for every draft
/// law"). Two kinds of rows in one tidy table:
///
/// - `kind = acceptance`: Khisti et al.'s setting — one draft family (target logits + noise) sampled at temperatures
///   (1.2, T₂), T₂ ∈ {1.2, 1.6, 2.0, 2.4}, against the target at 1.0, n = 2, on an LLM-style pair. Quantities:
///   `alpha_star` of the independent law by submodular minimisation (`lower`, `upper`, `gap`, `iterations`), the
///   identical-draft alpha* at each temperature (`alpha_star_iid_t1`, `alpha_star_iid_t2`, dual scan), and the
///   acceptance of every registered verifier that runs on independent drafts (exact where it has a formula,
///   Monte Carlo with `std_error` otherwise; `optimal` is the certified priority mixture, its `value` = `lower`).
/// - `kind = real`: the same quantities on the **real** heterogeneous pair of the shipped export (target
///   SmolLM2-135M-Instruct, one draft from `layerskip` and one from `rtn3`, all at T = 1, V = 49,152) at dense positions
///   spread over the 32 (`instance` = "smollm2-135m:layerskip+rtn3@POSITION"); `alpha_star_iid_t1`/`_t2` are then the
///   identical-draft alpha* of each model. SIR is not run there (its construction for two different drafts takes
///   minutes at this V).
/// - `kind = timing` (and `timing_dirichlet`, the same routes on Dirichlet(0.5) target and drafts): the solve time of each exact route (`lp` = GLPK interior point + exact repair, `lp_simplex` =
///   GLPK simplex, `flow` = Dinic, `sfm`) on independent drafts (n = 2) and i.i.d. drafts (n = 3) against V, with the value each returned. The instances are written to
///   `<output-dir>/instances/` as .npy so that `Experiments/reference/highs_lp.py` times scipy's HiGHS on the same
///   LPs in the same suite run (table `highs_lp.csv`).
public enum HeterogeneousDraftsExperiment: Experiment {
    public static let name = "heterogeneous_drafts"
    public static let header = [
        "kind", "vocab", "law", "drafts", "temperature_1", "temperature_2", "quantity",
        "value", "lower", "upper", "gap", "iterations", "std_error", "trials", "instance",
        "elapsed_ms"
    ]
    public static let parallelItems = false

    public enum Item: Sendable {
        case acceptance(vocab: Int, second: Double)
        /// `dirichlet`: the draft and target laws are Dirichlet(0.5) draws (`kind = timing_dirichlet`), the family
        /// on which GLPK and the flow compare worst with HiGHS; else the LLM-style family (`kind = timing`).
        case timing(vocab: Int, law: String, drafts: Int, methods: [String], dirichlet: Bool = false)
        /// The real heterogeneous pair at dense position `position` of the shipped export (`kind = real`).
        case real(position: Int)
    }

    /// Dense positions of the real pair (spread over the export's 32 rows).
    static func realPositions(_ scale: ExperimentScale) -> [Int] {
        // none at the tiny scale (CI runs it several times; the optimal verifier's setup at V = 49,152 takes seconds
        // in a debug build): acceptance and importance_table exercise the real path there
        scale == .tiny ? [] : (scale == .quick ? [0, 8, 16, 24] : Array(0..<32))
    }

    public static func items(scale: ExperimentScale) -> [Item] {
        let pairs: [Double] = [1.2, 1.6, 2.0, 2.4]
        let real: [Item] = realPositions(scale).map { .real(position: $0) }
        switch scale {
        case .tiny:
            return pairs.prefix(2).map { .acceptance(vocab: 500, second: $0) } + [
                .timing(vocab: 50, law: "independent", drafts: 2, methods: ["lp", "lp_simplex", "flow", "sfm"]),
                .timing(vocab: 20, law: "iid", drafts: 3, methods: ["lp", "lp_simplex", "flow", "sfm"]),
                .timing(vocab: 40, law: "independent", drafts: 2, methods: ["lp", "flow", "sfm"], dirichlet: true)
            ] + real
        case .quick, .full:
            let vocab = 32_000
            var items: [Item] = pairs.map { .acceptance(vocab: vocab, second: $0) }
            // GLPK's simplex (`lp_simplex`) only where it takes seconds; the interior-point route (`lp`) everywhere.
            let simplexLimit = scale == .quick ? 100 : 200
            for v in [100, 200, 300] {
                items.append(
                    .timing(
                        vocab: v, law: "independent", drafts: 2,
                        methods: ["lp"] + (v <= simplexLimit ? ["lp_simplex"] : []) + ["flow", "sfm"]))
            }
            for v in [30, 40] {
                items.append(
                    .timing(
                        vocab: v, law: "iid", drafts: 3,
                        methods: ["lp"] + (v <= 30 || scale == .full ? ["lp_simplex"] : []) + ["flow", "sfm"]))
            }
            for v in [100, 200, 300] {
                items.append(
                    .timing(vocab: v, law: "independent", drafts: 2, methods: ["lp", "flow", "sfm"], dirichlet: true))
            }
            for v in [1_000, 2_000] {
                items.append(.timing(vocab: v, law: "independent", drafts: 2, methods: ["flow", "sfm"]))
            }
            for n in [2, 4, 8] { items.append(.timing(vocab: 32_000, law: "independent", drafts: n, methods: ["sfm"])) }
            if scale == .full { items.append(.timing(vocab: 152_064, law: "independent", drafts: 2, methods: ["sfm"])) }
            return items + real
        }
    }

    /// One draft family at several temperatures: draft logits = target logits + noise (fixed by seed and V).
    static func family(vocab v: Int, temperatures: [Double], seed: UInt64) throws -> (Distribution, [Distribution]) {
        var rng = Xoshiro256(seed: seed, stream: 0x4E7E_0000 &+ UInt64(v))
        let target = Distribution.zipfLogits(v, exponent: 1.1, noise: 1, using: &rng)
        let draft = target.map { $0 + 0.8 * Distribution.gaussian(using: &rng) }
        return (
            try Distribution(logits: target, temperature: 1),
            try temperatures.map { try Distribution(logits: draft, temperature: $0) }
        )
    }

    /// Major iterations of the minimisation: rows report the certified bracket [lower, upper] it reached (identical
    /// or nearly identical drafts need many vertices: the bracket is then wider than 1e-12).
    static let sfmIterations = 400

    public static func rows(for item: Item, context: ExperimentContext, rng: inout Xoshiro256) throws -> [[CSVValue]] {
        switch item {
        case .acceptance(let v, let t2):
            let (p, qs) = try family(vocab: v, temperatures: [1.2, t2], seed: context.seed)
            return try acceptanceRows(
                kind: "acceptance", target: p, drafts: qs, temperatures: (1.2, t2), instance: "",
                context: context, rng: &rng)
        case .real(let i):
            let (p, qs) = try RealPair.dense(position: i, drafts: ["layerskip", "rtn3"])
            return try acceptanceRows(
                kind: "real", target: p, drafts: qs, temperatures: (1, 1),
                instance: "smollm2-135m:layerskip+rtn3@\(i)", context: context, rng: &rng)
        case .timing(let v, let law, let n, let methods, let dirichlet):
            return try timingRows(
                vocab: v, law: law, drafts: n, methods: methods, dirichlet: dirichlet, context: context)
        }
    }

    /// The `acceptance` rows (synthetic family) or `real` rows (the shipped SmolLM2 pair: target, one draft from
    /// `layerskip` and one from `rtn3`, all at T = 1, V = 49,152; `instance` names the position) of one instance.
    static func acceptanceRows(
        kind: String, target p: Distribution, drafts qs: [Distribution],
        temperatures: (Double, Double), instance: String, context: ExperimentContext,
        rng: inout Xoshiro256
    ) throws -> [[CSVValue]] {
        let v = p.vocabularySize
        let law = try DraftLaw.independent(qs)
        var rows: [[CSVValue]] = []
        func row(
            _ quantity: String, _ value: Double, lower: Double? = nil, upper: Double? = nil, iterations: Int? = nil,
            stdError: Double? = nil, trials: Int? = nil, ms: Double
        ) {
            rows.append([
                .text(kind), .integer(v), .text(law.name), .integer(2), .real(temperatures.0), .real(temperatures.1),
                .text(quantity), .real(value), lower.map { .real($0) } ?? .empty, upper.map { .real($0) } ?? .empty,
                (lower != nil && upper != nil) ? .real(upper! - lower!) : .empty,
                iterations.map { .integer($0) } ?? .empty, stdError.map { .real($0) } ?? .empty,
                trials.map { .integer($0) } ?? .empty, .text(instance), .real(ms)
            ])
        }
        let boundWatch = Stopwatch()
        let bound = try SubsetObjective(target: p, law: law).certifiedMinimum(maxIterations: sfmIterations)
        let boundMs = boundWatch.elapsedMilliseconds
        let alphaUpper = subsetBoundValue(target: p, law: law, set: bound.minimizer)
        row(
            "alpha_star", alphaUpper, lower: 1 + bound.lower, upper: alphaUpper, iterations: bound.iterations,
            ms: boundMs)
        let watch = Stopwatch()
        let optimal = try PriorityMixtureVerifier(target: p, law: law, maxIterations: sfmIterations)
        let optimalMs = watch.elapsedMilliseconds
        for (k, q) in qs.enumerated() {
            let w = Stopwatch()
            let a = try optimalAcceptance(target: p, law: try DraftLaw.iid(q, drafts: 2), method: .dual).alpha
            row("alpha_star_iid_t\(k + 1)", a, ms: w.elapsedMilliseconds)
        }
        row("verifier_optimal", optimal.exactAcceptance!, lower: optimal.lower, upper: optimal.upper, ms: optimalMs)
        // SIR is left out of the real rows: building it for two different drafts at V = 49,152 took about 5 minutes
        // (debug build), against seconds for everything else here.
        for name in kind == "real" ? ["rrs", "importance", "naive"] : ["rrs", "importance", "sir", "naive"] {
            let w = Stopwatch()
            // A verifier that refuses this size (e.g. the importance pair LP beyond 20,000 pairs) has no row.
            guard let verifier = try? makeVerifier(name: name, target: p, law: law) else { continue }
            if let exact = verifier.exactAcceptance {
                row("verifier_\(name)", exact, ms: w.elapsedMilliseconds)
            } else {
                let trials = context.scale == .tiny ? 20_000 : 200_000
                let run = MonteCarlo.run(
                    anyVerifier: verifier, trials: trials, seed: rng.next(), threads: context.threads)
                row(
                    "verifier_\(name)", run.acceptance, stdError: run.standardError, trials: trials,
                    ms: w.elapsedMilliseconds)
            }
        }
        return rows
    }

    static func timingRows(
        vocab v: Int, law lawName: String, drafts n: Int, methods: [String], dirichlet: Bool = false,
        context: ExperimentContext
    ) throws -> [[CSVValue]] {
        let temperatures =
            dirichlet ? [] : lawName == "iid" ? [1.2] : Array([1.2, 1.6, 2.0, 2.4, 1.4, 1.8, 2.2, 2.6].prefix(n))
        let p: Distribution, qs: [Distribution]
        if dirichlet {
            // Target and drafts drawn from Dirichlet(0.5) on V tokens, one stream per V.
            var rng = Xoshiro256(seed: context.seed, stream: 0xD1C0 + UInt64(v))
            p = Distribution.dirichlet(v, concentration: 0.5, using: &rng)
            qs = (0..<(lawName == "iid" ? 1 : n)).map { _ in Distribution.dirichlet(v, concentration: 0.5, using: &rng)
            }
        } else {
            (p, qs) = try family(vocab: v, temperatures: temperatures, seed: context.seed)
        }
        let kind = dirichlet ? "timing_dirichlet" : "timing"
        let law = lawName == "iid" ? try DraftLaw.iid(qs[0], drafts: n) : try DraftLaw.independent(qs)
        // The instance for the HiGHS peer (small V only: the peer enumerates the set law in Python).
        var instance = ""
        if OptimalTransportLP.estimatedSize(of: law).variables <= 200_000 {
            let dir = context.outputDir + "/instances"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let stem = (dirichlet ? "dirichlet-" : "") + "\(lawName)-n\(n)-v\(v)"
            var files = ["\(stem)-p.npy"]
            try Distribution.npyData(p.probabilities).write(
                to: URL(fileURLWithPath: dir + "/" + files[0]), options: .atomic)
            for (k, q) in qs.enumerated() {
                files.append("\(stem)-q\(k + 1).npy")
                try Distribution.npyData(q.probabilities).write(
                    to: URL(fileURLWithPath: dir + "/" + files.last!),
                    options: .atomic)
            }
            instance = "\(lawName):\(n):" + files.map { "instances/" + $0 }.joined(separator: ":")
        }
        var rows: [[CSVValue]] = []
        for method in methods {
            let watch = Stopwatch()
            let value: Double, lower: Double, upper: Double, iterations: Int
            switch method {
            case "sfm":
                let objective = try SubsetObjective(target: p, law: law)
                let result = objective.certifiedMinimum(maxIterations: sfmIterations)
                upper = subsetBoundValue(target: p, law: law, set: result.minimizer)
                lower = 1 + result.lower
                value = upper
                iterations = result.iterations
            default:
                let bound = try optimalAcceptance(
                    target: p, law: law, method: method.hasPrefix("lp") ? .lp : .flow,
                    limits: Limits(lpVariables: 1_000_000),
                    lpAlgorithm: method == "lp_simplex" ? .simplex : .interior)
                (value, lower, upper, iterations) = (bound.alpha, bound.lower, bound.upper, bound.iterations)
            }
            let ms = watch.elapsedMilliseconds
            rows.append([
                .text(kind), .integer(v), .text(law.name), .integer(n), temperatures.first.map { .real($0) } ?? .empty,
                temperatures.count > 1 ? .real(temperatures[1]) : .empty, .text(method), .real(value),
                .real(lower), .real(upper), .real(upper - lower), .integer(iterations), .empty, .empty,
                .text(instance), .real(ms)
            ])
        }
        return rows
    }
}
