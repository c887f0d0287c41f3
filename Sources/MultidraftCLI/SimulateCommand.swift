import ArgumentParser
import Multidraft
import MultidraftIO
import MultidraftSupport

/// `multidraft simulate`: Monte-Carlo simulation of one verifier on its draft law, as one CSV row.
struct Simulate: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            abstract:
                "Monte-Carlo simulation of a verifier: acceptance, standard error, exact value, alpha* and a chi-square test of losslessness.",
            discussion: """
                P and Q are comma-separated probabilities or @PATH (.txt/.csv numbers, .npy float32/float64).
                Verifiers: \(MultidraftCommand.registry.names.joined(separator: ", ")). Each has a natural draft law (see `multidraft verifiers`); --law picks another supported one.
                Output columns: verifier,law,drafts,vocab,trials,seed,acceptance,std_error,exact_acceptance,bound,chi2_pvalue,elapsed_ms,setup_ms,certified_gap
                (exact_acceptance: the closed form, else exact enumeration of draft tuples and the verifier's randomness when V <= 12, else empty; bound is alpha* of the draft law by the dual scan or closed form, or for independent drafts by certified submodular minimisation (empty if its bracket stays open);
                setup_ms: time to build the verifier; certified_gap: alpha* minus the exact coin acceptance of the optimal verifier's realised selection law, empty for other verifiers).
                Results are identical for every --threads value.
                """
        )
    }

    @Option(help: "Verifier name (see `multidraft verifiers`).") var verifier: VerifierName
    @Option(help: "Target distribution p: comma list or @PATH.") var target: String
    @Option(help: "Draft distribution q (repeat once per draft for --law independent).") var draft: [String] = []
    @Option(help: "Number of drafts n (default 1 for single, 2 otherwise; independent: one per --draft).") var drafts:
        Int?
    @Option(help: "Draft law (default: the verifier's natural law).") var law: DraftLawName?
    @Option(help: "Number of Monte-Carlo trials.") var trials: Int
    @Option(help: "Random seed.") var seed: UInt64
    @Option(
        help: "Verifiers with a weight LP (importance): truncated LP with parameter S (1...V) instead of the default.")
    var truncate: Int?
    @Option(
        help:
            "Two-step verifiers (importance): optimal (block priority + fitted Luce weights; default for iid drafts) or lp (Khisti et al.'s weight LP / tournament; default otherwise)."
    )
    var scheme: String?
    @Option(help: "Worker threads (default: all cores).") var threads: Int = availableCores
    @Option(help: "Largest estimated work, trials x drafts, to attempt.") var maxWork: Double = CLILimits.defaultMaxWork
    @Option(help: "Largest estimated memory (MB) to use.") var maxMemoryMb: Double = CLILimits.defaultMaxMemoryMB
    @Option(
        help:
            "Verifiers that build a transport plan (optimal off iid/without-replacement drafts): its largest size in draft set x token entries (default 2,000,000); beyond it independent drafts use the certified priority mixture, other laws are refused."
    )
    var maxLpVariables: Int?
    @Option(help: "Write token,count,expected rows here (atomically).") var countsOutput: String?
    @Option(help: "Write the CSV here (atomically) instead of stdout.") var output: String?

    static let header = [
        "verifier", "law", "drafts", "vocab", "trials", "seed", "acceptance", "std_error",
        "exact_acceptance", "bound", "chi2_pvalue", "elapsed_ms", "setup_ms", "certified_gap"
    ]

    func run() throws {
        try CLIOutput.run {
            let entry = try MultidraftCommand.registry.entry(named: verifier.rawValue)
            guard trials > 0 else { throw UsageError("--trials must be > 0, got \(trials)") }
            try CLILimits.require(threads, in: 1...CLILimits.maxThreads, option: "--threads")
            try CLILimits.requirePositive(maxWork, option: "--max-work")
            try CLILimits.requirePositive(maxMemoryMb, option: "--max-memory-mb")
            guard !draft.isEmpty else { throw UsageError("at least one --draft is required") }
            let lawName = law ?? entry.naturalLaw
            guard entry.supportedLaws.contains(lawName) else {
                throw VerifierError.unsupportedLaw(
                    verifier: entry.name, law: lawName.rawValue, supported: entry.supportedLaws.map(\.rawValue))
            }
            let (p, qs) = try readTargetAndDrafts(target: target, drafts: draft)
            if lawName != .independent && qs.count > 1 {
                throw UsageError(
                    "--law \(lawName) takes one --draft (got \(qs.count)); use --law independent for one distribution per draft"
                )
            }
            if lawName == .independent, let d = drafts, d != qs.count {
                throw UsageError(
                    "--drafts \(d) disagrees with the \(qs.count) --draft distributions of --law independent")
            }
            let n = lawName == .independent ? qs.count : (drafts ?? entry.defaultDrafts)
            guard entry.drafts.contains(n) else {
                throw VerifierError.wrongDraftCount(verifier: entry.name, expected: entry.drafts.lowerBound, found: n)
            }
            try CLILimits.require(n, in: 1...CLILimits.maxSimulatedDrafts, option: "--drafts")
            try CLILimits.requireWork(
                Double(trials) * Double(n), limit: maxWork, what: "draft draws (trials x drafts)",
                option: "--max-work")
            let draftLaw = try DraftLaw.named(lawName, drafts: qs, count: n)
            if let limit = maxLpVariables { try CLILimits.requirePositive(Double(limit), option: "--max-lp-variables") }
            if let s = truncate, s < 1 || s > p.vocabularySize {
                throw UsageError("--truncate must be in 1...\(p.vocabularySize), got \(s)")
            }
            let importanceScheme = try scheme.map { name in
                guard let s = ImportanceVerifier.Scheme(rawValue: name) else {
                    throw UsageError(
                        "--scheme must be one of \(ImportanceVerifier.Scheme.allCases.map(\.rawValue).joined(separator: ", ")), got '\(name)'"
                    )
                }
                return s
            }
            // Every verifier is built by its registry entry: the settings it does not read are refused there.
            let settings = VerifierSettings(
                threads: threads, limits: maxLpVariables.map { Limits(planEntries: $0) },
                importanceScheme: importanceScheme,
                truncation: truncate)
            try entry.requireSettings(settings)
            try CLILimits.requireMemory(
                bytes: simulationMemory(drafts: n, vocabulary: p.vocabularySize, threads: threads)
                    + entry.extraMemory(draftLaw, settings),
                limitMB: maxMemoryMb)
            let setup = Stopwatch()
            let built = try MultidraftCommand.registry.makeVerifier(
                name: entry.name, target: p, law: draftLaw, settings: settings)
            let setupMilliseconds = setup.elapsedMilliseconds
            let gap = (built as? OptimalSelectionVerifier)?.certifiedGap ?? (built as? ImportanceVerifier)?.certifiedGap
            let bound = cheapBound(target: p, law: draftLaw, threads: threads)
            let progress =
                Double(trials) * Double(n) >= 1e8 ? TerminalProgress.ifTerminal(label: "simulate", total: trials) : nil
            let result = MonteCarlo.run(
                anyVerifier: built, trials: trials, seed: seed, threads: threads,
                chunkSize: MonteCarlo.defaultChunkSize, progress: progress)
            var table = CSVTable(header: Self.header)
            table.append([
                .text(entry.name), .text(draftLaw.name), .integer(n), .integer(p.vocabularySize), .integer(trials),
                .text(String(seed)), .real(result.acceptance), .real(result.standardError),
                exactValue(built).map { .real($0) } ?? .empty, bound.map { .real($0) } ?? .empty,
                .real(result.chiSquare.pValue), .real(result.elapsedMilliseconds), .real(setupMilliseconds),
                gap.map { .real($0) } ?? .empty
            ])
            var extra: [(path: String, table: CSVTable)] = []
            if let countsOutput {
                var counts = CSVTable(header: ["token", "count", "expected"])
                for y in 0..<p.vocabularySize {
                    counts.append([.integer(y), .integer(result.counts[y]), .real(Double(trials) * p[y])])
                }
                extra.append((countsOutput, counts))
            }
            try CLIOutput.emit(table, to: output, extra: extra)
        }
    }
}

