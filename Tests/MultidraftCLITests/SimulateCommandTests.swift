import Multidraft
import Foundation
import Testing

@Suite struct SimulateCommandTests {
    static let header =
        "verifier,law,drafts,vocab,trials,seed,acceptance,std_error,exact_acceptance,bound,chi2_pvalue,elapsed_ms,setup_ms,certified_gap"

    /// toy4 / VD, n = 2: exact acceptance per verifier (test-vectors §2.2) and the bound of its law (§1).
    static let cases: [(String, Double, Double)] = [
        ("rrs", 0.72, 0.79), ("kseq", 0.75, 0.79), ("rrs-without-replacement", 107.0 / 140, 701.0 / 840),
        ("spechub", 23.0 / 30, 23.0 / 30), ("greedy", 23.0 / 30, 23.0 / 30), ("optimal", 0.79, 0.79)
    ]

    @Test(arguments: cases)
    func contractAndValues(verifier: String, exact: Double, bound: Double) throws {
        let r = try CLI.run([
            "simulate", "--verifier", verifier, "--target", "0.1,0.2,0.3,0.4", "--draft", "0.4,0.3,0.2,0.1",
            "--drafts", "2", "--trials", "100000", "--seed", "11"
        ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix(Self.header + "\n"))
        let row = CLI.row(r.stdout)
        let acceptance = Double(row["acceptance"]!)!, se = Double(row["std_error"]!)!
        #expect(abs(Double(row["exact_acceptance"]!)! - exact) < 1e-9)
        #expect(abs(Double(row["bound"]!)! - bound) < 1e-9)
        #expect(abs(acceptance - exact) < 5 * se)
        #expect(Double(row["chi2_pvalue"]!)! > 1e-4)
        #expect(row["trials"] == "100000" && row["seed"] == "11" && row["vocab"] == "4")
    }

    /// Every column but the timings is identical for 1 and 2 threads (kseq on a toy instance; the optimal verifier at
    /// V = 3,000, whose setup fits blocks in parallel).
    @Test func sameSeedSameNumbersForAnyThreadCount() throws {
        let folder = CLI.temporaryFolder()
        var rng = Xoshiro256(seed: 17)
        let logits = Distribution.zipfLogits(3000, using: &rng)
        let p = try Distribution(logits: logits, temperature: 1)
        let q = try Distribution(logits: logits.map { $0 + Distribution.gaussian(using: &rng) }, temperature: 1)
        let pFile = folder.appendingPathComponent("p.txt").path, qFile = folder.appendingPathComponent("q.txt").path
        try p.probabilities.map { "\($0)" }.joined(separator: "\n").write(
            toFile: pFile, atomically: true, encoding: .utf8)
        try q.probabilities.map { "\($0)" }.joined(separator: "\n").write(
            toFile: qFile, atomically: true, encoding: .utf8)
        func run(_ arguments: [String], threads: String) throws -> [String: String] {
            let r = try CLI.run(["simulate"] + arguments + ["--seed", "5", "--threads", threads])
            let lines = r.stdout.split(separator: "\n")
            var row = Dictionary(
                uniqueKeysWithValues: zip(
                    lines[0].split(separator: ",").map(String.init),
                    lines[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)))
            row["elapsed_ms"] = nil
            row["setup_ms"] = nil
            return row
        }
        for arguments in [
            [
                "--verifier", "kseq", "--target", "0.5,0.3,0.2", "--draft", "0.2,0.3,0.5", "--drafts", "3", "--trials",
                "300000"
            ],
            [
                "--verifier", "optimal", "--target", "@" + pFile, "--draft", "@" + qFile, "--drafts", "4", "--trials",
                "200000"
            ]
        ] {
            let one = try run(arguments, threads: "1"), two = try run(arguments, threads: "2")
            #expect(one == two, "\(arguments[1])")
            #expect(one.count == Self.header.split(separator: ",").count - 2)
        }
    }

    @Test func countsOutput() throws {
        let folder = CLI.temporaryFolder()
        let counts = folder.appendingPathComponent("counts.csv")
        let r = try CLI.run([
            "simulate", "--verifier", "rrs", "--target", "0.5,0.5", "--draft", "0.9,0.1", "--trials", "1000",
            "--seed", "1", "--counts-output", counts.path
        ])
        #expect(r.status == 0)
        let lines = try String(contentsOf: counts, encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "token,count,expected" && lines.count == 3)
        #expect(lines.dropFirst().map { Int($0.split(separator: ",")[1])! }.reduce(0, +) == 1000)
    }

    @Test(
        arguments: [
            (["--verifier", "magic", "--trials", "10", "--seed", "1"], "unknown verifier"),
            (["--verifier", "kseq", "--law", "greedy", "--trials", "10", "--seed", "1"], "greedy"),
            (["--verifier", "spechub", "--drafts", "3", "--trials", "10", "--seed", "1"], "2"),
            (["--verifier", "rrs", "--trials", "0", "--seed", "1"], "trials"),
            (["--verifier", "rrs", "--trials", "-5", "--seed", "1"], "trials")
        ] as [([String], String)])
    func badInputs(arguments: [String], message: String) throws {
        let folder = CLI.temporaryFolder()
        let out = folder.appendingPathComponent("never.csv")
        let r = try CLI.run(
            ["simulate", "--target", "0.5,0.3,0.2", "--draft", "0.2,0.3,0.5"] + arguments + ["--output", out.path])
        #expect(r.status != 0)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains(message), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test func listsVerifiers() throws {
        let r = try CLI.run(["verifiers"])
        #expect(r.status == 0)
        for name in ["single", "rrs", "rrs-without-replacement", "kseq", "spechub", "greedy", "sir", "optimal"] {
            #expect(r.stdout.contains("\n\(name),"), "\(name)")
        }
    }
}

@Suite struct LengthCommandTests {
    /// test-vectors §7: alpha = 0.8, c = 0.1 → K* = 6, f(K*) = 2.46964, h* = 0.691295.
    @Test func leviathanRow() throws {
        let r = try CLI.run(["length", "--alpha", "0.8", "--cost", "0.1"])
        #expect(r.status == 0 && r.stdout.hasPrefix("alpha,cost,best_length,improvement,threshold"))
        let row = CLI.row(r.stdout)
        #expect(row["best_length"] == "6")
        #expect(abs(Double(row["improvement"]!)! - 2.46964) < 1e-12)
        #expect(abs(Double(row["threshold"]!)! - 0.691295) < 1e-12)
    }

