import ArgumentParser
import Foundation
import Multidraft
import MultidraftSupport

/// How large a sweep is.
public enum ExperimentScale: String, Sendable, CaseIterable, ExpressibleByArgument {
    /// Seconds: for CI smoke tests.
    case tiny
    /// Minutes for the whole suite on 2 cores: the README's main command.
    case quick
    /// The full sweeps behind the notebooks' conclusions.
    case full
}

/// Options shared by every experiment executable.
public struct ExperimentOptions: ParsableArguments, Sendable {
    @Option(help: "Seed of every random stream.") public var seed: UInt64 = 20_251_122
    @Option(help: "tiny, quick or full.") public var scale: ExperimentScale = .quick
    @Flag(help: "Same as --scale quick.") public var quick = false
    @Flag(help: "Same as --scale full.") public var full = false
    @Option(help: "Folder for the CSV tables.") public var outputDir: String = "results"
    @Option(help: "Worker threads (results do not depend on it).") public var threads: Int = availableCores
    @Option(help: "Run only part i of N (0-based), e.g. 3/8, for a SLURM array or GNU parallel; then --merge.")
    public var shard: String?
    @Flag(help: "Only merge finished parts into the final CSV (after sharded runs).") public var merge = false

    public init() {}

    /// The scale after --quick / --full.
    public var effectiveScale: ExperimentScale { full ? .full : (quick ? .quick : scale) }

    /// (index, count) of the shard, (0, 1) when unsharded.
    package func shardSpec() throws -> Shard {
        guard let shard else { return .whole }
        guard let parsed = Shard(shard) else {
            throw ValidationError("--shard must be i/N with 0 <= i < N, got '\(shard)'")
        }
        return parsed
    }

    public mutating func validate() throws {
        if quick && full { throw ValidationError("--quick and --full exclude each other") }
        if threads < 1 { throw ValidationError("--threads must be >= 1") }
        _ = try shardSpec()
    }
}
