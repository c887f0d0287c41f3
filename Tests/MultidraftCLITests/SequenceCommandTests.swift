import Foundation
import Testing
@testable import MultidraftCLI
import Multidraft

/// `tree-design` and `block-efficiency`: the exact contracts of the issue, values checked against closed forms,
/// and clean refusals.
@Suite struct SequenceCommandTests {
    static func file(_ name: String, _ text: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("multidraft-seq-\(UUID().uuidString)")
            .path
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/" + name
        try! text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func treeDesignContract() throws {
        let acceptance = Self.file("a.txt", "0.8\n0.5\n0.3\n")
        let zero = CLI.row(try CLI.run(["tree-design", "--acceptance", "@" + acceptance, "--budget", "0"]).stdout)
        #expect(zero["budget"] == "0" && zero["expected_tokens"] == "1.0" && zero["tree"] == "-1")
        let r = try CLI.run(["tree-design", "--acceptance", "@" + acceptance, "--budget", "6"])
        #expect(r.status == 0 && r.stdout.hasPrefix("budget,expected_tokens,tree,"))
        let row = CLI.row(r.stdout)
        let parents = row["tree"]!.split(separator: " ").map { Int($0)! }
        let tree = DraftTree(parents: parents)
        let vector = try SiblingAcceptance(conditional: [0.8, 0.5, 0.3])
        #expect(abs(tree.expectedTokens(vector) - Double(row["expected_tokens"]!)!) < 1e-12)
        #expect(Double(row["expected_tokens"]!)! >= Double(row["chain_expected_tokens"]!)! - 1e-12)
        // Unconditional input: the same vector stored as P(sibling i is accepted) gives the same design.
        let u = Self.file("u.txt", "0.8\n0.1\n0.03\n")
        let ru = CLI.row(
            try CLI.run(["tree-design", "--acceptance", "@" + u, "--budget", "6", "--unconditional"]).stdout)
        #expect(abs(Double(ru["expected_tokens"]!)! - Double(row["expected_tokens"]!)!) < 1e-12)
        let timed = CLI.row(
            try CLI.run([
                "tree-design", "--acceptance", "@" + acceptance, "--budget", "6",
                "--t-draft", "0.1", "--t-target", "1"
            ]).stdout)
        #expect(
            abs(
                Double(timed["tokens_per_second"]!)! * (1 + 0.1 * Double(timed["depth"]!)!) - Double(
                    timed["expected_tokens"]!)!) < 1e-12)
        // From a (p, q) pair: recursive rejection's vector, a_1 = Σ min(p, q) = 0.7 here, so a chain of 1 gives 1.7.
        let rrs = CLI.row(
            try CLI.run(["tree-design", "--target", "0.5,0.3,0.2", "--draft", "0.2,0.3,0.5", "--budget", "1"]).stdout)
        #expect(abs(Double(rrs["expected_tokens"]!)! - 1.7) < 1e-12)
        for (arguments, fragment) in [
            (["--budget", "3"], "give --acceptance"),
            (["--acceptance", "@" + Self.file("bad.txt", "0.5\n1.2\n"), "--budget", "3"], "not a probability"),
            (["--acceptance", "@" + Self.file("sum.txt", "0.7\n0.6\n"), "--budget", "3", "--unconditional"], "sum to"),
            (["--acceptance", "@" + Self.file("empty.txt", "\n"), "--budget", "3"], "--acceptance"),
            (["--acceptance", "@" + acceptance, "--budget", "-1"], "--budget"),
            (["--acceptance", "@" + acceptance, "--budget", "5", "--t-draft", "1"], "go together"),
            (["--acceptance", "@" + acceptance, "--budget", "90000"], "DP steps")
        ] {
            let e = try CLI.run(["tree-design"] + arguments)
            #expect(e.status == 2 && e.stdout.isEmpty && e.stderr.contains(fragment), "\(arguments): \(e.stderr)")
        }
    }

