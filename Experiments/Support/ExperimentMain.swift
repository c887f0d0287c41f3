import ArgumentParser
import Foundation
import Multidraft

/// Every experiment, in suite order.
public let allExperiments: [(name: String, run: (ExperimentOptions) throws -> Void)] = [
    (AcceptanceExperiment.name, { try ExperimentRunner.run(AcceptanceExperiment.self, options: $0) }),
    (ImportanceSweepExperiment.name, { try ExperimentRunner.run(ImportanceSweepExperiment.self, options: $0) }),
    (ImportanceTableExperiment.name, { try ExperimentRunner.run(ImportanceTableExperiment.self, options: $0) }),
    (KSeqRatioExperiment.name, { try ExperimentRunner.run(KSeqRatioExperiment.self, options: $0) }),
    (MarkovThresholdExperiment.name, { try ExperimentRunner.run(MarkovThresholdExperiment.self, options: $0) }),
    (ScalingExperiment.name, { try ExperimentRunner.run(ScalingExperiment.self, options: $0) }),
    (AuditExperiment.name, { try ExperimentRunner.run(AuditExperiment.self, options: $0) }),
    (CandidateLengthSweep.name, { try ExperimentRunner.run(CandidateLengthSweep.self, options: $0) }),
    (OptimalVerifierExperiment.name, { try ExperimentRunner.run(OptimalVerifierExperiment.self, options: $0) }),
]

/// Runs the named experiments with shared options, printing one progress line each; errors become one line on
/// stderr and exit status 2.
public func runExperiments(_ names: [String], options: ExperimentOptions) throws {
    do {
        try FileManager.default.createDirectory(atPath: options.outputDir, withIntermediateDirectories: true)
        for name in names {
            guard let experiment = allExperiments.first(where: { $0.name == name }) else {
                throw ValidationError("unknown experiment '\(name)' (known: \(allExperiments.map(\.name).joined(separator: ", ")))")
            }
            let watch = Stopwatch()
            try experiment.run(options)
            let where_ = options.shard == nil || options.merge ? "\(options.outputDir)/\(name).csv" : "parts of \(name) (shard \(options.shard!))"
            FileHandle.standardError.write(Data(String(format: "%@: wrote %@ in %.1f s\n", name, where_, watch.elapsedMilliseconds / 1000).utf8))
        }
    } catch let error as ValidationError {
        throw error
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode(2)
    }
}

/// The entry point of a single-experiment executable: parses the shared options and runs experiment `name`.
public func experimentMain(_ name: String) {
    struct Command: ParsableCommand {
        static var experimentName = ""
        static let configuration = CommandConfiguration(abstract: "Run one multidraft experiment and write its tidy CSV table.")
        @OptionGroup var options: ExperimentOptions
        func run() throws { try runExperiments([Command.experimentName], options: options) }
    }
    Command.experimentName = name
    Command.main()
}
