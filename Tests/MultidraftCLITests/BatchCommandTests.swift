import Foundation
import Testing
@testable import MultidraftCLI
import Multidraft
import MultidraftIO

/// `multidraft batch`: equal to the single-instance commands at every position, shards + merge = one run, resume,
/// and the error contract for malformed datasets.
@Suite struct BatchCommandTests {
    static func folder() -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("multidraft-batch-\(UUID().uuidString)")
            .path
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func rows(_ n: Int, _ v: Int, seed: UInt64) -> [[Double]] {
        var rng = Xoshiro256(seed: seed)
        return (0..<n).map { _ in Distribution.dirichlet(v, concentration: 0.6, using: &rng).probabilities }
    }

    static func table(_ path: String) -> [[String: String]] {
        let lines = (try! String(contentsOfFile: path, encoding: .utf8)).split(separator: "\n").map(String.init)
        let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        return lines.dropFirst().map {
            Dictionary(
                uniqueKeysWithValues: zip(
                    header, $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)))
        }
    }

    /// The single-instance command's value for a batch row: `bound`'s alpha* or `simulate`'s exact acceptance.
    static func singleInstanceValue(_ row: [String: String], _ common: [String]) throws -> Double {
        if row["verifier"] == "alpha_star" {
            return Double(CLI.row(try CLI.run(["bound"] + common).stdout)["alpha"]!)!
        }
        let s = try CLI.run(["simulate", "--verifier", row["verifier"]!, "--trials", "10", "--seed", "1"] + common)
        return Double(CLI.row(s.stdout)["exact_acceptance"]!)!
    }

    /// Every batch value equals `bound` (alpha*) and `simulate` (exact acceptance) run on that position alone, to
    /// 1e-12, for float64 and float16 files (float16: the single commands read the same decoded rows as float64).
    @Test func equalsSingleInstanceCommands() throws {
        let dir = Self.folder()
        let (n, v) = (5, 7)
        let t = Self.rows(n, v, seed: 1), d = Self.rows(n, v, seed: 2)
        for type in [ElementType.float64, .float16] {
            try TensorWriter.npy(t.flatMap { $0 }, shape: [n, v], as: type).write(
                to: URL(fileURLWithPath: dir + "/t.npy"))
            try TensorWriter.npy(d.flatMap { $0 }, shape: [n, v], as: type).write(
                to: URL(fileURLWithPath: dir + "/d.npy"))
            let r = try CLI.run([
                "batch", "--target", dir + "/t.npy", "--draft", dir + "/d.npy", "--law", "iid",
                "--law", "without-replacement", "--drafts", "2,3", "--verifiers", "rrs,kseq,optimal",
                "--output", dir + "/out.csv", "--summary", dir + "/sum.csv", "--threads", "2"
            ])
            #expect(r.status == 0 && r.stdout.isEmpty, "\(r.stderr)")
            let rows = Self.table(dir + "/out.csv")
            // Per position and n: iid gives alpha*, rrs, kseq, optimal; without replacement alpha*, optimal.
            #expect(rows.count == n * 2 * (4 + 2), "\(rows.count)")
            for i in 0..<n {
                // The rows as the batch decoded them, written as float64 vectors for the single commands.
                let model = try ModelRows(spec: dir + "/t.npy"), draft = try ModelRows(spec: dir + "/d.npy")
                guard case .dense(let pi) = try model.row(i), case .dense(let qi) = try draft.row(i) else { continue }
                let p = try Distribution(normalizing: pi), q = try Distribution(normalizing: qi)
                try Distribution.npyData(p.probabilities).write(to: URL(fileURLWithPath: dir + "/p\(i).npy"))
                try Distribution.npyData(q.probabilities).write(to: URL(fileURLWithPath: dir + "/q\(i).npy"))
                for row in rows where row["position"] == String(i) {
                    let common = [
                        "--target", "@" + dir + "/p\(i).npy", "--draft", "@" + dir + "/q\(i).npy",
                        "--drafts", row["drafts"]!, "--law", row["law"]!
                    ]
                    let single = try Self.singleInstanceValue(row, common)
                    #expect(abs(Double(row["value"]!)! - single) <= 1e-12, "\(type) position \(i) \(row)")
                }
            }
            let summary = Self.table(dir + "/sum.csv")
            #expect(summary.count == 12 && summary.allSatisfy { $0["positions"] == String(n) })
            let alphas = rows.filter { $0["law"] == "iid" && $0["drafts"] == "2" && $0["verifier"] == "alpha_star" }
            let mean = alphas.map { Double($0["value"]!)! }.reduce(0, +) / Double(n)
            let cell = summary.first { $0["law"] == "iid" && $0["drafts"] == "2" && $0["verifier"] == "alpha_star" }!
            #expect(abs(Double(cell["mean"]!)! - mean) < 1e-14)
            #expect(
                rows[0]["target_processing"]
                    == (type == .float64 ? "F64 probabilities T=1.0" : "F16 probabilities (renormalised) T=1.0"))
        }
    }

    /// `simulate --verifier optimal --law independent` takes the library's routing, as `batch` does: two independent
    /// drafts at V = 400 (80,200 draft sets, beyond the 20,000-variable LP limit `simulate` used to apply itself)
    /// run, and the exact acceptance equals batch's optimal value and alpha* on the same pair (1e-12).
    @Test func simulateOptimalIndependentAgreesWithBatch() throws {
        let dir = Self.folder(), v = 400
        let t = Self.rows(1, v, seed: 11)[0], d1 = Self.rows(1, v, seed: 12)[0], d2 = Self.rows(1, v, seed: 13)[0]
        for (name, row) in [("t", t), ("d1", d1), ("d2", d2)] {
            try TensorWriter.npy(row, shape: [1, v], as: .float64).write(to: URL(fileURLWithPath: "\(dir)/\(name).npy"))
            try Distribution.npyData(row).write(to: URL(fileURLWithPath: "\(dir)/\(name)-1d.npy"))
        }
        let batch = try CLI.run([
            "batch", "--target", dir + "/t.npy", "--draft", dir + "/d1.npy", "--draft", dir + "/d2.npy",
            "--law", "independent", "--drafts", "2", "--verifiers", "optimal",
            "--output", dir + "/out.csv"
        ])
        #expect(batch.status == 0, "\(batch.stderr)")
        let rows = Self.table(dir + "/out.csv")
        let alpha = try #require(rows.first { $0["verifier"] == "alpha_star" }.flatMap { Double($0["value"]!) })
        let optimal = try #require(rows.first { $0["verifier"] == "optimal" }.flatMap { Double($0["value"]!) })
        let simulate = try CLI.run([
            "simulate", "--verifier", "optimal", "--law", "independent",
            "--target", "@\(dir)/t-1d.npy", "--draft", "@\(dir)/d1-1d.npy",
            "--draft", "@\(dir)/d2-1d.npy", "--trials", "20000", "--seed", "3"
        ])
        #expect(simulate.status == 0, "\(simulate.stderr)")
        let row = CLI.row(simulate.stdout)
        let exact = try #require(row["exact_acceptance"].flatMap(Double.init))
        #expect(
            abs(exact - optimal) <= 1e-12 && abs(exact - alpha) <= 1e-9,
            "simulate \(exact), batch \(optimal), alpha* \(alpha)")
        let acceptance = try #require(row["acceptance"].flatMap(Double.init))
        let error = try #require(row["std_error"].flatMap(Double.init))
        #expect(abs(acceptance - exact) <= 5 * error + 1e-12, "\(row)")
    }

    /// The shipped real-model export (SmolLM2-135M-Instruct and two drafts cut from it, V = 49,152): on its first
    /// dense positions every batch value equals `bound` and `simulate` on that position alone, to 1e-12, for i.i.d.,
    /// without-replacement and independent (one draft from each model) drafts. The float16 logits are copied into a
    /// small file first (float16 to float64 is exact), so the test runs on the real rows without the other 30.
    @Test func realModelRowsEqualSingleInstanceCommands() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let export = root.appendingPathComponent("Experiments/data/smollm2-135m/dense_logits.safetensors").path
        let dir = Self.folder()
        let names = ["target", "layerskip", "rtn3"]
        var tensors: [(name: String, type: ElementType, shape: [Int], values: [Double])] = []
        var v = 0
        for name in names {
            let model = try ModelRows(spec: export + ":" + name)
            #expect(model.vocabularySize == 49_152 && model.positions == 32)
            v = model.vocabularySize
            var values: [Double] = []
            for i in 0..<2 {
                guard case .dense(let row) = try model.row(i) else { Issue.record("not dense"); return }
                values += row
            }
            tensors.append((name, .float16, [2, v], values))
        }
        try TensorWriter.safetensors(tensors).write(to: URL(fileURLWithPath: dir + "/real.safetensors"))
        let file = dir + "/real.safetensors"
        let r = try CLI.run([
            "batch", "--target", file + ":target", "--draft", file + ":layerskip", "--draft", file + ":rtn3",
            "--logits", "--law", "iid", "--law", "without-replacement", "--law", "independent",
            "--drafts", "2", "--verifiers", "rrs,kseq", "--output", dir + "/out.csv", "--threads", "2"
        ])
        #expect(r.status == 0 && r.stdout.isEmpty, "\(r.stderr)")
        let rows = Self.table(dir + "/out.csv")
        // Per position: iid alpha*, rrs, kseq; without replacement alpha*; independent alpha*, rrs.
        #expect(rows.count == 2 * 6, "\(rows.count)")
        for i in 0..<2 {
            var paths: [String] = []
            for name in names {
                let model = try ModelRows(spec: file + ":" + name)
                guard case .dense(let row) = try model.row(i) else { continue }
                let probabilities = try RowProcessing(logits: true).distribution(
                    row, type: .float16, path: file, position: i)
                let path = dir + "/\(name)\(i).npy"
                try Distribution.npyData(probabilities.probabilities).write(to: URL(fileURLWithPath: path))
                paths.append("@" + path)
            }
            for row in rows where row["position"] == String(i) {
                var common = ["--target", paths[0], "--draft", paths[1], "--drafts", "2", "--law", row["law"]!]
                if row["law"] == "independent" { common += ["--draft", paths[2]] }
                let single = try Self.singleInstanceValue(row, common)
                #expect(abs(Double(row["value"]!)! - single) <= 1e-12, "position \(i) \(row)")
            }
        }
    }

    /// Shards then --merge give the same bytes as one run; a deleted chunk is recomputed on rerun (resume); chunks
    /// of a run with other options are refused.
    @Test func shardsMergeAndResume() throws {
        let dir = Self.folder()
        let t = Self.rows(23, 6, seed: 3), d = Self.rows(23, 6, seed: 4)
        try TensorWriter.safetensors([
            ("target", .float32, [23, 6], t.flatMap { $0 }), ("draft", .float32, [23, 6], d.flatMap { $0 })
        ])
        .write(to: URL(fileURLWithPath: dir + "/pair.safetensors"))
        let base = [
            "batch", "--target", dir + "/pair.safetensors:target", "--draft", dir + "/pair.safetensors:draft",
            "--law", "iid", "--law", "independent", "--drafts", "2,3", "--verifiers", "rrs,sir", "--trials", "500",
            "--seed", "9", "--chunk-size", "4"
        ]
        let one = try CLI.run(
            base + ["--output", dir + "/one.csv", "--summary", dir + "/one-sum.csv", "--threads", "1"])
        #expect(one.status == 0, "\(one.stderr)")
        for i in 0..<3 {
            let s = try CLI.run(base + ["--output", dir + "/sharded.csv", "--shard", "\(i)/3", "--threads", "2"])
            #expect(s.status == 0 && !FileManager.default.fileExists(atPath: dir + "/sharded.csv"), "\(s.stderr)")
        }
        let early = try CLI.run(base + ["--output", dir + "/other.csv", "--merge"])
        #expect(early.status == 2 && early.stderr.contains("nothing to merge"))
        let m = try CLI.run(base + ["--output", dir + "/sharded.csv", "--summary", dir + "/sharded-sum.csv", "--merge"])
        #expect(m.status == 0, "\(m.stderr)")
        #expect(
            try Data(contentsOf: URL(fileURLWithPath: dir + "/one.csv"))
                == Data(contentsOf: URL(fileURLWithPath: dir + "/sharded.csv")))
        #expect(
            try Data(contentsOf: URL(fileURLWithPath: dir + "/one-sum.csv"))
                == Data(contentsOf: URL(fileURLWithPath: dir + "/sharded-sum.csv")))
        #expect(!FileManager.default.fileExists(atPath: dir + "/sharded.csv.parts"))
        // Resume: compute two shards of three, then a plain run finishes the rest.
        for i in 0..<2 { _ = try CLI.run(base + ["--output", dir + "/resumed.csv", "--shard", "\(i)/3"]) }
        let resumed = try CLI.run(base + ["--output", dir + "/resumed.csv"])
        #expect(resumed.status == 0)
        #expect(
            try Data(contentsOf: URL(fileURLWithPath: dir + "/one.csv"))
                == Data(contentsOf: URL(fileURLWithPath: dir + "/resumed.csv")))
        // Stale chunks from other options.
        _ = try CLI.run(base + ["--output", dir + "/stale.csv", "--shard", "0/2"])
        let stale = try CLI.run(base.map { $0 == "9" ? "10" : $0 } + ["--output", dir + "/stale.csv"])
        #expect(stale.status == 2 && stale.stderr.contains("other options"))
    }

    /// Malformed data: one line naming the file and the position, exit 2, no output; --skip-invalid reports and
    /// skips the position.
    @Test func invalidPositionsAreNamedOrSkipped() throws {
        let dir = Self.folder()
        var t = Self.rows(6, 5, seed: 5)
        let d = Self.rows(6, 5, seed: 6)
        t[4][2] = -0.2; t[4][3] += 0.2
        try TensorWriter.npy(t.flatMap { $0 }, shape: [6, 5], as: .float64).write(
            to: URL(fileURLWithPath: dir + "/t.npy"))
        try TensorWriter.npy(d.flatMap { $0 }, shape: [6, 5], as: .float64).write(
            to: URL(fileURLWithPath: dir + "/d.npy"))
        let base = [
            "batch", "--target", dir + "/t.npy", "--draft", dir + "/d.npy", "--law", "iid", "--drafts", "2",
            "--output", dir + "/out.csv"
        ]
        let r = try CLI.run(base)
        #expect(r.status == 2 && r.stdout.isEmpty)
        #expect(r.stderr.hasPrefix("error: \(dir)/t.npy: position 4: negative probability"), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: dir + "/out.csv"))
        let s = try CLI.run(base + ["--skip-invalid"])
        #expect(s.status == 0 && s.stderr.contains("skipped: \(dir)/t.npy: position 4"))
        #expect(Self.table(dir + "/out.csv").map { $0["position"]! } == ["0", "1", "2", "3", "5"])
        // Shape mismatch, missing file, bad options.
        try TensorWriter.npy(Array(d.flatMap { $0 }.prefix(25)), shape: [5, 5], as: .float64).write(
            to: URL(fileURLWithPath: dir + "/short.npy"))
        for (arguments, fragment) in [
            (["--draft", dir + "/short.npy"], "has 5 positions"),
            (["--draft", dir + "/missing.npy"], "missing.npy"),
            (["--verifiers", "sir"], "--trials"),
            (["--shard", "3/3"], "--shard must be i/N")
        ] {
            var a = base
            if arguments[0] == "--draft" { a[4] = arguments[1] } else { a += arguments }
            let e = try CLI.run(a + ["--skip-invalid"])
            #expect(e.status == 2 && e.stderr.contains(fragment) && e.stdout.isEmpty, "\(arguments): \(e.stderr)")
        }
    }

    /// Sparse top-k files: alpha* bounds that contain the dense value; verifiers are refused with a reason.
    @Test func sparseRowsGiveBounds() throws {
        let dir = Self.folder()
        let (n, v, k) = (4, 12, 5)
        let t = Self.rows(n, v, seed: 7), d = Self.rows(n, v, seed: 8)
        func sparse(_ rows: [[Double]], _ name: String) throws {
            var indices: [Double] = [], values: [Double] = [], rest: [Double] = []
            for row in rows {
                let top = (0..<v).sorted { row[$0] > row[$1] }.prefix(k)
                indices += top.map(Double.init); values += top.map { row[$0] }
                rest.append(1 - top.map { row[$0] }.reduce(0, +))
            }
            try TensorWriter.safetensors(
                [
                    ("indices", .int64, [n, k], indices), ("values", .float64, [n, k], values),
                    ("rest", .float64, [n], rest)
                ], metadata: ["vocab_size": "\(v)"]
            )
            .write(to: URL(fileURLWithPath: dir + "/" + name))
        }
        try sparse(t, "t.safetensors"); try sparse(d, "d.safetensors")
        let r = try CLI.run([
            "batch", "--target", dir + "/t.safetensors", "--draft", dir + "/d.safetensors", "--law", "iid",
            "--drafts", "2,4", "--output", dir + "/out.csv"
        ])
        #expect(r.status == 0, "\(r.stderr)")
        for row in Self.table(dir + "/out.csv") {
            let i = Int(row["position"]!)!
            let dense = try optimalAcceptance(
                target: try Distribution(normalizing: t[i]),
                law: try DraftLaw.iid(try Distribution(normalizing: d[i]), drafts: Int(row["drafts"]!)!)
            ).alpha
            #expect(Double(row["lower"]!)! <= dense + 1e-12 && dense <= Double(row["upper"]!)! + 1e-12, "\(row)")
            #expect(row["method"] == "sparse_bounds")
        }
        let refused = try CLI.run([
            "batch", "--target", dir + "/t.safetensors", "--draft", dir + "/d.safetensors", "--law", "iid",
            "--drafts", "2", "--verifiers", "rrs", "--output", dir + "/x.csv"
        ])
        #expect(refused.status == 2 && refused.stderr.contains("dense rows"))
    }
}