    @Test func blockEfficiencyContract() throws {
        let r = try CLI.run([
            "block-efficiency", "--target", "0.5,0.3,0.2", "--draft", "0.2,0.3,0.5", "--law", "iid",
            "--drafts", "1", "--length", "4", "--verifier", "rrs"
        ])
        #expect(r.status == 0 && r.stdout.hasPrefix("drafts,length,verifier,"))
        let row = CLI.row(r.stdout)
        #expect(abs(Double(row["block_efficiency"]!)! - Double(row["leviathan"]!)!) < 1e-12 && row["method"] == "exact")
        let mc = CLI.row(
            try CLI.run([
                "block-efficiency", "--target", "0.5,0.3,0.2", "--draft", "0.2,0.3,0.5",
                "--drafts", "3", "--length", "3", "--verifier", "kseq", "--trials", "50000",
                "--seed", "4"
            ]).stdout)
        #expect(abs(Double(mc["z_score"]!)!) < 5)
        let markov = Self.file(
            "m.txt", "0.6,0.3,0.1\n0.2,0.5,0.3\n0.1,0.1,0.8\n0.3,0.4,0.3\n0.3,0.3,0.4\n0.2,0.2,0.6\n")
        let m = try CLI.run([
            "block-efficiency", "--target", "0.5,0.3,0.2", "--draft", "0.2,0.3,0.5", "--drafts", "2",
            "--length", "3", "--verifier", "optimal", "--model", "markov:@" + markov
        ])
        #expect(m.status == 0 && CLI.row(m.stdout)["model"] == "markov", "\(m.stderr)")
        for (arguments, fragment) in [
            (["--model", "markov:@" + Self.file("short.txt", "0.5,0.5,0\n")], "expected 6 rows"),
            (["--model", "other"], "--model"),
            (["--law", "greedy"], "--law"),
            (["--verifier", "spechub"], "does not support")
        ] {
            var a = [
                "block-efficiency", "--target", "0.5,0.3,0.2", "--draft", "0.2,0.3,0.5", "--drafts", "2", "--length",
                "2",
                "--verifier", "rrs"
            ]
            if let k = a.firstIndex(of: arguments[0]) { a[k + 1] = arguments[1] } else { a += arguments }
            let e = try CLI.run(a)
            #expect(e.status == 2 && e.stdout.isEmpty && e.stderr.contains(fragment), "\(arguments): \(e.stderr)")
        }
        let big = Array(repeating: String(1.0 / 60), count: 60).joined(separator: ",")
        let e = try CLI.run([
            "block-efficiency", "--target", big, "--draft", big, "--drafts", "6", "--length", "2",
            "--verifier", "rrs"
        ])
        #expect(e.status == 2 && e.stderr.contains("exact recursion needs about"))
    }

