import ArgumentParser
import Foundation
import Multidraft
import MultidraftSupport

/// Every experiment, in suite order. The registry holds the verifiers that the acceptance and audit experiments
/// compare (a user's executable passes one with its own verifiers).
public let allExperiments: [(name: String, run: @Sendable (ExperimentOptions, VerifierRegistry) throws -> Void)] = [
    (AcceptanceExperiment.name, { try ExperimentRunner.run(AcceptanceExperiment.self, options: $0, registry: $1) }),
    (
        ImportanceSweepExperiment.name,
        { try ExperimentRunner.run(ImportanceSweepExperiment.self, options: $0, registry: $1) }
    ),
    (
        ImportanceTableExperiment.name,
        { try ExperimentRunner.run(ImportanceTableExperiment.self, options: $0, registry: $1) }
    ),
    (KSeqRatioExperiment.name, { try ExperimentRunner.run(KSeqRatioExperiment.self, options: $0, registry: $1) }),
    (
        MarkovThresholdExperiment.name,
        { try ExperimentRunner.run(MarkovThresholdExperiment.self, options: $0, registry: $1) }
    ),
    (ScalingExperiment.name, { try ExperimentRunner.run(ScalingExperiment.self, options: $0, registry: $1) }),
    (AuditExperiment.name, { try ExperimentRunner.run(AuditExperiment.self, options: $0, registry: $1) }),
    (CandidateLengthSweep.name, { try ExperimentRunner.run(CandidateLengthSweep.self, options: $0, registry: $1) }),
    (
        OptimalVerifierExperiment.name,
        { try ExperimentRunner.run(OptimalVerifierExperiment.self, options: $0, registry: $1) }
    ),
    (ModelPairsExperiment.name, { try ExperimentRunner.run(ModelPairsExperiment.self, options: $0, registry: $1) }),
    (DraftTreesExperiment.name, { try ExperimentRunner.run(DraftTreesExperiment.self, options: $0, registry: $1) }),
    (
        HeterogeneousDraftsExperiment.name,
        { try ExperimentRunner.run(HeterogeneousDraftsExperiment.self, options: $0, registry: $1) }
    ),
    (
        BlockVerificationExperiment.name,
        { try ExperimentRunner.run(BlockVerificationExperiment.self, options: $0, registry: $1) }
    ),
    (RealModelsExperiment.name, { try ExperimentRunner.run(RealModelsExperiment.self, options: $0, registry: $1) }),
    (EngineAuditExperiment.name, { try ExperimentRunner.run(EngineAuditExperiment.self, options: $0, registry: $1) })
]

/// Runs the named experiments with shared options, printing one progress line each; errors become one line on
/// stderr and exit status 2.
public func runExperiments(
    _ names: [String], options: ExperimentOptions, registry: VerifierRegistry = .standard
) throws {
    do {
        try FileManager.default.createDirectory(atPath: options.outputDir, withIntermediateDirectories: true)
        for name in names {
            guard let experiment = allExperiments.first(where: { $0.name == name }) else {
                throw ValidationError(
                    "unknown experiment '\(name)' (known: \(allExperiments.map(\.name).joined(separator: ", ")))")
            }
            let watch = Stopwatch()
            try experiment.run(options, registry)
            let where_ =
                options.shard == nil || options.merge
                ? "\(options.outputDir)/\(name).csv" : "parts of \(name) (shard \(options.shard!))"
            FileHandle.standardError.write(
                Data(String(format: "%@: wrote %@ in %.1f s\n", name, where_, watch.elapsedMilliseconds / 1000).utf8))
        }
    } catch let error as ValidationError {
        throw error
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode(2)
    }
}

/// The entry point of a single-experiment executable: parses the shared options and runs experiment `name` with
/// the verifiers of `registry` (a user's executable: `experimentMain("audit", registry: myRegistry)`).
public func experimentMain(_ name: String, registry: VerifierRegistry = .standard) {
    tuneAllocatorForLargeArrays()
    SingleExperiment.$name.withValue(name) {
        SingleExperiment.$registry.withValue(registry) { SingleExperiment.main() }
    }
}

/// The command of a single-experiment executable; the experiment and the registry are bound by ``experimentMain``.
struct SingleExperiment: ParsableCommand {
    @TaskLocal static var name = ""
    @TaskLocal static var registry = VerifierRegistry.standard
    static let configuration = CommandConfiguration(
        abstract: "Run one multidraft experiment and write its tidy CSV table.")
    @OptionGroup var options: ExperimentOptions
    func run() throws { try runExperiments([Self.name], options: options, registry: Self.registry) }
}
