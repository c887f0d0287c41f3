import ArgumentParser
import Multidraft
import MultidraftIO
import MultidraftSupport

/// `multidraft selection-law`: the optimal selection law r* of the two-step scheme and its realisation, one row per
/// token (<doc:Theory#Optimal-verifier>).
struct SelectionLaw: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "selection-law",
        abstract:
            "The optimal selection law r* (hull blocks of the ratio order) and the law r_w its fitted Luce weights realise, per token.",
        discussion: """
            P and Q are comma-separated probabilities or @PATH (.txt/.csv numbers, .npy float32/float64). Laws: iid and \
            without-replacement, at any V (r_w by the closed form for iid drafts; for without-replacement drafts by \
            enumerating the draft tuples where they are few, else by the race/Luce double integral).
            Output columns: token,p,q,order,block,block_size,slope,r_star,r_w,weight,alpha,certified_gap
            (order = position in the p/q order, largest first; block = hull segment; slope = its Δf/Δp; alpha and \
            certified_gap repeat on every row: alpha* and alpha* − Σ min(p, r_w)).
            """
    )

    @Option(help: "Target distribution p: comma list or @PATH.") var target: String
    @Option(help: "Draft distribution q: comma list or @PATH.") var draft: String
    @Option(help: "Number of drafts n.") var drafts: Int = 2
    @Option(help: "Draft law: iid or without-replacement.") var law: String = "iid"
    @Option(help: "Worker threads (default: all cores).") var threads: Int = availableCores
    @Option(help: "Write the CSV here (atomically) instead of stdout.") var output: String?

    static let header = [
        "token", "p", "q", "order", "block", "block_size", "slope", "r_star", "r_w", "weight", "alpha",
        "certified_gap"
    ]

    func run() throws {
        try CLIOutput.run {
            guard ["iid", "without-replacement"].contains(law) else {
                throw UsageError("--law must be iid or without-replacement, got '\(law)'")
            }
            guard (1...1024).contains(threads) else {
                throw UsageError("--threads must be in 1...1024, got \(threads)")
            }
            let (p, qs) = try readTargetAndDrafts(target: target, drafts: [draft])
            let q = qs[0]
            guard (1...max(1, q.vocabularySize)).contains(drafts) else {
                throw UsageError("--drafts must be in 1...\(q.vocabularySize) (the vocabulary size), got \(drafts)")
            }
            let draftLaw = try DraftLaw.named(law, drafts: [q], count: drafts)
            let optimal = try OptimalSelectionLaw(target: p, law: draftLaw, threads: threads)
            let realised: RealisedOptimalSelection? = try RealisedOptimalSelection(
                target: p, law: draftLaw, threads: threads)
            var position = [Int](repeating: 0, count: p.vocabularySize)
            for (k, x) in optimal.order.enumerated() { position[x] = k }
            var table = CSVTable(header: Self.header)
            for x in 0..<p.vocabularySize {
                let block = optimal.blocks[optimal.blockOfToken[x]]
                table.append([
                    .integer(x), .real(p[x]), .real(q[x]), .integer(position[x]), .integer(optimal.blockOfToken[x]),
                    .integer(block.range.count), block.targetMass > 0 ? .real(block.slope) : .empty,
                    .real(optimal.selectionLaw[x]), realised.map { .real($0.realisedLaw[x]) } ?? .empty,
                    realised.map { .real($0.rule.weights[x]) } ?? .empty, .real(optimal.alpha),
                    realised.map { .real($0.certifiedGap) } ?? .empty
                ])
            }
            try CLIOutput.emit(table, to: output)
        }
    }
}
