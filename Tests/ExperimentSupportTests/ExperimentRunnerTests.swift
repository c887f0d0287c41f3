import ArgumentParser
import Foundation
import Multidraft
import Testing
@testable import ExperimentSupport

/// The runner at tiny scale: resume, merge refusals, shard specifications. Headers, determinism across thread
/// counts and sharding + merge of every experiment are checked across processes (``CrossProcessDeterminismTests``).
@Suite(.serialized) struct ExperimentRunnerTests {
    static let timingColumns: Set<String> = [
        "elapsed_ms", "trials_per_second", "setup_ms", "dual_ms", "setup_over_dual"
    ]

    func options(_ arguments: [String]) throws -> ExperimentOptions {
        try ExperimentOptions.parse(["--scale", "tiny"] + arguments)
    }

    func folder() -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("multidraft-exp-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    /// The CSV without its timing columns.
    func stripTiming(_ path: String) throws -> String {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        let header = lines[0].split(separator: ",").map(String.init)
        let keep = header.indices.filter { !Self.timingColumns.contains(header[$0]) }
        return lines.map { line in
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return keep.map { cells[$0] }.joined(separator: ",")
        }.joined(separator: "\n")
    }

    /// A resumed run keeps finished parts: a part file marked by hand survives a second run into the final table.
    @Test func resumedRunsSkipFinishedParts() throws {
        let out = folder()
        try runExperiments(["kseq_ratio"], options: try options(["--output-dir", out]))
        let parts = try FileManager.default.subpathsOfDirectory(atPath: "\(out)/.parts").filter {
            $0.hasSuffix("item-000000.csv")
        }
        let part = "\(out)/.parts/\(try #require(parts.first))"
        let original = try String(contentsOfFile: part, encoding: .utf8)
        let marked = original.replacingOccurrences(of: ",random,", with: ",resumed,")
        #expect(marked != original)
        try marked.write(toFile: part, atomically: true, encoding: .utf8)
        try runExperiments(["kseq_ratio"], options: try options(["--output-dir", out]))
        let table = try String(contentsOfFile: "\(out)/kseq_ratio.csv", encoding: .utf8)
        #expect(table.contains(",resumed,"))
    }

    @Test func mergeBeforeEveryShardIsDoneFails() throws {
        let out = folder()
        try runExperiments(["scaling"], options: try options(["--output-dir", out, "--shard", "0/2"]))
        #expect(throws: (any Error).self) {
            try runExperiments(["scaling"], options: try options(["--output-dir", out, "--merge"]))
        }
        #expect(!FileManager.default.fileExists(atPath: "\(out)/scaling.csv"))
    }

    @Test func badShardSpecIsRejected() {
        #expect(throws: (any Error).self) { try ExperimentOptions.parse(["--shard", "3/2"]) }
        #expect(throws: (any Error).self) { try ExperimentOptions.parse(["--shard", "x"]) }
        #expect(throws: (any Error).self) { try ExperimentOptions.parse(["--quick", "--full"]) }
    }
}

/// The audit compares the verifiers of the registry it is given: a user's entry gets rows like the toolkit's.
@Test func auditRunsARegisteredUserVerifier() throws {
    let entry = VerifierRegistry.Entry(name: "user-naive", laws: [.iid], summary: "a user's copy of naive") {
        try NaiveVerifier(target: $0, law: $1)
    }
    let registry = try VerifierRegistry.standard.registering(entry)
    let item = AuditExperiment.items(scale: .tiny)[0]
    var rng = Xoshiro256(seed: 1)
    let context = ExperimentContext(index: 0, scale: .tiny, threads: 1, seed: 1, registry: registry)
    let rows = try AuditExperiment.rows(for: item, context: context, rng: &rng)
    let verifierColumn = try #require(AuditExperiment.header.firstIndex(of: "verifier"))
    let names = rows.map { "\($0[verifierColumn])" }
    #expect(names.contains { $0.contains("user-naive") }, "\(names)")
    var plainRNG = Xoshiro256(seed: 1)
    let plain = try AuditExperiment.rows(
        for: item, context: ExperimentContext(index: 0, scale: .tiny, threads: 1, seed: 1), rng: &plainRNG)
    #expect(rows.count == plain.count + 1)
}
