import Foundation
import Testing
@testable import ExperimentSupport

/// Every experiment at tiny scale, run by the built `multidraft-experiments` executable: once with `--threads 1`,
/// and once in three shards (`--shard i/3`, `--threads 2`, one process each) merged by a fourth process. Every table
/// has a tidy header and rows, no table exists before the merge, and the two tables are identical in every column
/// except the timing columns. Separate processes hash with different seeds, so a sum over a `Set` or a `Dictionary`
/// in iteration order shows up here even when one process is consistent with itself.
@Suite(.serialized) struct CrossProcessDeterminismTests {
    static let executable: URL? = {
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("multidraft-experiments")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        return nil
    }()

    /// Starts the suite in a new process (not waiting for it).
    func startSuite(_ arguments: [String], into folder: String) throws -> Process {
        let process = Process()
        process.executableURL = try #require(Self.executable, "multidraft-experiments is not built")
        process.arguments = ["--scale", "tiny", "--output-dir", folder] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    func runSuite(_ arguments: [String], into folder: String) throws -> Int32 {
        let process = try startSuite(arguments, into: folder)
        process.waitUntilExit()
        return process.terminationStatus
    }

    @Test func everyExperimentIsIdenticalForOneThreadAndForThreeShardsOnTwoThreads() throws {
        let runner = ExperimentRunnerTests()
        let one = runner.folder(), sharded = runner.folder()
        // The one-thread run beside the shards (they write to different folders).
        let single = try startSuite(["--threads", "1"], into: one)
        for i in 0..<3 { #expect(try runSuite(["--threads", "2", "--shard", "\(i)/3"], into: sharded) == 0) }
        single.waitUntilExit()
        #expect(single.terminationStatus == 0)
        for name in allExperiments.map(\.name) {
            #expect(
                !FileManager.default.fileExists(atPath: "\(sharded)/\(name).csv"), "\(name) written before the merge")
        }
        #expect(try runSuite(["--threads", "2", "--merge"], into: sharded) == 0)
        for name in allExperiments.map(\.name) {
            let reference = try runner.stripTiming("\(one)/\(name).csv")
            let header = reference.split(separator: "\n").first.map(String.init) ?? ""
            #expect(header.hasPrefix("item,seed,multidraft_version,"), "\(name): \(header)")
            #expect(header == header.lowercased() && !header.contains(" "), "\(name): \(header)")
            #expect(reference.split(separator: "\n").count > 1, "\(name) has no rows")
            #expect(
                try runner.stripTiming("\(sharded)/\(name).csv") == reference,
                "\(name) differs between one thread and three shards on two threads")
        }
    }
}
