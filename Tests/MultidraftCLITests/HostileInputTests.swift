import Foundation
import Multidraft
import Testing
import MultidraftIO

/// Every hostile input of issue 15's list, as a test: crashes, silent wrong answers, parse errors, files,
/// determinism and unbounded work. Each run must keep the contract (``CLIContract``) and give the stated result.
@Suite struct HostileInputTests {
    let folder = CLI.temporaryFolder()
    let p3 = "0.5,0.3,0.2", q3 = "0.2,0.3,0.5"

    func file(_ name: String, _ text: String) -> String {
        let path = folder.appendingPathComponent(name).path
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return path
    }

    /// Runs and checks the contract; `outputs` are the files the run was asked to write.
    @discardableResult
    func run(
        _ arguments: [String], outputs: [String] = [], sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> CLI.Result {
        let r = try CLI.run(arguments)
        let broken = CLIContract.violations(r, outputs: outputs)
        #expect(broken.isEmpty, "\(arguments.joined(separator: " ")): \(broken)", sourceLocation: sourceLocation)
        #expect(CLIContract.temporaries(in: folder).isEmpty, sourceLocation: sourceLocation)
        return r
    }

    /// A refusal: exit 2 and a message holding every fragment.
    func refused(
        _ arguments: [String], _ fragments: String..., outputs: [String] = [],
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let r = try run(arguments, outputs: outputs, sourceLocation: sourceLocation)
        #expect(r.status == 2, "\(arguments.joined(separator: " ")) exited \(r.status)", sourceLocation: sourceLocation)
        for f in fragments {
            #expect(r.stderr.contains(f), "'\(f)' missing from: \(r.stderr)", sourceLocation: sourceLocation)
        }
    }

    /// A success: exit 0 and the one-row CSV as a dictionary.
    func row(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: String] {
        let r = try run(arguments, sourceLocation: sourceLocation)
        #expect(r.status == 0, "\(arguments.joined(separator: " ")): \(r.stderr)", sourceLocation: sourceLocation)
        return CLI.row(r.stdout)
    }

    // MARK: crashes

    @Test func hugeCountsAreRefusedBeforeAllocation() throws {
        let max = String(Int.max)
        try refused(
            [
                "simulate", "--verifier", "rrs", "--target", p3, "--draft", q3, "--trials", "1000", "--seed", "1",
                "--drafts", max
            ], "--drafts must be in 1...")
        try refused(
            [
                "importance", "--truncate", "2", "--target", p3, "--draft", q3, "--draft", q3,
                "--drafts", "4611686018427387906"
            ], "--drafts")
        try refused(
            ["simulate", "--verifier", "rrs", "--target", p3, "--draft", q3, "--trials", max, "--seed", "1"],
            "--max-work")
        let acceptance = file("acceptance.txt", "0.5\n0.7\n0.9\n")
        try refused(
            ["length", "--acceptance", "@" + acceptance, "--t-draft", "1", "--t-target", "10", "--max-length", max],
            "state space too large")
        try refused(
            ["length", "--acceptance", "@" + acceptance, "--t-draft", "1", "--t-target", "10", "--bins", "1000000000"],
            "--bins must be in 1...")
        try refused(
            ["bound", "--target", p3, "--draft", q3, "--law", "iid", "--drafts", "2", "--repeat", "1000000000"],
            "--repeat must be in 1...")
    }

    @Test func npyHeaderClaimingAHugeShapeIsRefused() throws {
        var header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2305843009213693952,), }"
        header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        data.append(contentsOf: [UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)])
        data.append(contentsOf: Array(header.utf8))
        data.append(contentsOf: [UInt8](repeating: 0, count: 16))
        let path = folder.appendingPathComponent("huge.npy").path
        _ = FileManager.default.createFile(atPath: path, contents: data)
        try refused(["bound", "--target", "@" + path, "--draft", "0.5,0.5", "--law", "iid"], "2305843009213693952")
    }

    // MARK: silent wrong answers

    /// Issue 15 saw alpha = 0.0 "optimal" here (the set masses overflowed n! and vanished). Now the LP row must agree
    /// with the dual scan (1.0) to the LP tolerance, `--exact` must confirm it, and the optimal verifier's exact value
    /// must match its Monte Carlo.
    @Test(arguments: [(2, 177), (4, 200)])
    func lpAtLargeDraftCountsAgreesWithTheDualScan(vocabulary: Int, drafts: Int) throws {
        let uniform = Array(repeating: String(1.0 / Double(vocabulary)), count: vocabulary).joined(separator: ",")
        let base = ["bound", "--target", uniform, "--draft", uniform, "--law", "iid", "--drafts", String(drafts)]
        let lp = try row(base + ["--method", "lp", "--exact", "--certificate"])
        let dual = try #require(Double(try row(base + ["--method", "dual"])["alpha"] ?? ""))
        #expect(dual == 1.0)
        #expect(abs((Double(lp["alpha"] ?? "") ?? -1) - dual) <= 1e-8, "\(lp)")
        #expect(lp["exact_confirmed"] == "true" && lp["status"] == "optimal")
        #expect(abs((Double(lp["certificate_value"] ?? "") ?? -1) - dual) <= 1e-8)
        let sim = try row([
            "simulate", "--verifier", "optimal", "--target", uniform, "--draft", uniform,
            "--drafts", String(drafts), "--trials", "1000", "--seed", "1"
        ])
        #expect(abs((Double(sim["exact_acceptance"] ?? "") ?? -1) - 1) <= 1e-8 && sim["acceptance"] == "1.0", "\(sim)")
    }

    @Test func draftCountsBeyondTheSetLawAreRefusedBeforeWork() throws {
        try refused(
            [
                "bound", "--target", "0.1,0.2,0.3,0.4", "--draft", "0.4,0.3,0.2,0.1", "--law", "iid",
                "--drafts", "2147483648", "--method", "lp"
            ], "LP too large", "use fewer drafts")
    }

    @Test func lpRowsAreConfirmedByTheirCertificate() throws {
        let r = try row([
            "bound", "--target", "0.1,0.2,0.3,0.4", "--draft", "0.4,0.3,0.2,0.1", "--law", "independent",
            "--draft", "0.25,0.25,0.25,0.25", "--method", "lp", "--exact", "--certificate"
        ])
        let alpha = try #require(Double(r["alpha"] ?? "")), value = try #require(Double(r["certificate_value"] ?? ""))
        #expect(abs(alpha - value) <= 1e-8 && r["exact_confirmed"] == "true" && r["status"] == "optimal")
    }

    @Test func hugeWeightsAreScaled() throws {
        let law = file("big.txt", "0.5,1e308\n0.7,1e308\n0.9,1e308\n")
        let r = try row(["length", "--acceptance", "@" + law, "--t-draft", "1", "--t-target", "10"])
        #expect(abs((Double(r["mean_acceptance"] ?? "") ?? 0) - 0.7) < 1e-12)
        let same = file("same.txt", "0.5,1\n0.7,1\n0.9,1\n")
        #expect(
            r["threshold"]
                == (try row(["length", "--acceptance", "@" + same, "--t-draft", "1", "--t-target", "10"]))["threshold"])
    }

    @Test func certificateStaysOnAlphaForHugeDraftCounts() throws {
        var rng = Xoshiro256(seed: 15)
        let v = 2_000
        func vector() -> String {
            let w = (0..<v).map { _ in Double(rng.next() >> 11) / Double(1 << 53) + 1e-3 }
            let s = w.reduce(0, +)
            return w.map { String($0 / s) }.joined(separator: "\n")
        }
        let p = file("p.txt", vector()), q = file("q.txt", vector())
        for n in ["100000", "1000000000"] {
            let r = try row([
                "bound", "--target", "@" + p, "--draft", "@" + q, "--law", "iid", "--drafts", n, "--certificate"
            ])
            let alpha = try #require(Double(r["alpha"] ?? "")),
                value = try #require(Double(r["certificate_value"] ?? ""))
            #expect(abs(alpha - value) <= 1e-13, "n = \(n): alpha \(alpha), certificate \(value)")
        }
    }

    @Test func degenerateLengthAndCostInputsAreRefused() throws {
        try refused(["length", "--alpha", "5e-324", "--cost", "0.1"], "overflows")
        let zeros = file("zeros.txt", "0\n0\n0\n")
        try refused(["length", "--acceptance", "@" + zeros, "--t-draft", "1", "--t-target", "10"], "is 0")
        let noTime = file("notime.csv", "draft_calls,target_calls,seconds\n10,1,0\n20,2,0\n30,1,0\n")
        try refused(["fit-cost", "@" + noTime], "seconds is zero in every row")
        let tiny = file("tiny.csv", "1e-300,1,1\n2e-300,2,3\n3e-300,1,2\n")
        let r = try run(["fit-cost", "@" + tiny])
        #expect(!r.stderr.contains("draft_calls is zero"))
    }

    // MARK: the contract for parse errors

    @Test func parseErrorsKeepTheContract() throws {
        let bound = ["bound", "--target", p3, "--draft", q3, "--law", "iid"]
        try refused(["bound", "--draft", q3, "--law", "iid"], "--target") // missing option
        try refused(bound + ["--no-such-option"], "--no-such-option") // unknown option
        try refused(bound + ["--drafts", "2.5"], "2.5")
        try refused(
            ["simulate", "--verifier", "rrs", "--target", p3, "--draft", q3, "--trials", "1e6", "--seed", "1"], "1e6")
        try refused(
            [
                "simulate", "--verifier", "rrs", "--target", p3, "--draft", q3, "--trials", "10",
                "--seed", "18446744073709551616"
            ], "18446744073709551616")
        try refused(bound + ["extra"], "extra") // extra argument
        try refused(["no-such-command"], "no-such-command")
        #expect(try CLI.run([]).status == 0) // no subcommand: the overview, as before
        let help = try CLI.run(["bound", "--help"])
        #expect(help.status == 0 && help.stdout.contains("USAGE") && help.stderr.isEmpty)
        #expect(try CLI.run(["--version"]).status == 0)
    }

    @Test func negativeNumbersAreValues() throws {
        let spaced = try row([
            "bound", "--logits", "--target", "-1,2,3", "--draft", "-2,0.5,1", "--law", "iid", "--drafts", "2"
        ])
        let joined = try row([
            "bound", "--logits", "--target=-1,2,3", "--draft=-2,0.5,1", "--law", "iid", "--drafts", "2"
        ])
        #expect(spaced["alpha"] != nil && spaced["alpha"] == joined["alpha"])
        try refused(["bound", "--target", p3, "--draft", q3, "--law", "iid", "--drafts", "-3"], "-3")
    }

    // MARK: files

    @Test func failedSimulateLeavesNoCountsFile() throws {
        let counts = folder.appendingPathComponent("counts.csv").path
        let out = folder.appendingPathComponent("out.csv").path
        try refused(
            [
                "simulate", "--verifier", "spechub", "--target", p3, "--draft", q3, "--drafts", "3", "--trials", "10",
                "--seed", "1", "--counts-output", counts, "--output", out
            ], outputs: [counts, out])
        try refused(
            [
                "simulate", "--verifier", "rrs", "--target", p3, "--draft", q3, "--trials", "10", "--seed", "1",
                "--counts-output", counts, "--output", folder.appendingPathComponent("missing/out.csv").path
            ],
            "does not exist", outputs: [counts])
    }

    @Test func outputsGoThroughLinksKeepModesAndNeverReplaceSpecialFiles() throws {
        let target = folder.appendingPathComponent("target.csv").path
        let link = folder.appendingPathComponent("link.csv").path
        _ = FileManager.default.createFile(
            atPath: target, contents: Data("old\n".utf8), attributes: [.posixPermissions: 0o640])
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "target.csv")
        try run(["verifiers", "--output", link])
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: link)) == "target.csv")
        #expect(try String(contentsOfFile: target, encoding: .utf8).hasPrefix("verifier,"))
        let mode = try FileManager.default.attributesOfItem(atPath: target)[.posixPermissions] as? Int
        #expect(mode == 0o640)

        let fifo = folder.appendingPathComponent("fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        try refused(["verifiers", "--output", fifo], "FIFO")
        let fifoType = try FileManager.default.attributesOfItem(atPath: fifo)[.type] as? FileAttributeType
        #expect(fifoType != nil && fifoType != .typeRegular, "the FIFO was replaced: \(String(describing: fifoType))")

        let null = try run(["verifiers", "--output", "/dev/null"])
        #expect(null.status == 0 && null.stdout.isEmpty)
        #expect(
            (try FileManager.default.attributesOfItem(atPath: "/dev/null")[.type] as? FileAttributeType)
                == .typeCharacterSpecial)
        if FileManager.default.fileExists(atPath: "/dev/full") {
            try refused(["verifiers", "--output", "/dev/full"], "/dev/full")
            #expect(
                (try FileManager.default.attributesOfItem(atPath: "/dev/full")[.type] as? FileAttributeType)
                    == .typeCharacterSpecial)
        }
    }

    @Test func twoOutputsThatAreOneFileAreRefused() throws {
        let same = folder.appendingPathComponent("same.csv").path
        try refused(
            [
                "simulate", "--verifier", "rrs", "--target", p3, "--draft", q3, "--trials", "10", "--seed", "1",
                "--counts-output", same, "--output", same
            ], "same file", outputs: [same])
        let link = folder.appendingPathComponent("alias.csv").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: same)
        try refused(
            [
                "simulate", "--verifier", "rrs", "--target", p3, "--draft", q3, "--trials", "10", "--seed", "1",
                "--counts-output", same, "--output", link
            ], "same file", outputs: [same])
    }

    @Test func inputFifoWithoutWriterIsRefusedNotWaitedFor() throws {
        let fifo = folder.appendingPathComponent("input.fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        try refused(["bound", "--target", "@" + fifo, "--draft", "0.5,0.5", "--law", "iid"], "no numbers found")
    }

    @Test func embeddedNulIsRefused() throws {
        let path = folder.appendingPathComponent("nul.txt").path
        _ = FileManager.default.createFile(atPath: path, contents: Data("0.2\u{0}garbage\n0.8\n".utf8))
        try refused(["bound", "--target", "@" + path, "--draft", "0.5,0.5", "--law", "iid"], "NUL")
        try refused(["length", "--acceptance", "@" + path, "--t-draft", "1", "--t-target", "10"], "NUL")
    }

    // MARK: determinism across processes and threads

    @Test func exactEnumerationIsTheSameInEveryProcess() throws {
        var values: Set<String> = []
        // Each process hashes with its own seed, so a sum over a Set in iteration order differs between runs.
        let p = "0.1234567891,0.2718281828,0.1414213562,0.0732050808,0.1901885911,0.0999999999,0.0999000001"
        let q = "0.0577215665,0.1618033988,0.3010299957,0.0693147181,0.1098612289,0.1402568019,0.1600122901"
        for threads in ["1", "2", "1", "2", "1", "2"] {
            let r = try row([
                "simulate", "--verifier", "naive", "--law", "without-replacement", "--drafts", "4",
                "--target", p, "--draft", q, "--trials", "2000", "--seed", "7", "--threads", threads
            ])
            values.insert((r["exact_acceptance"] ?? "") + "|" + (r["acceptance"] ?? ""))
        }
        #expect(values.count == 1, "\(values)")
    }

    // MARK: unbounded work and misleading refusals

    @Test func oversizedRunsAreRefusedWithTheirEstimateAndOption() throws {
        try refused(
            [
                "simulate", "--verifier", "rrs", "--target", p3, "--draft", q3, "--seed", "1",
                "--law", "iid", "--drafts", "1000000", "--trials", "100000"
            ], "--max-work")
        try refused(
            [
                "simulate", "--verifier", "rrs", "--target", p3, "--draft", q3, "--trials", "1000000000000000000",
                "--seed", "1"
            ], "--max-work")
        try refused(
            ["length", "--alpha", "1", "--cost", "0.1", "--max-length", "4600000000000000000"],
            "--max-length must be in")
        let acceptance = file("a.txt", "0.1\n0.2\n0.3\n0.4\n0.5\n0.6\n0.7\n0.8\n0.9\n")
        let states = try CLI.run([
            "length", "--acceptance", "@" + acceptance, "--t-draft", "1", "--t-target", "10",
            "--max-length", "1000000000000000000"
        ])
        #expect(states.status == 2 && !states.stderr.contains("inf states"), "\(states.stderr)")

        let big = Array(repeating: String(1.0 / 32_000), count: 32_000).joined(separator: "\n")
        let uniform = file("u32k.txt", big)
        try refused(
            [
                "importance", "--scheme", "lp", "--target", "@" + uniform, "--draft", "@" + uniform,
                "--draft", "@" + uniform
            ], "MB of memory", "--max-memory-mb")
        let r = try CLI.run([
            "importance", "--scheme", "lp", "--target", "@" + uniform, "--draft", "@" + uniform,
            "--draft", "@" + uniform
        ])
        #expect(!r.stderr.contains("--method"))

        let v1400 = file("u1400.txt", Array(repeating: String(1.0 / 1_400), count: 1_400).joined(separator: "\n"))
        let w1400 = file("w1400.txt", (1...1_400).map { String(Double($0) / 980_700) }.joined(separator: "\n"))
        try refused(
            [
                "bound", "--target", "@" + v1400, "--draft", "@" + v1400, "--draft", "@" + w1400,
                "--law", "independent", "--method", "lp"
            ], "LP too large", "--max-lp-variables")
        try refused(
            [
                "bound", "--target", "@" + v1400, "--draft", "@" + v1400, "--draft", "@" + w1400,
                "--law", "independent", "--method", "flow", "--max-flow-arcs", "100000"
            ],
            "draft-set graph too large", "--max-flow-arcs")
    }

    /// The `bound` column comes from the exact scan (iid) or certified submodular minimisation (independent
    /// drafts), equal to `bound`'s own value for the same law.
    @Test func simulateBoundColumnUsesTheExactScanOrSubmodularMinimisation() throws {
        let iid = try row([
            "simulate", "--verifier", "sir", "--target", p3, "--draft", q3, "--trials", "1000", "--seed", "1"
        ])
        let dual = try row(["bound", "--target", p3, "--draft", q3, "--law", "iid", "--drafts", "2", "--method", "dual"]
        )
        #expect(iid["bound"] == dual["alpha"])
        let independent = try row([
            "simulate", "--verifier", "rrs", "--law", "independent", "--target", p3, "--draft", q3,
            "--draft", p3, "--trials", "1000", "--seed", "1"
        ])
        let sfm = try row([
            "bound", "--target", p3, "--draft", q3, "--draft", p3, "--law", "independent", "--method", "sfm"
        ])
        #expect(independent["bound"] == sfm["alpha"] && sfm["alpha"] != nil)
    }

    /// The outside fuzzer's findings of the restructure issue: an estimate too large for Int in a refusal message
    /// (4^1002 draft tuples) trapped; a float32 `.npy` input printed its renormalisation note before a later error.
    @Test func outsideFuzzerFindings() throws {
        // Now it runs (the exact check is skipped with its estimate) instead of trapping.
        let many = try run([
            "simulate", "--verifier", "importance", "--target", "0.1,0.2,0.3,0.4", "--draft",
            "0.4,0.3,0.2,0.1", "--drafts", "1002", "--truncate", "2", "--trials", "2002", "--seed", "3"
        ])
        #expect(many.status == 0 || (many.status == 2 && many.stderr.contains("draft tuples")), "\(many.stderr)")
        let npy = folder.appendingPathComponent("p32.npy").path
        try TensorWriter.npy([0.1, 0.2, 0.3, 0.4], shape: [4], as: .float32).write(to: URL(fileURLWithPath: npy))
        let bad = try run(["bound", "--target", "@" + npy, "--draft", "0.5,0.5", "--drafts", "2", "--law", "iid"])
        #expect(
            bad.status == 2 && bad.stderr.split(separator: "\n").count == 1 && bad.stderr.hasPrefix("error:"),
            "\(bad.stderr)")
        let good = try run([
            "bound", "--target", "@" + npy, "--draft", "0.4,0.3,0.2,0.1", "--drafts", "2", "--law", "iid"
        ])
        #expect(good.status == 0 && good.stderr.hasPrefix("note:"), "\(good.stderr)")
        try refused(
            [
                "block-bound", "--target", Array(repeating: "0.001", count: 1000).joined(separator: ","),
                "--draft", Array(repeating: "0.001", count: 1000).joined(separator: ","), "--drafts", "2",
                "--length", "64"
            ], "variables")
    }
}
