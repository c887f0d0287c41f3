import ArgumentParser
import Foundation
import Multidraft
import MultidraftIO
import MultidraftSupport

/// `multidraft block-bound`: the block LP L*(K, γ), certified.
struct BlockBoundCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "block-bound",
        abstract:
            "The best block efficiency of any lossless verifier of K i.i.d. draft chains of length L (the block LP), certified.",
        discussion: """
            Solves the block LP L*(K, L) (the largest expected number of accepted draft tokens over every lossless
            one-round verifier) in its antichain form: one variable per token path of length 1..L, monotone rows and
            coverage rows sum_{a in M} m(a) <= 1 - (1 - q(M))^K over antichains M, added by exact separation (GLPK).
            --model context-free (default) or markov:@FILE (2V rows of V probabilities: target rows p(.|y), then draft
            rows q(.|y)). Refused with its estimate when sum_k V^k exceeds --max-variables.
            Output columns: drafts,length,model,vocab,block_efficiency_bound,lower,upper,gap,nodes,rounds,cuts,
            single_chain,elapsed_ms. block_efficiency_bound, lower and upper count the target's own token (1 + L*):
            upper is a weak-duality bound, lower the value of a feasible (lossless) plan. single_chain is the closed
            form 1 + L*(1, L) (block verification of one chain).
            """
    )

    @Option(help: "Target next-token law (comma list or @PATH).") var target: String
    @Option(help: "Draft next-token law.") var draft: String
    @Option(help: "Number of i.i.d. draft chains K.") var drafts: Int
    @Option(help: "Draft length L (tokens per chain).") var length: Int
    @Option(help: "context-free or markov:@FILE.") var model: String = "context-free"
    @Option(help: "Largest number of LP variables (token paths of length 1..L).")
    var maxVariables: Int = BlockBound.defaultMaxVariables
    @Option(help: "Write the CSV here (atomically) instead of stdout.") var output: String?

    func run() throws {
        try CLIOutput.run {
            try CLILimits.require(drafts, in: 1...1_000_000, option: "--drafts")
            try CLILimits.require(length, in: 1...64, option: "--length")
            try CLILimits.require(maxVariables, in: 1...50_000_000, option: "--max-variables")
            let (p, qs) = try readTargetAndDrafts(target: target, drafts: [draft])
            let sequenceModel = try parseSequenceModel(model, target: p, draft: qs[0])
            let watch = Stopwatch()
            let bound: BlockBound
            do {
                bound = try BlockBound(model: sequenceModel, drafts: drafts, length: length, maxVariables: maxVariables)
            } catch BlockBoundError.tooLarge(let variables, let limit) {
                throw UsageError(
                    "the block LP needs about \(variables.countDescription) variables (sum of V^k for k = 1..\(length)), more than --max-variables \(limit)"
                )
            }
            let elapsed = watch.elapsedMilliseconds
            let single = BlockBound.singleChain(model: sequenceModel, length: length)
            var table = CSVTable(header: [
                "drafts", "length", "model", "vocab", "block_efficiency_bound", "lower", "upper",
                "gap", "nodes", "rounds", "cuts", "single_chain", "elapsed_ms"
            ])
            table.append([
                .integer(drafts), .integer(length), .text(sequenceModel.isContextFree ? "context-free" : "markov"),
                .integer(p.vocabularySize), .real(bound.blockEfficiencyUpper), .real(bound.blockEfficiencyLower),
                .real(bound.blockEfficiencyUpper), .real(bound.gap), .integer(bound.nodes),
                .integer(bound.rounds), .integer(bound.cuts), .real(1 + single), .real(elapsed)
            ])
            try CLIOutput.emit(table, to: output)
        }
    }
}
