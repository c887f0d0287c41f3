import Foundation
import Testing

@Suite struct BoundCommandTests {
    @Test func toy4WithEveryMethod() throws {
        for (law, expected) in [
            ("iid", 0.79), ("without-replacement", 701.0 / 840), ("greedy", 23.0 / 30), ("spechub", 23.0 / 30)
        ] {
            for method in ["lp", "flow", "sfm", "dual", "auto", "brute-force"] {
                let r = try CLI.run([
                    "bound", "--target", "0.1,0.2,0.3,0.4", "--draft", "0.4,0.3,0.2,0.1", "--drafts", "2",
                    "--law", law, "--method", method, "--certificate"
                ])
                #expect(r.status == 0, "\(law) \(method): \(r.stderr)")
                let row = CLI.row(r.stdout)
                #expect(
                    r.stdout.hasPrefix("law,drafts,vocab,method,alpha,lower,upper,gap,iterations,status,elapsed_ms,"))
                let lower = Double(row["lower"] ?? "") ?? -1, upper = Double(row["upper"] ?? "") ?? -1
                #expect(
                    lower <= expected + 1e-12 && upper >= expected - 1e-12 && upper - lower <= 1e-12,
                    "\(law) \(method) bracket")
                #expect(abs((Double(row["alpha"] ?? "") ?? -1) - expected) < 1e-8, "\(law) \(method)")
                #expect(abs((Double(row["certificate_value"] ?? "") ?? -1) - expected) < 1e-8, "\(law) \(method)")
                #expect(row["law"] == law && row["drafts"] == "2" && row["vocab"] == "4" && row["status"] == "optimal")
            }
        }
    }

    @Test func exactConfirmationAndRepeat() throws {
        let r = try CLI.run([
            "bound", "--target", "0.3,0.4,0.3", "--draft", "0.6,0.3,0.1", "--drafts", "3", "--law", "iid",
            "--method", "lp", "--exact", "--repeat", "3"
        ])
        let row = CLI.row(r.stdout)
        #expect(row["exact_confirmed"] == "true")
        #expect(abs(Double(row["alpha"]!)! - 0.971) < 1e-9)
    }

    @Test func independentDraftsUseOneDraftEach() throws {
        let r = try CLI.run([
            "bound", "--target", "0.5,0.3,0.2", "--draft", "0.2,0.3,0.5", "--draft", "0.2,0.3,0.5",
            "--law", "independent", "--method", "auto"
        ])
        let row = CLI.row(r.stdout)
        #expect(row["drafts"] == "2" && row["method"] == "sfm") // auto: submodular minimisation first
        #expect(abs(Double(row["alpha"]!)! - 0.86) < 1e-8) // identical drafts: the iid value (KC)
        let dual = try CLI.run([
            "bound", "--target", "0.5,0.3,0.2", "--draft", "0.2,0.3,0.5", "--draft", "0.6,0.2,0.2",
            "--law", "independent", "--method", "dual"
        ])
        #expect(dual.status != 0 && dual.stdout.isEmpty)
        #expect(dual.stderr.contains("use the flow, sfm, lp or auto method (--method)"))
        // Every exact route for independent drafts gives the same value; sizes each route refuses are named.
        var values: [Double] = []
        for method in ["brute-force", "lp", "flow", "sfm", "auto"] {
            let m = try CLI.run([
                "bound", "--target", "0.5,0.3,0.2", "--draft", "0.2,0.3,0.5", "--draft", "0.6,0.2,0.2",
                "--law", "independent", "--method", method
            ])
            #expect(m.status == 0, "\(method): \(m.stderr)")
            values.append(Double(CLI.row(m.stdout)["alpha"] ?? "") ?? -1)
        }
        #expect(values.allSatisfy { abs($0 - values[0]) < 1e-9 } && values[0] > 0, "\(values)")
        let big = try CLI.run([
            "bound", "--target", "0.5,0.3,0.2", "--draft", "0.2,0.3,0.5", "--draft", "0.6,0.2,0.2",
            "--law", "independent", "--method", "flow", "--max-flow-arcs", "3"
        ])
        #expect(big.status == 2 && big.stdout.isEmpty)
        #expect(big.stderr.contains("draft-set graph too large") && big.stderr.contains("--max-flow-arcs"))
    }

    @Test func logitsAtATemperature() throws {
        let a = try CLI.run([
            "bound", "--target", "0,1,2", "--draft", "2,1,0", "--logits", "--temperature", "0.5",
            "--drafts", "2", "--law", "iid", "--method", "dual"
        ])
        let b = try CLI.run([
            "bound", "--target", "0,2,4", "--draft", "4,2,0", "--logits", "--drafts", "2", "--law", "iid",
            "--method", "lp"
        ])
        #expect(abs(Double(CLI.row(a.stdout)["alpha"]!)! - Double(CLI.row(b.stdout)["alpha"]!)!) < 1e-8)
    }

    @Test func filesAndAtomicOutput() throws {
        let folder = CLI.temporaryFolder()
        let p = folder.appendingPathComponent("p.txt"), q = folder.appendingPathComponent("q.csv")
        try "0.1\n0.2\n0.3\n0.4\n".write(to: p, atomically: true, encoding: .utf8)
        try "q\n0.4\n0.3\n0.2\n0.1\n".write(to: q, atomically: true, encoding: .utf8)
        let out = folder.appendingPathComponent("bound.csv")
        let r = try CLI.run([
            "bound", "--target", "@" + p.path, "--draft", "@" + q.path, "--drafts", "2", "--law", "iid",
            "--output", out.path
        ])
        #expect(r.status == 0 && r.stdout.isEmpty)
        let written = try String(contentsOf: out, encoding: .utf8)
        #expect(abs(Double(CLI.row(written)["alpha"]!)! - 0.79) < 1e-12)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["bound.csv", "p.txt", "q.csv"]
        )
    }

    /// Every bad input: one line on stderr naming the problem, non-zero exit, nothing on stdout, no file written.
    @Test(
        arguments: [
            (["--target", "0.5,0.4", "--draft", "0.5,0.5", "--law", "iid"], "sum to"),
            (["--target", "0.5,-0.1,0.6", "--draft", "0.3,0.3,0.4", "--law", "iid"], "negative"),
            (["--target", "0.5,nan,0.5", "--draft", "0.3,0.3,0.4", "--law", "iid"], "not finite"),
            (["--target", "0.5,inf", "--draft", "0.5,0.5", "--law", "iid"], "not finite"),
            (["--target", "", "--draft", "0.5,0.5", "--law", "iid"], "no numbers"),
            (["--target", "0.5,0.5", "--draft", "0.2,0.3,0.5", "--law", "iid"], "vocabulary sizes must match"),
            (["--target", "0.5,0.5", "--draft", "0.5,0.5", "--law", "iid", "--drafts", "0"], "must be >= 1"),
            (
                ["--target", "0.5,0.5", "--draft", "0.5,0.5", "--law", "without-replacement", "--drafts", "3"],
                "only 2 tokens"
            ),
            (["--target", "0.5,0.5", "--draft", "0.5,0.5", "--law", "spechub", "--drafts", "3"], "exactly 2 drafts"),
            (["--target", "0.5,0.5", "--draft", "0.5,0.5", "--law", "nope"], "unknown draft law"),
            (["--target", "0.5,0.5", "--draft", "0.5,0.5", "--law", "iid", "--method", "magic"], "unknown --method"),
            (["--target", "@/nonexistent/p.txt", "--draft", "0.5,0.5", "--law", "iid"], "file not found"),
            (["--target", "0.5,0.5", "--draft", "0.5,x", "--law", "iid"], "not a number"),
            (["--target", "0.1,0.9", "--draft", "0.5,0.5", "--draft", "0.4,0.6", "--law", "iid"], "takes one --draft")
        ] as [([String], String)])
    func badInputs(arguments: [String], message: String) throws {
        let folder = CLI.temporaryFolder()
        let out = folder.appendingPathComponent("never.csv")
        let r = try CLI.run(["bound"] + arguments + ["--output", out.path])
        #expect(r.status != 0)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.hasPrefix("error: ") && r.stderr.contains(message), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test func oversizeLPStatesItsSize() throws {
        let uniform = Array(repeating: "0.01", count: 100).joined(separator: ",")
        let r = try CLI.run([
            "bound", "--target", uniform, "--draft", uniform, "--drafts", "6", "--law", "iid", "--method", "lp"
        ])
        #expect(r.status != 0 && r.stdout.isEmpty)
        #expect(r.stderr.contains("LP too large") && r.stderr.contains("variables"))
    }
}
