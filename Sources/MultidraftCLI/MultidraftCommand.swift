import ArgumentParser
import Multidraft

@main
struct MultidraftCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "multidraft",
        abstract: "Optimal acceptance, verifiers and candidate length for multi-draft speculative sampling.",
        version: multidraftVersion,
        subcommands: [Bound.self, Simulate.self, ListVerifiers.self, Length.self, FitCost.self, Importance.self,
                      SelectionLaw.self]
    )
}
