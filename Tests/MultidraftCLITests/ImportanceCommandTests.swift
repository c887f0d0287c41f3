import Foundation
import Testing

@Suite struct ImportanceCommandTests {
    /// Two identical drafts (KC): the full LP reaches alpha* = 0.86; truncation s = 1 on KA gives 7/9 and 13/15.
    @Test func importanceRows() throws {
        let r = try CLI.run([
            "importance", "--target", "0.5,0.3,0.2", "--draft", "0.2,0.3,0.5", "--draft", "0.2,0.3,0.5"
        ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(
            r.stdout.hasPrefix(
                "drafts,vocab,truncate,alpha_lower_bound,alpha_exact,alpha_optimal,elapsed_ms,scheme,certified_gap\n"))
        // Identical drafts default to the optimal selection scheme; --scheme lp is the K = 2 weight LP. Both reach 0.86.
        for (scheme, extra) in [("optimal", [String]()), ("lp", ["--scheme", "lp"])] {
            let r = try CLI.run(
                ["importance", "--target", "0.5,0.3,0.2", "--draft", "0.2,0.3,0.5", "--draft", "0.2,0.3,0.5"] + extra)
            let row = CLI.row(r.stdout)
            #expect(row["drafts"] == "2" && row["vocab"] == "3" && row["truncate"] == "" && row["scheme"] == scheme)
            for column in ["alpha_lower_bound", "alpha_exact", "alpha_optimal"] {
                #expect(abs((Double(row[column] ?? "") ?? -1) - 0.86) < 1e-9, "\(scheme) \(column)")
            }
            #expect(scheme == "lp" ? row["certified_gap"] == "" : Double(row["certified_gap"]!)! < 1e-12)
        }
        let third = "0.3333333333333333"
        let u = "\(third),\(third),\(third)"
        let t = CLI.row(
            try CLI.run(["importance", "--target", u, "--draft", u, "--draft", u, "--truncate", "1"]).stdout)
        #expect(abs(Double(t["alpha_lower_bound"]!)! - 7.0 / 9) < 1e-12)
        #expect(abs(Double(t["alpha_exact"]!)! - 13.0 / 15) < 1e-12)
        #expect(abs(Double(t["alpha_optimal"]!)! - 1) < 1e-9 && t["truncate"] == "1")
    }

    /// Three drafts (tournament) and bad input (one-line errors, non-zero status).
    @Test func tournamentAndErrors() throws {
        let p = "0.35,0.25,0.2,0.1,0.06,0.04", q = "0.1,0.15,0.2,0.25,0.2,0.1"
        let r = try CLI.run(["importance", "--target", p, "--draft", q, "--draft", q, "--draft", q, "--scheme", "lp"])
        let row = CLI.row(r.stdout)
        #expect(abs(Double(row["alpha_lower_bound"]!)! - 0.91875) < 1e-9)
        #expect(abs(Double(row["alpha_optimal"]!)! - 0.921) < 1e-9)
        // The optimal selection scheme closes the tournament's gap: coin = exact = alpha* = 0.921.
        let o = CLI.row(try CLI.run(["importance", "--target", p, "--draft", q, "--draft", q, "--draft", q]).stdout)
        #expect(o["scheme"] == "optimal")
        for column in ["alpha_lower_bound", "alpha_exact", "alpha_optimal"] {
            #expect(abs(Double(o[column]!)! - 0.921) < 1e-9, "\(column)")
        }
        for arguments in [
            ["--target", p, "--draft", q], ["--target", p, "--draft", q, "--draft", "0.5,0.5"],
            ["--target", p, "--draft", q, "--draft", q, "--truncate", "7"],
            ["--target", p, "--draft", q, "--draft", q, "--truncate", "2", "--scheme", "optimal"],
            ["--target", p, "--draft", q, "--draft", "0.2,0.2,0.2,0.2,0.1,0.1", "--scheme", "optimal"],
            ["--target", p, "--draft", q, "--draft", q, "--scheme", "best"]
        ] {
            let bad = try CLI.run(["importance"] + arguments)
            #expect(bad.status != 0 && bad.stdout.isEmpty)
            #expect(bad.stderr.split(separator: "\n").count == 1, "\(bad.stderr)")
        }
        let simulate = try CLI.run([
            "simulate", "--verifier", "importance", "--target", p, "--draft", q, "--drafts", "3",
            "--truncate", "2", "--trials", "20000", "--seed", "3", "--threads", "1"
        ])
        #expect(simulate.status == 0, "\(simulate.stderr)")
        let s = CLI.row(simulate.stdout)
        #expect(s["verifier"] == "importance" && s["exact_acceptance"] != "")
    }
}
