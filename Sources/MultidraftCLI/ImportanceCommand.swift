import ArgumentParser
import Multidraft

/// `multidraft importance`: Khisti et al.'s two-step importance-sampling scheme for one target and independent
/// drafts, as one CSV row (arXiv 2410.18234; `shared/theory/verifiers.md` §7).
struct Importance: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Two-step importance-sampling scheme (Khisti et al.): weight LP / truncated LP / tournament acceptance against alpha*.",
        discussion: """
        P and Q are comma-separated probabilities or @PATH (.txt/.csv numbers, .npy float32/float64). One --draft per \
        draft (independent drafts; repeat the same Q for identical drafts). Two drafts: the K = 2 weight LP (or the \
        truncated LP with --truncate S); more drafts: the pairwise tournament of such LPs.
        Output columns: drafts,vocab,truncate,alpha_lower_bound,alpha_exact,alpha_optimal,elapsed_ms
        (alpha_lower_bound = coin acceptance sum min(p, p_I); alpha_exact = exact membership acceptance, empty when \
        the draft tuples are too many to enumerate; alpha_optimal = alpha* of the independent draft law, empty when its transport LP exceeds \
        --max-lp-variables; truncate is \
        empty for the full LP; elapsed_ms times building the scheme).
        """
    )

    @Option(help: "Target distribution p: comma list or @PATH.") var target: String
    @Option(help: "Draft distribution q_i, once per draft (at least 2).") var draft: [String] = []
    @Option(help: "Truncated LP with parameter S (1...V) instead of the full weight LP.") var truncate: Int?
    @Option(help: "Largest weight LP (pair variables) to attempt; these LPs are fast (V = 400 takes seconds).")
    var maxWeightLpVariables: Int = CLILimits.defaultMaxWeightLPVariables
    @Option(help: "Largest transport LP (variables) for alpha_optimal of non-identical drafts; beyond it the column is empty.")
    var maxLpVariables: Int = CLILimits.defaultMaxLPVariables
    @Option(help: "Largest estimated memory (MB) to use.") var maxMemoryMb: Double = CLILimits.defaultMaxMemoryMB
    @Option(help: "Write the CSV here (atomically) instead of stdout.") var output: String?

    static let header = ["drafts", "vocab", "truncate", "alpha_lower_bound", "alpha_exact", "alpha_optimal", "elapsed_ms"]

    func run() throws {
        try CLIOutput.run {
            guard draft.count >= 2 else { throw UsageError("at least two --draft distributions are required, got \(draft.count)") }
            let (p, qs) = try readTargetAndDrafts(target: target, drafts: draft)
            if let s = truncate, s < 1 || s > p.vocabularySize {
                throw UsageError("--truncate must be in 1...\(p.vocabularySize), got \(s)")
            }
            try CLILimits.require(maxLpVariables, in: 1...Int.max, option: "--max-lp-variables")
            try CLILimits.require(maxWeightLpVariables, in: 1...Int.max, option: "--max-weight-lp-variables")
            try CLILimits.requirePositive(maxMemoryMb, option: "--max-memory-mb")
            // Sizes before any work: each pairwise stage solves a weight LP over pairs (s x s with --truncate s) and
            // holds a V x V weight table; alpha* solves the transport LP of the independent law.
            let v = Double(p.vocabularySize), stages = Double(qs.count - 1)
            let side = Double(truncate ?? p.vocabularySize)
            try CLILimits.requireMemory(bytes: 8 * v * v * stages + 8 * side * side * stages * 4, limitMB: maxMemoryMb)
            try CLILimits.requireWork(side * side * stages, limit: Double(maxWeightLpVariables),
                                      what: "weight-LP variables (all tournament stages)", option: "--max-weight-lp-variables")
            let watch = Stopwatch()
            let scheme = try truncate.map { try TwoStepScheme.truncated(target: p, drafts: qs, truncate: $0) }
                ?? TwoStepScheme.optimal(target: p, drafts: qs)
            let elapsed = watch.elapsedMilliseconds
            let exact = try? scheme.membershipAcceptance(maxTuples: ImportanceVerifier.maxExactTuples)
            let optimum = try importanceOptimum(target: p, drafts: qs, maxLPVariables: maxLpVariables)
            var table = CSVTable(header: Self.header)
            table.append([.integer(qs.count), .integer(p.vocabularySize), truncate.map { .integer($0) } ?? .empty,
                          .real(scheme.coinAcceptance), exact.map { .real($0) } ?? .empty, optimum.map { .real($0) } ?? .empty,
                          .real(elapsed)])
            try CLIOutput.emit(table, to: output)
        }
    }
}

/// alpha* of independent drafts: by the exact prefix scan when every draft has the same distribution (the law is then
/// i.i.d.), else by the transport LP when it has at most `maxLPVariables` variables, else nil.
private func importanceOptimum(target p: Distribution, drafts qs: [Distribution], maxLPVariables: Int) throws -> Double? {
    if qs.allSatisfy({ $0.probabilities == qs[0].probabilities }) {
        return try optimalAcceptance(target: p, law: try DraftLaw.iid(qs[0], drafts: qs.count), method: .dual).alpha
    }
    let law = try DraftLaw.independent(qs)
    guard OptimalTransportLP.estimatedSize(of: law).variables <= Double(maxLPVariables) else { return nil }
    return try optimalAcceptance(target: p, law: law, method: .lp, maxLPVariables: maxLPVariables).alpha
}
