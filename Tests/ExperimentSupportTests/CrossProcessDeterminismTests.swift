import Foundation
import Testing
@testable import ExperimentSupport

/// The determinism test of ``ExperimentRunnerTests`` across processes: the whole suite at tiny scale run by the
/// built `multidraft-experiments` executable twice, with `--threads 1` and `--threads 2`, must give the same CSV in
/// every column except the timing columns. Two processes hash with different seeds, so a sum over a `Set` or a
/// `Dictionary` in iteration order shows up here even when one process is consistent with itself.
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

    func runSuite(threads: Int, into folder: String) throws -> Int32 {
        let process = Process()
        process.executableURL = try #require(Self.executable, "multidraft-experiments is not built")
        process.arguments = ["--scale", "tiny", "--output-dir", folder, "--threads", String(threads)]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    @Test func everyExperimentIsIdenticalForOneAndTwoThreadsInSeparateProcesses() throws {
        let runner = ExperimentRunnerTests()
        let one = runner.folder(), two = runner.folder()
        #expect(try runSuite(threads: 1, into: one) == 0)
        #expect(try runSuite(threads: 2, into: two) == 0)
        for name in allExperiments.map(\.name) {
            let reference = try runner.stripTiming("\(one)/\(name).csv")
            #expect(reference.split(separator: "\n").count > 1, "\(name) has no rows")
            #expect(try runner.stripTiming("\(two)/\(name).csv") == reference, "\(name) differs between 1 and 2 threads")
        }
    }
}
