import ArgumentParser
import Multidraft
import MultidraftIO
import MultidraftSupport

/// `multidraft bound`: the optimal acceptance alpha* of a target and a draft law, as one CSV row.
struct Bound: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Optimal acceptance alpha* = 1 + min_H [p(H) - Q(H)] by LP, dual scan or closed form.",
        discussion: """
            P and Q are comma-separated probabilities or @PATH (.txt/.csv numbers, .npy float32/float64).
            Output columns: law,drafts,vocab,method,alpha,lower,upper,gap,iterations,status,elapsed_ms[,exact_confirmed][,certificate_size,certificate_value,certificate]
            lower and upper are proven bounds on alpha* (a feasible plan or base-polytope point; the certificate set's
            p(H) + 1 - Q(H)); gap = upper - lower. Methods: flow and sfm work for every law (flow while the draft-set law
            fits in --max-flow-arcs; sfm for independent drafts at any V), lp is GLPK's simplex on the same LP.
            """
    )

    @Option(help: "Target distribution p: comma list or @PATH.") var target: String
    @Option(help: "Draft distribution q (repeat once per draft for --law independent).") var draft: [String] = []
    @Option(help: "Number of drafts n (ignored for independent: one per --draft).") var drafts: Int?
    @Option(help: "Draft law: iid, without-replacement, independent, greedy, spechub.") var law: String
    @Option(
        help:
            "lp (GLPK), flow (max-flow), sfm (submodular minimisation), dual (prefix scan / closed form), auto, brute-force."
    )
    var method: String = "auto"
    @Flag(help: "Confirm the LP optimum with GLPK's exact rational simplex.") var exact = false
    @Option(
        help:
            "--method lp only: interior (GLPK's interior point, repaired to an exact maximum plan; default) or simplex (GLPK's primal simplex; always used with --exact)."
    )
    var lpAlgorithm: String = "interior"
    @Flag(help: "Add the minimising set H (p(H) + 1 - Q(H) = alpha).") var certificate = false
    @Flag(help: "Read P and Q as logits; softmax at --temperature.") var logits = false
    @Option(help: "Temperature for --logits.") var temperature: Double = 1
    @Option(help: "Compute R times; elapsed_ms is the median per computation.") var `repeat`: Int = 1
    @Option(help: "Largest LP (variables) for --method lp (GLPK's interior point: about 4 s at 90,000 variables).")
    var maxLpVariables: Int = Limits.standard.lpVariables
    @Option(
        help: "Largest draft-set graph (middle arcs, the LP's variables) for --method flow and sfm on enumerated laws.")
    var maxFlowArcs: Int = Limits.standard.flowArcs
    @Option(help: "Largest number of major iterations of --method sfm.")
    var maxIterations: Int = Limits.standard.sfmIterations
    @Option(help: "Threads for the without-replacement integral (the result does not depend on it).") var threads: Int =
        availableCores
    @Option(help: "Write the CSV here (atomically) instead of stdout.") var output: String?

    func run() throws {
        try CLIOutput.run {
            guard let boundMethod = BoundMethod(rawValue: method) else {
                throw UsageError("unknown --method '\(method)' (expected lp, flow, sfm, dual, auto or brute-force)")
            }
            try CLILimits.require(`repeat`, in: 1...CLILimits.maxRepeat, option: "--repeat")
            try CLILimits.require(threads, in: 1...CLILimits.maxThreads, option: "--threads")
            try CLILimits.require(maxLpVariables, in: 1...Int.max, option: "--max-lp-variables")
            try CLILimits.require(maxFlowArcs, in: 1...Int.max, option: "--max-flow-arcs")
            try CLILimits.require(maxIterations, in: 1...1_000_000, option: "--max-iterations")
            if exact && boundMethod == .dual { throw UsageError("--exact applies to --method lp") }
            guard let algorithm = LPAlgorithm(rawValue: lpAlgorithm) else {
                throw UsageError("--lp-algorithm must be interior or simplex, got '\(lpAlgorithm)'")
            }
            guard !draft.isEmpty else { throw UsageError("at least one --draft is required") }
            let (p, qs) = try readTargetAndDrafts(
                target: target, drafts: draft, logits: logits, temperature: temperature)
            if law != "independent" && qs.count > 1 {
                throw UsageError(
                    "--law \(law) takes one --draft (got \(qs.count)); use --law independent for one distribution per draft"
                )
            }
            let n = law == "independent" ? qs.count : (drafts ?? (law == "spechub" ? 2 : 1))
            if law == "independent", let d = drafts, d != qs.count {
                throw UsageError(
                    "--drafts \(d) disagrees with the \(qs.count) --draft distributions of --law independent")
            }
            let draftLaw = try DraftLaw.named(law, drafts: qs, count: n)
            if boundMethod == .lp {
                try CLILimits.requireLPSize(draftLaw, limit: maxLpVariables, purpose: "alpha* by --method lp")
            }
            let limits = Limits(lpVariables: maxLpVariables, flowArcs: maxFlowArcs, sfmIterations: maxIterations)
            let route = boundMethod.resolved(for: draftLaw, limits: limits)
            if route == .flow {
                try CLILimits.requireLPSize(
                    draftLaw, limit: maxFlowArcs, purpose: "alpha* by --method flow",
                    option: "--max-flow-arcs")
            }
            if route == .sfm && draftLaw.name != "independent" && draftLaw.name != "iid" {
                try CLILimits.requireLPSize(
                    draftLaw, limit: maxFlowArcs, purpose: "alpha* by --method sfm (its set law)",
                    option: "--max-flow-arcs")
            }
            if boundMethod == .bruteForce { try CLILimits.requireBruteForce(draftLaw) }
            try CLILimits.requireRepeatWork(draftLaw, method: route, repeat: `repeat`)
            let timed = try Stopwatch.median(repeats: `repeat`) {
                try optimalAcceptance(
                    target: p, law: draftLaw, method: boundMethod, exact: exact, limits: limits, threads: threads,
                    lpAlgorithm: algorithm)
            }
            let result = timed.value
            var header = [
                "law", "drafts", "vocab", "method", "alpha", "lower", "upper", "gap", "iterations",
                "status", "elapsed_ms"
            ]
            var row: [CSVValue] = [
                .text(draftLaw.name), .integer(draftLaw.drafts), .integer(p.vocabularySize),
                .text(result.method.rawValue), .real(result.alpha), .real(result.lower),
                .real(result.upper), .real(result.upper - result.lower), .integer(result.iterations),
                .text(result.status.map { "\($0)" } ?? "optimal"), .real(timed.milliseconds)
            ]
            if exact {
                header.append("exact_confirmed")
                row.append(.text(result.exactConfirmed ? "true" : "false"))
            }
            if certificate {
                header += ["certificate_size", "certificate_value", "certificate"]
                row += [
                    .integer(result.certificate.count), .real(result.certificateValue),
                    .text(result.certificate.map(String.init).joined(separator: " "))
                ]
            }
            var table = CSVTable(header: header)
            table.append(row)
            try CLIOutput.emit(table, to: output)
        }
    }
}