    /// test-vectors §8.1, model M1: λ* = 0.450203486269, h* = 0.458239559525.
    @Test func acceptanceFileRow() throws {
        let folder = CLI.temporaryFolder()
        let file = folder.appendingPathComponent("m1.csv")
        try "0.95,0.8\n0.3,0.2\n".write(to: file, atomically: true, encoding: .utf8)
        let r = try CLI.run([
            "length", "--acceptance", "@" + file.path, "--t-draft", "0.2", "--t-target", "1", "--max-length", "20"
        ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(
            r.stdout.hasPrefix("time_per_token,threshold,expected_length,speedup,best_fixed_length,best_fixed_speedup"))
        let row = CLI.row(r.stdout)
        #expect(abs(Double(row["time_per_token"]!)! - 0.450203486269) < 1e-9)
        #expect(abs(Double(row["threshold"]!)! - 0.458239559525) < 1e-9)
        #expect(row["best_fixed_length"] == "4")
    }

    @Test func fitCost() throws {
        let folder = CLI.temporaryFolder()
        let file = folder.appendingPathComponent("runs.csv")
        // seconds = 0.02 · draft + 0.1 · target exactly
        try "draft_calls,target_calls,seconds\n100,30,5\n200,50,9\n50,40,5\n".write(
            to: file, atomically: true, encoding: .utf8)
        let r = try CLI.run(["fit-cost", "@" + file.path])
        #expect(r.status == 0, "\(r.stderr)")
        let row = CLI.row(r.stdout)
        #expect(abs(Double(row["t_draft"]!)! - 0.02) < 1e-9 && abs(Double(row["t_target"]!)! - 0.1) < 1e-9)
        #expect(abs(Double(row["r_squared"]!)! - 1) < 1e-9)
        let singular = folder.appendingPathComponent("singular.csv")
        try "1,2,3\n2,4,6\n3,6,9\n".write(to: singular, atomically: true, encoding: .utf8)
        let bad = try CLI.run(["fit-cost", "@" + singular.path])
        #expect(bad.status != 0 && bad.stdout.isEmpty && bad.stderr.hasPrefix("error: "))
    }

    @Test(arguments: [
        ["length", "--alpha", "1.5", "--cost", "0.1"], ["length", "--alpha", "0.8", "--cost", "0"],
        ["length", "--alpha", "0.8", "--cost", "-1"],
        ["length", "--acceptance", "@/nonexistent", "--t-draft", "1", "--t-target", "1"],
        ["fit-cost", "@/nonexistent"], ["length", "--alpha", "0.8", "--cost", "0.1", "--max-length", "0"]
    ])
    func badInputs(arguments: [String]) throws {
        let r = try CLI.run(arguments)
        #expect(r.status != 0 && r.stdout.isEmpty && r.stderr.hasPrefix("error: "), "\(arguments): \(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1)
    }
}
