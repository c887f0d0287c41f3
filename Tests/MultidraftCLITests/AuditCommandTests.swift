import Foundation
import Testing
@testable import MultidraftCLI
import Multidraft

/// `multidraft audit`: the verdict table on a correct trace, the per-step file, and the error contract on a
/// malformed trace (one line naming the line, exit 2, nothing on stdout, no file).
@Suite struct AuditCommandTests {
    static func trace(steps: Int, bad: String? = nil) throws -> String {
        let p = [0.4, 0.3, 0.2, 0.1], q = [0.1, 0.2, 0.3, 0.4]
        let verifier = try makeVerifier(
            name: "rrs", target: try Distribution(p), law: try DraftLaw.iid(try Distribution(q), drafts: 2))
        let sampler = verifier.law.makeSampler()
        var rng = Xoshiro256(seed: 3)
        var lines = ["{\"format\": \"multidraft-trace\", \"version\": 1, \"vocab_size\": 4, \"law\": \"iid\"}"]
        let pj = "[0.4,0.3,0.2,0.1]", qj = "{\"indices\": [3, 2, 1, 0], \"values\": [0.4, 0.3, 0.2, 0.1], \"rest\": 0}"
        for s in 0..<steps {
            let d = sampler.sample(using: &rng)
            let y = verifier.verify(d, using: &rng).token
            lines.append(
                "{\"context\": \(s % 7), \"step\": \(s), \"drafts\": [[\(d[0])], [\(d[1])]], \"q\": [[\(qj)], [\(qj)]], \"p\": [[\(pj)], [\(pj)]], \"emitted\": [\(y)]}"
            )
        }
        if let bad { lines.insert(bad, at: 3) }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("audit-\(UUID().uuidString).jsonl")
            .path
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func verdictOnACorrectTrace() throws {
        let path = try Self.trace(steps: 3000)
        let perStep = path + ".steps.csv"
        let r = try CLI.run(["audit", "--trace", path, "--expect", "rrs,kseq", "--output", perStep])
        #expect(r.status == 0 && r.stderr.isEmpty, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines[0] == TraceAudit.Row.header.joined(separator: ","))
        #expect(lines.contains { $0.hasPrefix("output_law,") && $0.hasSuffix(",pass") })
        #expect(lines.contains { $0.hasPrefix("draft_law,") && $0.hasSuffix(",pass") })
        #expect(lines.contains { $0.hasPrefix("root_acceptance,") && $0.hasSuffix("consistent with rrs") })
        #expect(lines.contains { $0.hasPrefix("root_acceptance,") && $0.contains(",kseq,") })
        let steps = try String(contentsOfFile: perStep, encoding: .utf8).split(separator: "\n")
        #expect(steps.count == 3001 && steps[0] == "context,step,chains,depth,accepted,emitted")
    }

    /// `--checks output-law` prints the full audit's output_law row alone; its option conflicts are refused.
    @Test func outputLawAlone() throws {
        let path = try Self.trace(steps: 2000)
        let full = try CLI.run(["audit", "--trace", path])
        let alone = try CLI.run(["audit", "--trace", path, "--checks", "output-law", "--threads", "1"])
        #expect(alone.status == 0 && alone.stderr.isEmpty, "\(alone.stderr)")
        let row = full.stdout.split(separator: "\n").first { $0.hasPrefix("output_law,") }
        #expect(
            alone.stdout == TraceAudit.Row.header.joined(separator: ",") + "\n" + (row.map(String.init) ?? "?") + "\n")
        for (extra, message) in [
            (["--checks", "draft-law"], "--checks must be all or output-law, got 'draft-law'"),
            (["--checks", "output-law", "--expect", "rrs"], "--expect needs --checks all"),
            (["--checks", "output-law", "--output", path + ".steps"], "--output (per-step rows) needs --checks all")
        ] {
            let r = try CLI.run(["audit", "--trace", path] + extra)
            #expect(r.status == 2 && r.stdout.isEmpty && r.stderr == "error: \(message)\n", "\(r.stderr)")
        }
    }

    @Test func malformedTraceIsOneLine() throws {
        let path = try Self.trace(
            steps: 50,
            bad:
                "{\"context\": 1, \"step\": 2, \"drafts\": [[0]], \"q\": [[[1,0,0,0]]], \"p\": [[[0.5,0.5,0.5,0]]], \"emitted\": [0]}"
        )
        let out = path + ".summary.csv"
        let r = try CLI.run(["audit", "--trace", path, "--summary", out])
        #expect(r.status == 2 && r.stdout.isEmpty)
        #expect(r.stderr == "error: \(path): line 4: p[0][0] sums to 1.5, not 1 (tolerance 0.001)\n", "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
        let skipped = try CLI.run(["audit", "--trace", path, "--skip-invalid"])
        #expect(skipped.status == 0 && skipped.stderr.contains("skipped") && skipped.stderr.contains("line 4"))
        let missing = try CLI.run(["audit", "--trace", path + ".absent"])
        #expect(
            missing.status == 2 && missing.stderr.hasPrefix("error: ")
                && missing.stderr.split(separator: "\n").count == 1)
        let unknown = try CLI.run(["audit", "--trace", path, "--expect", "nosuch"])
        #expect(unknown.status == 2 && unknown.stdout.isEmpty)
    }
}
