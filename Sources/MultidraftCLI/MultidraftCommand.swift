import ArgumentParser
import Multidraft
import MultidraftSupport

/// The `multidraft` command. The toolkit's executable runs it with ``VerifierRegistry/standard``; a user's
/// executable runs it with a registry that holds its own verifiers too:
///
/// ```swift
/// import MultidraftCLI
/// MultidraftCommand.main(registry: try .standard.registering(myEntry))
/// ```
public struct MultidraftCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "multidraft",
        abstract: "Optimal acceptance, verifiers and candidate length for multi-draft speculative sampling.",
        version: multidraftVersion,
        subcommands: [
            Bound.self, Simulate.self, ListVerifiers.self, Length.self, FitCost.self, Importance.self,
            SelectionLaw.self, Batch.self, TreeDesignCommand.self, BlockEfficiencyCommand.self,
            BlockBoundCommand.self, AuditCommand.self
        ]
    )

    /// The verifiers `simulate` and `verifiers` know in this run.
    @TaskLocal static var registry = VerifierRegistry.standard

    public init() {}

    /// Parses the arguments (default: the process's) and runs the command with `registry`'s verifiers, under the
    /// contract of every command (one line `error: …` and exit status 2 on any failure, parse errors included).
    public static func main(registry: VerifierRegistry, arguments: [String]? = nil) {
        tuneAllocatorForLargeArrays()
        $registry.withValue(registry) { runUnderContract(arguments) }
    }
}