/// alpha* of the draft law where an exact route cheaper than the LP exists (prefix scan for iid and without
/// replacement, closed form for greedy and SpecHub, certified submodular minimisation for independent drafts),
/// else nil: the `bound` column never starts an LP or a flow.
private func cheapBound(target p: Distribution, law: DraftLaw, threads: Int) -> Double? {
    switch law.kind {
    case .explicit: return nil
    case .independent: return try? optimalAcceptance(target: p, law: law, method: .sfm).alpha
    default: return try? optimalAcceptance(target: p, law: law, method: .dual, threads: threads).alpha
    }
}

/// The memory a simulation needs besides what the verifier's entry states (``VerifierRegistry/Entry/extraMemory``),
/// estimated in bytes: per-draft tables of V entries (residuals, alias tables) held by the verifier and the sampler,
/// and per-thread tuples and counts.
private func simulationMemory(drafts n: Int, vocabulary v: Int, threads: Int) -> Double {
    4 * 8 * Double(n) * Double(v) + 8 * Double(threads) * (Double(n) + Double(v))
}

/// The verifier's closed-form acceptance, or, for small vocabularies, the exact enumeration value.
private func exactValue(_ verifier: any Verifier) -> Double? {
    if let value = verifier.exactAcceptance { return value }
    guard verifier.target.vocabularySize <= ExactVerification.maxVocabulary,
        let exact = try? ExactVerification(verifier)
    else { return nil }
    return exact.membershipAcceptance
}

/// A verifier name given on the command line (any string; checked against the run's registry).
struct VerifierName: ExpressibleByArgument {
    let rawValue: String
    init?(argument: String) { rawValue = argument }
    static var allValueStrings: [String] { MultidraftCommand.registry.names }
}

extension DraftLawName: ExpressibleByArgument {}