    /// `block-bound`: the exact header, Sun et al.'s example (1 + 11/9 for one chain, certified), γ = 1 equal to
    /// `bound`'s alpha*, and one-line refusals.
    @Test func blockBoundContract() throws {
        let sun = [
            "--target", "0.3333333333333333,0.6666666666666667", "--draft", "0.6666666666666667,0.3333333333333333"
        ]
        let r = try CLI.run(["block-bound"] + sun + ["--drafts", "1", "--length", "2"])
        #expect(
            r.status == 0
                && r.stdout.hasPrefix(
                    "drafts,length,model,vocab,block_efficiency_bound,lower,upper,gap,nodes,rounds,cuts,single_chain,elapsed_ms\n"
                ))
        let row = CLI.row(r.stdout)
        for column in ["block_efficiency_bound", "lower", "upper", "single_chain"] {
            #expect(abs(Double(row[column]!)! - (1 + 11.0 / 9)) < 1e-12, "\(column): \(row[column]!)")
        }
        let two = CLI.row(
            try CLI.run([
                "block-bound", "--target", "0.5,0.3,0.2", "--draft", "0.2,0.3,0.5", "--drafts", "3",
                "--length", "1"
            ]).stdout)
        let alpha = CLI.row(
            try CLI.run([
                "bound", "--target", "0.5,0.3,0.2", "--draft", "0.2,0.3,0.5", "--drafts", "3",
                "--law", "iid"
            ]).stdout)
        #expect(abs(Double(two["upper"]!)! - 1 - Double(alpha["alpha"]!)!) < 1e-12)
        let block = CLI.row(
            try CLI.run(["block-efficiency"] + sun + ["--drafts", "1", "--length", "2", "--verifier", "block"]).stdout)
        #expect(abs(Double(block["exact"]!)! - (1 + 11.0 / 9)) < 1e-12)
        let markov = Self.file(
            "bb.txt", "0.6,0.3,0.1\n0.2,0.5,0.3\n0.1,0.1,0.8\n0.3,0.4,0.3\n0.3,0.3,0.4\n0.2,0.2,0.6\n")
        let m = try CLI.run([
            "block-bound", "--target", "0.5,0.3,0.2", "--draft", "0.2,0.3,0.5", "--drafts", "2",
            "--length", "2", "--model", "markov:@" + markov
        ])
        #expect(
            m.status == 0 && CLI.row(m.stdout)["model"] == "markov" && Double(CLI.row(m.stdout)["gap"]!)! < 1e-9,
            "\(m.stderr)")
        for (arguments, fragment) in [
            (["--drafts", "0"], "--drafts"),
            (["--length", "0"], "--length"),
            (["--model", "markov:@" + Self.file("bbshort.txt", "0.5,0.5,0\n")], "expected 6 rows"),
            (
                [
                    "--model",
                    "markov:@"
                        + Self.file(
                            "bbsum.txt",
                            "0.6,0.3,0.3\n0.2,0.5,0.3\n0.1,0.1,0.8\n0.3,0.4,0.3\n0.3,0.3,0.4\n0.2,0.2,0.6\n")
                ], "row 1"
            ),
            (["--length", "12"], "variables"),
            (["--max-variables", "10"], "more than --max-variables 10")
        ] {
            var a = [
                "block-bound", "--target", "0.5,0.3,0.2", "--draft", "0.2,0.3,0.5", "--drafts", "2", "--length", "2"
            ]
            if let k = a.firstIndex(of: arguments[0]) { a[k + 1] = arguments[1] } else { a += arguments }
            let e = try CLI.run(a)
            #expect(
                e.status == 2 && e.stdout.isEmpty && e.stderr.contains(fragment)
                    && e.stderr.split(separator: "\n").count == 1, "\(arguments): \(e.stderr)")
        }
        let e = try CLI.run(["block-efficiency"] + sun + ["--drafts", "2", "--length", "2", "--verifier", "block"])
        #expect(e.status == 2 && e.stdout.isEmpty && e.stderr.contains("--drafts must be 1"))
    }

    /// `block-efficiency --verifier select-block`: equal to block verification at K = 1, below the block LP, Monte
    /// Carlo within 5σ, alpha* at L = 1; refusals. `block-lp`: the LP's value; refusals; a seed above Int.max.
    @Test func selectBlockContract() throws {
        let pq = ["--target", "0.5,0.3,0.2", "--draft", "0.2,0.3,0.5"]
        let one = CLI.row(
            try CLI.run(["block-efficiency"] + pq + ["--drafts", "1", "--length", "3", "--verifier", "select-block"])
                .stdout)
        let bv = CLI.row(
            try CLI.run(["block-efficiency"] + pq + ["--drafts", "1", "--length", "3", "--verifier", "block"]).stdout)
        #expect(abs(Double(one["exact"]!)! - Double(bv["exact"]!)!) < 1e-12)
        let r = try CLI.run(
            ["block-efficiency"] + pq + [
                "--drafts", "3", "--length", "2", "--verifier", "select-block",
                "--trials", "100000", "--seed", "4"
            ])
        #expect(r.status == 0, "\(r.stderr)")
        let row = CLI.row(r.stdout)
        let exact = Double(row["exact"]!)!, simulated = Double(row["simulated"]!)!, se = Double(row["std_error"]!)!
        #expect(abs(simulated - exact) < 5 * se, "\(simulated) ± \(se) vs \(exact)")
        let bound = CLI.row(try CLI.run(["block-bound"] + pq + ["--drafts", "3", "--length", "2"]).stdout)
        #expect(exact <= Double(bound["upper"]!)! + 1e-9, "\(exact) vs \(bound)")
        let alpha = CLI.row(try CLI.run(["bound"] + pq + ["--drafts", "3", "--law", "iid"]).stdout)
        let atOne = CLI.row(
            try CLI.run(["block-efficiency"] + pq + ["--drafts", "3", "--length", "1", "--verifier", "select-block"])
                .stdout)
        #expect(abs(Double(atOne["exact"]!)! - 1 - Double(alpha["alpha"]!)!) < 1e-11)
        for (extra, fragment) in [
            (["--drafts", "2", "--length", "2", "--law", "without-replacement"], "--law must be iid"),
            (["--drafts", "2", "--length", "2", "--branching", "2,1"], "drop --branching"),
            (["--drafts", "2", "--length", "0"], "--length >= 1"),
            (["--drafts", "2", "--length", "30"], "--trials")
        ] {
            let e = try CLI.run(["block-efficiency"] + pq + extra + ["--verifier", "select-block"])
            #expect(
                e.status == 2 && e.stdout.isEmpty && e.stderr.contains(fragment)
                    && e.stderr.split(separator: "\n").count == 1, "\(extra): \(e.stderr)")
        }
        // block-lp: the LP's plan reaches the bound; refused beyond its size.
        let lp = CLI.row(
            try CLI.run(
                ["block-efficiency"] + pq + [
                    "--drafts", "3", "--length", "2", "--verifier", "block-lp",
                    "--trials", "50000"
                ]
            ).stdout)
        #expect(abs(Double(lp["exact"]!)! - Double(bound["upper"]!)!) < 1e-8, "\(lp)")
        #expect(abs(Double(lp["simulated"]!)! - Double(lp["exact"]!)!) < 5 * Double(lp["std_error"]!)!)
        let bigSeed = try CLI.run(
            ["block-efficiency"] + pq + [
                "--drafts", "2", "--length", "2", "--verifier", "select-block",
                "--trials", "1000", "--seed", "18446744073709551615"
            ])
        #expect(bigSeed.status == 0 && CLI.row(bigSeed.stdout)["seed"] == "18446744073709551615", "\(bigSeed.stderr)")
        for (extra, fragment) in [
            (["--drafts", "3", "--length", "4"], "more than the limits"),
            (["--drafts", "1", "--length", "8"], "matrix entries"),
            (["--drafts", "2", "--length", "2", "--law", "without-replacement"], "--law must be iid")
        ] {
            let e = try CLI.run(["block-efficiency"] + pq + extra + ["--verifier", "block-lp"])
            #expect(
                e.status == 2 && e.stdout.isEmpty && e.stderr.contains(fragment)
                    && e.stderr.split(separator: "\n").count == 1, "\(extra): \(e.stderr)")
        }
    }
}
