import ArgumentParser
import Multidraft
import MultidraftIO
import MultidraftSupport

/// `multidraft importance`: Khisti et al.'s two-step importance-sampling scheme for one target and independent
/// drafts, as one CSV row (arXiv 2410.18234; <doc:Theory#Two-step-importance-sampling-schemes>).
struct Importance: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Two-step importance-sampling scheme (Khisti et al.): optimal selection / weight LP / truncated LP / tournament acceptance against alpha*.",
        discussion: """
            P and Q are comma-separated probabilities or @PATH (.txt/.csv numbers, .npy float32/float64). One --draft per \
            draft (independent drafts; repeat the same Q for identical drafts). --scheme optimal (the default for identical \
            drafts without --truncate): the optimal selection law realised by block priority + fitted Luce weights, any V \
            and any number of drafts. --scheme lp (the default otherwise): two drafts, the K = 2 weight LP (or the \
            truncated LP with --truncate S); more drafts, the pairwise tournament of such LPs.
            Output columns: drafts,vocab,truncate,alpha_lower_bound,alpha_exact,alpha_optimal,elapsed_ms,scheme,certified_gap
            (alpha_lower_bound = coin acceptance sum min(p, p_I); alpha_exact = exact membership acceptance, empty when \
            the draft tuples are too many to enumerate (for the optimal scheme it is then the coin acceptance, within \
            certified_gap of the membership acceptance); alpha_optimal = alpha* of the independent draft law, empty when \
            its transport LP exceeds --max-lp-variables; truncate is empty for the full LP; elapsed_ms times building the \
            scheme; certified_gap = alpha_optimal - alpha_lower_bound for the optimal scheme, empty for lp).
            """
    )

    @Option(help: "Target distribution p: comma list or @PATH.") var target: String
    @Option(help: "Draft distribution q_i, once per draft (at least 2).") var draft: [String] = []
    @Option(help: "Truncated LP with parameter S (1...V) instead of the full weight LP (scheme lp).") var truncate: Int?
    @Option(
        help: "optimal (identical drafts) or lp (default: optimal for identical drafts without --truncate, else lp).")
    var scheme: String?
    @Option(
        help: "Largest weight LP (pair variables) to attempt (scheme lp); these LPs are fast (V = 400 takes seconds).")
    var maxWeightLpVariables: Int = CLILimits.defaultMaxWeightLPVariables
    @Option(
        help:
            "Largest transport LP (variables) for alpha_optimal of non-identical drafts; beyond it the column is empty."
    )
    var maxLpVariables: Int = Limits.standard.lpVariables
    @Option(help: "Largest estimated memory (MB) to use.") var maxMemoryMb: Double = CLILimits.defaultMaxMemoryMB
    @Option(help: "Write the CSV here (atomically) instead of stdout.") var output: String?

    static let header = [
        "drafts", "vocab", "truncate", "alpha_lower_bound", "alpha_exact", "alpha_optimal", "elapsed_ms",
        "scheme", "certified_gap"
    ]

    func run() throws {
        try CLIOutput.run {
            guard draft.count >= 2 else {
                throw UsageError("at least two --draft distributions are required, got \(draft.count)")
            }
            let (p, qs) = try readTargetAndDrafts(target: target, drafts: draft)
            if let s = truncate, s < 1 || s > p.vocabularySize {
                throw UsageError("--truncate must be in 1...\(p.vocabularySize), got \(s)")
            }
            let identical = qs.allSatisfy { $0 == qs[0] }
            let chosen =
                try scheme.map { name -> ImportanceVerifier.Scheme in
                    guard let s = ImportanceVerifier.Scheme(rawValue: name) else {
                        throw UsageError(
                            "--scheme must be one of \(ImportanceVerifier.Scheme.allCases.map(\.rawValue).joined(separator: ", ")), got '\(name)'"
                        )
                    }
                    return s
                } ?? (identical && truncate == nil ? .optimal : .lp)
            if chosen == .optimal {
                guard identical else {
                    throw UsageError("--scheme optimal needs identical drafts (the same --draft repeated)")
                }
                guard truncate == nil else { throw UsageError("--truncate applies to --scheme lp only") }
            }
            try CLILimits.require(maxLpVariables, in: 1...Int.max, option: "--max-lp-variables")
            try CLILimits.require(maxWeightLpVariables, in: 1...Int.max, option: "--max-weight-lp-variables")
            try CLILimits.requirePositive(maxMemoryMb, option: "--max-memory-mb")
            if chosen == .lp {
                // Sizes before any work: each pairwise stage solves a weight LP over pairs (s x s with --truncate s)
                // and holds a V x V weight table.
                let v = Double(p.vocabularySize), stages = Double(qs.count - 1)
                let side = Double(truncate ?? p.vocabularySize)
                try CLILimits.requireMemory(
                    bytes: 8 * v * v * stages + 8 * side * side * stages * 4, limitMB: maxMemoryMb)
                try CLILimits.requireWork(
                    side * side * stages, limit: Double(maxWeightLpVariables),
                    what: "weight-LP variables (all tournament stages)",
                    option: "--max-weight-lp-variables")
            }
            let watch = Stopwatch()
            var gap: Double? = nil
            let twoStep: TwoStepScheme
            switch chosen {
            case .optimal:
                let built = try TwoStepScheme.optimalSelection(target: p, drafts: qs, threads: availableCores)
                twoStep = built.scheme
                gap = built.selection.certifiedGap
            case .lp:
                twoStep =
                    try truncate.map { try TwoStepScheme.truncated(target: p, drafts: qs, truncate: $0) }
                    ?? TwoStepScheme.optimal(target: p, drafts: qs)
            }
            let elapsed = watch.elapsedMilliseconds
            let exact =
                (try? twoStep.membershipAcceptance(maxTuples: ImportanceVerifier.maxExactTuples))
                ?? (gap != nil ? twoStep.coinAcceptance : nil)
            let optimum = try importanceOptimum(target: p, drafts: qs, maxLPVariables: maxLpVariables)
            var table = CSVTable(header: Self.header)
            table.append([
                .integer(qs.count), .integer(p.vocabularySize), truncate.map { .integer($0) } ?? .empty,
                .real(twoStep.coinAcceptance), exact.map { .real($0) } ?? .empty,
                optimum.map { .real($0) } ?? .empty, .real(elapsed), .text(chosen.rawValue),
                gap.map { .real($0) } ?? .empty
            ])
            try CLIOutput.emit(table, to: output)
        }
    }
}

/// alpha* of independent drafts: by the exact prefix scan when every draft has the same distribution (the law is then
/// i.i.d.), else by the transport LP when it has at most `maxLPVariables` variables, else nil.
private func importanceOptimum(target p: Distribution, drafts qs: [Distribution], maxLPVariables: Int) throws -> Double?
{
    if qs.allSatisfy({ $0.probabilities == qs[0].probabilities }) {
        return try optimalAcceptance(target: p, law: try DraftLaw.iid(qs[0], drafts: qs.count), method: .dual).alpha
    }
    let law = try DraftLaw.independent(qs)
    guard OptimalTransportLP.estimatedSize(of: law).variables <= Double(maxLPVariables) else { return nil }
    return try optimalAcceptance(target: p, law: law, method: .lp, limits: Limits(lpVariables: maxLPVariables)).alpha
}
