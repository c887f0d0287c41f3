import Foundation
import Testing

/// `multidraft selection-law`: per-token r*, r_w and weights; alpha* of test vector VD (701/840 without replacement,
/// n = 2); Σ r* = Σ r_w = 1; Σ min(p, r*) = alpha*; bad input refused under the contract.
@Suite struct SelectionLawCommandTests {
    static func rows(_ stdout: String) -> [[String: String]] {
        let lines = stdout.split(separator: "\n").map(String.init)
        let header = lines[0].split(separator: ",").map(String.init)
        return lines.dropFirst().map {
            Dictionary(
                uniqueKeysWithValues: zip(
                    header, $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)))
        }
    }

    @Test func perTokenLaws() throws {
        for law in ["iid", "without-replacement"] {
            let r = try CLI.run([
                "selection-law", "--target", "0.1,0.2,0.3,0.4", "--draft", "0.4,0.3,0.2,0.1", "--drafts", "2",
                "--law", law
            ])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(
                r.stdout.hasPrefix("token,p,q,order,block,block_size,slope,r_star,r_w,weight,alpha,certified_gap\n"))
            let rows = Self.rows(r.stdout)
            #expect(rows.count == 4)
            let d = { (row: [String: String], key: String) in Double(row[key]!)! }
            let alpha = d(rows[0], "alpha")
            if law == "without-replacement" { #expect(abs(alpha - 701.0 / 840) < 1e-12) }
            #expect(abs(rows.reduce(0) { $0 + d($1, "r_star") } - 1) < 1e-12)
            #expect(abs(rows.reduce(0) { $0 + d($1, "r_w") } - 1) < 1e-12)
            #expect(abs(rows.reduce(0) { $0 + min(d($1, "p"), d($1, "r_star")) } - alpha) < 1e-12)
            #expect(d(rows[0], "certified_gap") < 1e-12)
        }
        for bad in [["--law", "greedy"], ["--drafts", "0"], ["--drafts", "9"]] {
            let r = try CLI.run(["selection-law", "--target", "0.1,0.2,0.3,0.4", "--draft", "0.4,0.3,0.2,0.1"] + bad)
            #expect(
                r.status == 2 && r.stdout.isEmpty && r.stderr.split(separator: "\n").count == 1, "\(bad): \(r.stderr)")
        }
    }
}
