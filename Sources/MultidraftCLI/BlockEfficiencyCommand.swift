import ArgumentParser
import Foundation
import Multidraft
import MultidraftIO
import MultidraftSupport

/// `multidraft block-efficiency`: expected tokens per target call of K draft sequences of length L.
struct BlockEfficiencyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "block-efficiency",
        abstract: "Block efficiency (tokens per target call) of K draft sequences of length L, exact and simulated.",
        discussion: """
            At each node the sequences consistent with the accepted prefix offer their next tokens to the verifier
            (law iid or without-replacement among them); the sequences holding the output token survive. --model
            context-free (default) uses P and Q at every position; markov:@FILE reads 2V rows of V probabilities
            (target transition rows p(.|y), then draft rows q(.|y)) used after token y, with P and Q at the first
            position. --branching B1,...,BL drafts a tree instead (every draft node at depth d-1 has Bd children; K
            sequences are K,1,...,1). Exact recursion where the enumeration fits (refused with its estimate otherwise); --trials T adds
            a Monte-Carlo estimate (seeded, independent of --threads).
            Output columns: drafts,length,verifier,law,model,block_efficiency,method,exact,simulated,std_error,z_score,
            trials,seed,leviathan (Leviathan's (1 - a^(L+1))/(1 - a), a = sum min(p, q): context-free chains only).
            """
    )

    @Option(help: "Target next-token law (comma list or @PATH).") var target: String
    @Option(help: "Draft next-token law.") var draft: String
    @Option(help: "Draft law at each node: iid or without-replacement.") var law: String = "iid"
    @Option(help: "Number of draft sequences K.") var drafts: Int
    @Option(help: "Draft length L (tokens per sequence).") var length: Int
    @Option(
        help:
            "Verifier: a registry name (verified node by node), block (block verification of one chain) select-block (optimal first-token selection among K chains, then block verification of the selected one) or block-lp (the block LP's plan, small V)."
    )
    var verifier: String
    @Option(help: "context-free or markov:@FILE.") var model: String = "context-free"
    @Option(
        help: "A draft tree instead of K sequences: children per node at each depth, B1,...,BL (B1 = K, L entries).")
    var branching: String?
    @Option(
        help:
            "An explicit draft tree: parent indices, root -1 (e.g. \"-1 0 0 1\"); --drafts = the root's children, --length = its depth."
    )
    var tree: String?
    @Option(help: "Monte-Carlo blocks (0: exact only).") var trials: Int = 0
    @Option(help: "Seed of the Monte-Carlo streams.") var seed: UInt64 = 1
    @Option(help: "Threads for Monte Carlo (the result does not depend on it).") var threads: Int = availableCores
    @Option(help: "Write the CSV here (atomically) instead of stdout.") var output: String?

    func run() throws {
        try CLIOutput.run {
            try CLILimits.require(drafts, in: 1...64, option: "--drafts")
            try CLILimits.require(length, in: 0...10_000, option: "--length")
            try CLILimits.require(trials, in: 0...1_000_000_000, option: "--trials")
            try CLILimits.require(threads, in: 1...CLILimits.maxThreads, option: "--threads")
            guard let lawName = DraftLawName(rawValue: law), lawName == .iid || lawName == .withoutReplacement else {
                throw UsageError("--law must be iid or without-replacement, got '\(law)'")
            }
            let (p, qs) = try readTargetAndDrafts(target: target, drafts: [draft])
            let q = qs[0]
            let sequenceModel = try parseSequenceModel(model, target: p, draft: q)
            if let blockLevel = BlockLevelVerifier(rawValue: verifier) {
                guard drafts <= blockLevel.maxDrafts else {
                    throw UsageError(
                        "--verifier \(verifier) verifies one draft chain: --drafts must be 1 (got \(drafts))")
                }
                guard branching == nil, tree == nil else {
                    throw UsageError(
                        "--verifier \(verifier) verifies draft chains, not trees: drop --branching and --tree")
                }
                guard length >= 1 else { throw UsageError("--verifier \(verifier) needs --length >= 1") }
                guard blockLevel == .block || lawName == .iid else {
                    throw UsageError(
                        "--verifier \(verifier) selects among K i.i.d. chains: --law must be iid, got '\(law)'")
                }
                let work = pow(Double(p.vocabularySize), Double(length)) * Double(length * p.vocabularySize)
                let exactFits = work <= 5e7
                if blockLevel == .blockLP {
                    try BlockLPVerifier.requireFits(vocabularySize: p.vocabularySize, drafts: drafts, length: length)
                } else if trials == 0 && !exactFits {
                    throw UsageError(
                        "exact block verification enumerates V^L chains (about \(work.countDescription) steps, more than 50000000): use --trials for a Monte-Carlo estimate"
                    )
                }
                let exact: Double?
                let simulated: (mean: Double, standardError: Double)?
                switch blockLevel {
                case .block:
                    let bv = try BlockVerification(model: sequenceModel, length: length)
                    exact = exactFits ? 1 + bv.expectedAccepted() : nil
                    simulated = trials > 0 ? bv.simulate(trials: trials, seed: seed, threads: threads) : nil
                case .blockLP:
                    let lpVerifier = try BlockLPVerifier(model: sequenceModel, drafts: drafts, length: length)
                    exact = 1 + lpVerifier.expectedAccepted()
                    simulated = trials > 0 ? lpVerifier.simulate(trials: trials, seed: seed, threads: threads) : nil
                case .selectBlock:
                    let scheme = try SelectedChainVerification(
                        model: sequenceModel, drafts: drafts, length: length,
                        threads: threads)
                    exact = exactFits ? 1 + scheme.expectedAccepted() : nil
                    simulated = trials > 0 ? scheme.simulate(trials: trials, seed: seed, threads: threads) : nil
                }
                var leviathan: Double? = nil
                if sequenceModel.isContextFree && drafts == 1 {
                    let a = zip(p.probabilities, q.probabilities).reduce(0) { $0 + min($1.0, $1.1) }
                    leviathan = a == 1 ? Double(length + 1) : (1 - pow(a, Double(length + 1))) / (1 - a)
                }
                try emit(exact: exact, simulated: simulated, model: sequenceModel, leviathan: leviathan)
                return
            }
            let entry = try MultidraftCommand.registry.entry(named: verifier)
            guard entry.supportedLaws.contains(lawName) else {
                throw UsageError(
                    "verifier \(verifier) does not support the \(law) law (supported: \(entry.supportedLaws.map(\.rawValue).joined(separator: ", ")))"
                )
            }
            if let tree {
                let parents = tree.split(whereSeparator: { $0 == " " || $0 == "," }).map { Int($0) }
                guard !parents.isEmpty, parents.allSatisfy({ $0 != nil }), parents[0] == -1,
                    parents.indices.dropFirst().allSatisfy({ parents[$0]! >= 0 && parents[$0]! < $0 })
                else {
                    throw UsageError(
                        "--tree must list parent indices with the root first (-1) and every parent before its children, got '\(tree)'"
                    )
                }
                let shape = DraftTree(parents: parents.map { $0! })
                guard shape.parents.filter({ $0 == 0 }).count == drafts, shape.depth == length else {
                    throw UsageError(
                        "--tree has \(shape.parents.filter { $0 == 0 }.count) root children and depth \(shape.depth); --drafts \(drafts) and --length \(length) must match"
                    )
                }
                let explicit = try ExplicitTreeEfficiency(
                    model: sequenceModel, law: lawName, tree: shape, verifierName: verifier,
                    make: { try entry.make($0, $1) })
                let exact = trials == 0 || explicit.exactWork <= 5e7 ? try explicit.exact() : nil
                let simulated = trials > 0 ? try explicit.simulate(trials: trials, seed: seed, threads: threads) : nil
                try emit(exact: exact, simulated: simulated, model: sequenceModel, leviathan: nil)
                return
            }
            let block: BlockEfficiency
            if let branching {
                let factors = try branching.split(separator: ",").map { field -> Int in
                    guard let b = Int(field.trimmingCharacters(in: .whitespaces)), b >= 1 else {
                        throw UsageError("--branching: '\(field)' is not a branching factor >= 1")
                    }
                    return b
                }
                guard factors.count == length, factors.first.map({ $0 == drafts }) ?? (length == 0) else {
                    throw UsageError(
                        "--branching must list --length = \(length) factors starting with --drafts = \(drafts), got \(branching)"
                    )
                }
                block = try BlockEfficiency(
                    model: sequenceModel, law: lawName, branching: factors, verifierName: verifier,
                    make: { try entry.make($0, $1) })
            } else {
                block = try BlockEfficiency(
                    model: sequenceModel, law: lawName, drafts: drafts, length: length,
                    verifierName: verifier, make: { try entry.make($0, $1) })
            }
            var exact: Double? = nil
            if trials == 0 || block.exactWork <= 5e7 {
                exact = try block.exact()
            }
            let simulated = trials > 0 ? try block.simulate(trials: trials, seed: seed, threads: threads) : nil
            var leviathan: Double? = nil
            if drafts == 1 && sequenceModel.isContextFree {
                let a = zip(p.probabilities, q.probabilities).reduce(0) { $0 + min($1.0, $1.1) }
                leviathan = a == 1 ? Double(length + 1) : (1 - pow(a, Double(length + 1))) / (1 - a)
            }
            try emit(exact: exact, simulated: simulated, model: sequenceModel, leviathan: leviathan)
        }
    }

    /// One output row.
    func emit(
        exact: Double?, simulated: (mean: Double, standardError: Double)?, model sequenceModel: SequenceModel,
        leviathan: Double?
    ) throws {
        let z: Double? = {
            guard let e = exact, let s = simulated, s.standardError > 0 else { return nil }
            return (s.mean - e) / s.standardError
        }()
        var table = CSVTable(header: [
            "drafts", "length", "verifier", "law", "model", "block_efficiency", "method",
            "exact", "simulated", "std_error", "z_score", "trials", "seed", "leviathan"
        ])
        table.append([
            .integer(drafts), .integer(length), .text(verifier), .text(law),
            .text(sequenceModel.isContextFree ? "context-free" : "markov"),
            .real(exact ?? simulated!.mean), .text(exact != nil ? "exact" : "monte_carlo"),
            exact.map { .real($0) } ?? .empty, simulated.map { .real($0.mean) } ?? .empty,
            simulated.map { .real($0.standardError) } ?? .empty, z.map { .real($0) } ?? .empty,
            .integer(trials), .text(String(seed)), leviathan.map { .real($0) } ?? .empty
        ])
        try CLIOutput.emit(table, to: output)
    }
}

/// The `--model` option of the sequence-level commands: `context-free` (P and Q at every position) or
/// `markov:@FILE` (2V rows of V probabilities, target rows p(.|y) then draft rows q(.|y)).
func parseSequenceModel(_ model: String, target p: Distribution, draft q: Distribution) throws -> SequenceModel {
    if model == "context-free" { return try SequenceModel(target: p, draft: q) }
    guard model.hasPrefix("markov:@") else {
        throw UsageError("--model must be context-free or markov:@FILE, got '\(model)'")
    }
    let path = String(model.dropFirst("markov:@".count))
    let text: String
    do { text = try InputFile.text(path) } catch { throw UsageError("--model: \(error)") }
    let rows = try SequenceModel.readTransitions(text, vocabularySize: p.vocabularySize, source: path)
    return try SequenceModel(target: p, draft: q, targetTransitions: rows.target, draftTransitions: rows.draft)
}
