import ArgumentParser
import Multidraft

/// `multidraft simulate`: Monte-Carlo simulation of one verifier on its draft law, as one CSV row.
struct Simulate: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        abstract: "Monte-Carlo simulation of a verifier: acceptance, standard error, exact value, alpha* and a chi-square test of losslessness.",
        discussion: """
        P and Q are comma-separated probabilities or @PATH (.txt/.csv numbers, .npy float32/float64).
        Verifiers: \(MultidraftCommand.registry.names.joined(separator: ", ")). Each has a natural draft law (see `multidraft verifiers`); --law picks another supported one.
        Output columns: verifier,law,drafts,vocab,trials,seed,acceptance,std_error,exact_acceptance,bound,chi2_pvalue,elapsed_ms
        (exact_acceptance: the closed form, else exact enumeration of draft tuples and the verifier's randomness when V <= 12, else empty; bound is alpha* of the draft law, empty if the LP is too large).
        Results are identical for every --threads value.
        """
    ) }

    @Option(help: "Verifier name (see `multidraft verifiers`).") var verifier: VerifierName
    @Option(help: "Target distribution p: comma list or @PATH.") var target: String
    @Option(help: "Draft distribution q (repeat once per draft for --law independent).") var draft: [String] = []
    @Option(help: "Number of drafts n (default 1 for single, 2 otherwise; independent: one per --draft).") var drafts: Int?
    @Option(help: "Draft law (default: the verifier's natural law).") var law: DraftLawName?
    @Option(help: "Number of Monte-Carlo trials.") var trials: Int
    @Option(help: "Random seed.") var seed: UInt64
    @Option(help: "importance only: truncated LP with parameter S (1...V) instead of the default.") var truncate: Int?
    @Option(help: "Worker threads (default: all cores).") var threads: Int = availableCores
    @Option(help: "Write token,count,expected rows here (atomically).") var countsOutput: String?
    @Option(help: "Write the CSV here (atomically) instead of stdout.") var output: String?

    static let header = ["verifier", "law", "drafts", "vocab", "trials", "seed", "acceptance", "std_error",
                         "exact_acceptance", "bound", "chi2_pvalue", "elapsed_ms"]

    func run() throws {
        try CLIOutput.run {
            let entry = try MultidraftCommand.registry.entry(named: verifier.rawValue)
            guard trials > 0 else { throw UsageError("--trials must be > 0, got \(trials)") }
            guard threads >= 1 else { throw UsageError("--threads must be >= 1, got \(threads)") }
            guard !draft.isEmpty else { throw UsageError("at least one --draft is required") }
            let lawName = law ?? entry.naturalLaw
            guard entry.supportedLaws.contains(lawName) else {
                throw VerifierError.unsupportedLaw(verifier: entry.name, law: lawName.rawValue, supported: entry.supportedLaws.map(\.rawValue))
            }
            let (p, qs) = try readTargetAndDrafts(target: target, drafts: draft)
            if lawName != .independent && qs.count > 1 {
                throw UsageError("--law \(lawName) takes one --draft (got \(qs.count)); use --law independent for one distribution per draft")
            }
            if lawName == .independent, let d = drafts, d != qs.count {
                throw UsageError("--drafts \(d) disagrees with the \(qs.count) --draft distributions of --law independent")
            }
            let n = lawName == .independent ? qs.count : (drafts ?? entry.defaultDrafts)
            guard entry.drafts.contains(n) else {
                throw VerifierError.wrongDraftCount(verifier: entry.name, expected: entry.drafts.lowerBound, found: n)
            }
            let draftLaw = try DraftLaw.named(lawName, drafts: qs, count: n)
            if truncate != nil && entry.name != "importance" {
                throw UsageError("--truncate applies to --verifier importance only")
            }
            if let s = truncate, s < 1 || s > p.vocabularySize {
                throw UsageError("--truncate must be in 1...\(p.vocabularySize), got \(s)")
            }
            let built: any Verifier = try truncate.map { s in
                try entry.requireSupport(draftLaw)
                return try ImportanceVerifier(target: p, law: draftLaw, truncate: s)
            } ?? MultidraftCommand.registry.makeVerifier(name: entry.name, target: p, law: draftLaw)
            let bound: Double?
            do {
                bound = try optimalAcceptance(target: p, law: draftLaw, method: .auto).alpha
            } catch is AcceptanceError {
                bound = nil
            }
            let result = MonteCarlo.run(anyVerifier: built, trials: trials, seed: seed, threads: threads)
            var table = CSVTable(header: Self.header)
            table.append([
                .text(entry.name), .text(draftLaw.name), .integer(n), .integer(p.vocabularySize), .integer(trials),
                .text(String(seed)), .real(result.acceptance), .real(result.standardError),
                exactValue(built).map { .real($0) } ?? .empty, bound.map { .real($0) } ?? .empty,
                .real(result.chiSquare.pValue), .real(result.elapsedMilliseconds),
            ])
            if let countsOutput {
                var counts = CSVTable(header: ["token", "count", "expected"])
                for y in 0..<p.vocabularySize {
                    counts.append([.integer(y), .integer(result.counts[y]), .real(Double(trials) * p[y])])
                }
                try counts.write(to: countsOutput)
            }
            try CLIOutput.emit(table, to: output)
        }
    }
}

/// The verifier's closed-form acceptance, or, for small vocabularies, the exact enumeration value.
private func exactValue(_ verifier: any Verifier) -> Double? {
    if let value = verifier.exactAcceptance { return value }
    guard verifier.target.vocabularySize <= ExactVerification.maxVocabulary,
          let exact = try? ExactVerification(verifier) else { return nil }
    return exact.membershipAcceptance
}

/// A verifier name given on the command line (any string; checked against the run's registry).
struct VerifierName: ExpressibleByArgument {
    let rawValue: String
    init?(argument: String) { rawValue = argument }
    static var allValueStrings: [String] { MultidraftCommand.registry.names }
}

extension DraftLawName: ExpressibleByArgument {}
