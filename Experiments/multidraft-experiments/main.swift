import ArgumentParser
import ExperimentSupport
import Multidraft
import MultidraftSupport

/// The experiment suite: every experiment (or those named), with the shared options.
struct Suite: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "multidraft-experiments",
        abstract: "Run the multidraft experiment suite and write tidy CSV tables."
    )
    @OptionGroup var options: ExperimentOptions
    @Option(help: "Run only these experiments (comma-separated).") var only: String?

    func run() throws {
        let names = only.map { $0.split(separator: ",").map(String.init) } ?? allExperiments.map(\.name)
        try runExperiments(names, options: options)
    }
}

tuneAllocatorForLargeArrays()
Suite.main()
