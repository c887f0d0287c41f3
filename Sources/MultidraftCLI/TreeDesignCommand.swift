import ArgumentParser
import Foundation
import Multidraft
import MultidraftIO

/// `multidraft tree-design`: the draft tree that maximises expected tokens per target call (or tokens per second).
struct TreeDesignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tree-design",
        abstract: "Best draft tree for a per-sibling acceptance vector and a node budget (Sequoia-style DP).",
        discussion: """
            --acceptance: one probability per line (or a comma list): sibling i is accepted given siblings 1..i-1 were
            rejected; with --unconditional, P(sibling i is the accepted one) (Sequoia / SpecHub files; sum <= 1).
            Or --target P --draft Q [--siblings K]: recursive rejection's acceptances with i.i.d. drafts from Q
            (a_i = sum min(p_i, q), p_(i+1) = norm((p_i - q)+)), for which the positional model is exact.
            The budget counts draft tokens (nodes other than the root); expected tokens per target call include the
            target's own token, so a budget of 0 gives 1. With --t-draft and --t-target (one draft pass per tree level,
            one target pass per call) the tree maximising tokens per second is chosen instead.
            Output columns: budget,expected_tokens,tree,nodes,depth,chain_expected_tokens
            [,t_draft,t_target,time_per_call,tokens_per_second,speedup]; tree = parent indices, root = -1.
            """
    )

    @Option(help: "Acceptance vector: @FILE (one value per line) or a comma list.") var acceptance: String?
    @Option(
        help: "Instead of --acceptance: the target law P, with --draft, for recursive rejection's sibling acceptances.")
    var target: String?
    @Option(help: "Draft law Q (with --target).") var draft: String?
    @Option(help: "Siblings of the recursive-rejection vector (with --target/--draft).") var siblings: Int = 8
    @Option(help: "Draft tokens (nodes other than the root).") var budget: Int
    @Flag(help: "Read P(sibling i is the accepted one) instead of conditional acceptances.") var unconditional = false
    @Option(help: "Largest tree depth (default: the budget).") var maxDepth: Int?
    @Option(help: "Time of one draft forward pass (any unit; with --t-target).") var tDraft: Double?
    @Option(help: "Time of one target forward pass.") var tTarget: Double?
    @Option(help: "Write the CSV here (atomically) instead of stdout.") var output: String?

    /// Largest DP work accepted (inner steps).
    static let maxWork = 2e9

    func run() throws {
        try CLIOutput.run {
            guard budget >= 0 else { throw UsageError("--budget must be >= 0, got \(budget)") }
            try CLILimits.require(budget, in: 0...100_000, option: "--budget")
            if let d = maxDepth, d < 0 { throw UsageError("--max-depth must be >= 0, got \(d)") }
            guard (tDraft == nil) == (tTarget == nil) else { throw UsageError("--t-draft and --t-target go together") }
            if let x = tDraft, !(x.isFinite && x >= 0) {
                throw UsageError("--t-draft must be finite and >= 0, got \(x)")
            }
            if let y = tTarget, !(y.isFinite && y > 0) {
                throw UsageError("--t-target must be finite and > 0, got \(y)")
            }
            let vector: SiblingAcceptance
            switch (acceptance, target, draft) {
            case (let a?, nil, nil):
                let values: [Double]
                do { values = try Distribution.readVector(a) } catch { throw UsageError("--acceptance: \(error)") }
                do {
                    vector =
                        unconditional
                        ? try SiblingAcceptance(unconditional: values) : try SiblingAcceptance(conditional: values)
                } catch { throw UsageError("--acceptance: \(error)") }
            case (nil, let t?, let d?):
                try CLILimits.require(siblings, in: 1...1024, option: "--siblings")
                let (p, qs) = try readTargetAndDrafts(target: t, drafts: [d])
                vector = try SiblingAcceptance.recursiveRejection(
                    target: p.probabilities, draft: qs[0].probabilities,
                    siblings: siblings)
            default:
                throw UsageError(
                    "give --acceptance, or --target and --draft (recursive rejection's sibling acceptances)")
            }
            let depth = min(maxDepth ?? budget, budget)
            let work = TreeDesign.estimatedWork(vector, budget: budget, depth: tDraft == nil ? depth : budget)
            guard work <= Self.maxWork else {
                throw UsageError(
                    String(
                        format:
                            "tree-design with --budget %d needs about %.3g DP steps (limit %.3g); lower --budget or --max-depth",
                        budget, work, Self.maxWork))
            }
            var header = ["budget", "expected_tokens", "tree", "nodes", "depth", "chain_expected_tokens"]
            let design: TreeDesign.Design
            var timing: [CSVValue] = []
            if let x = tDraft, let y = tTarget {
                let (d, rate) = TreeDesign.fastest(vector, budget: budget, draftTime: x, targetTime: y)
                design = d
                let time = y + Double(d.tree.depth) * x
                header += ["t_draft", "t_target", "time_per_call", "tokens_per_second", "speedup"]
                timing = [.real(x), .real(y), .real(time), .real(rate), .real(rate * y)]
            } else {
                design = TreeDesign.best(vector, budget: budget, maxDepth: depth)
            }
            let chain = DraftTree.chain(min(budget, depth)).expectedTokens(vector)
            var table = CSVTable(header: header)
            table.append(
                [
                    .integer(budget), .real(design.expectedTokens), .text(design.tree.description),
                    .integer(design.tree.draftTokens), .integer(design.tree.depth), .real(chain)
                ] + timing)
            try CLIOutput.emit(table, to: output)
        }
    }
}
