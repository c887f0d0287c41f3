import MultidraftIO
import Foundation
import Testing
@testable import Datasets
import AcceptanceBounds
import Distributions
import MultidraftSupport
import Verifiers

/// Reading batch files: every dtype decoded exactly, the precision-aware sum check, malformed files refused with
/// the file and position named, and sparse rows bracketing the dense alpha*.
@Suite struct DatasetReadingTests {
    static func folder() -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "multidraft-datasets-\(UUID().uuidString)"
        ).path
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func write(_ data: Data, _ path: String) -> String {
        try! data.write(to: URL(fileURLWithPath: path))
        return path
    }

    static func rows(_ n: Int, _ v: Int, seed: UInt64, concentration: Double = 0.5) -> [[Double]] {
        var rng = Xoshiro256(seed: seed)
        return (0..<n).map { _ in Distribution.dirichlet(v, concentration: concentration, using: &rng).probabilities }
    }

    /// Every one of the 65,536 binary16 patterns decodes to the value Swift's Float16 gives (NaNs as NaN).
    @Test func halfPrecisionDecodesExactly() {
        for bits in 0...UInt16.max {
            let expected = Double(Float16(bitPattern: bits))
            let got = ElementType.halfToDouble(bits)
            #expect(expected.isNaN ? got.isNaN : got == expected, "bits \(bits)")
        }
    }

    /// .npy (f2, f4, f8) and safetensors (F16, BF16, F32, F64) rows read back as the stored values.
    @Test func roundTripsEveryType() throws {
        let dir = Self.folder()
        let values = Self.rows(5, 7, seed: 1).flatMap { $0 }
        for type in [ElementType.float16, .float32, .float64] {
            let path = Self.write(TensorWriter.npy(values, shape: [5, 7], as: type), dir + "/m-\(type.rawValue).npy")
            let model = try ModelRows(spec: path)
            #expect(model.positions == 5 && model.vocabularySize == 7 && model.valueType == type)
            for i in 0..<5 {
                guard case .dense(let row) = try model.row(i) else { Issue.record("not dense"); continue }
                for j in 0..<7 {
                    let stored: Double
                    switch type {
                    case .float16: stored = Double(Float16(Float(values[i * 7 + j])))
                    case .float32: stored = Double(Float(values[i * 7 + j]))
                    default: stored = values[i * 7 + j]
                    }
                    #expect(row[j] == stored)
                }
            }
        }
        let st = Self.write(
            TensorWriter.safetensors([("a", .bfloat16, [5, 7], values), ("b", .float64, [5, 7], values)]),
            dir + "/pair.safetensors")
        let b = try ModelRows(spec: st + ":b")
        guard case .dense(let row) = try b.row(3) else { Issue.record("not dense"); return }
        #expect(row == Array(values[21..<28]))
        let a = try ModelRows(spec: st + ":a")
        guard case .dense(let arow) = try a.row(3) else { Issue.record("not dense"); return }
        for j in 0..<7 { #expect(abs(arow[j] - values[21 + j]) <= values[21 + j] * 0x1p-8) }
        #expect(throws: DatasetError.self) { try ModelRows(spec: st) } // two 2-D tensors: the name is required
    }

    /// Sums within the dtype's tolerance are renormalised in float64; beyond it they are refused with the file and
    /// the position; float64 keeps the strict 1e-9 check.
    @Test func precisionAwareSumCheck() throws {
        let processing = try RowProcessing()
        var row = Self.rows(1, 32_000, seed: 2)[0].map { Double(Float($0)) } // a float32 softmax: sum ≠ 1 by ~1e-8
        let p = try processing.distribution(row, type: .float32, path: "x.npy", position: 4)
        #expect(abs(p.probabilities.reduce(0, +) - 1) < 1e-12)
        #expect(ElementType.float32.sumTolerance(vocabularySize: 32_000) < 1.2e-5)
        row[0] += 1e-3
        #expect(throws: DatasetError.self) {
            try processing.distribution(row, type: .float32, path: "x.npy", position: 4)
        }
        do { _ = try processing.distribution(row, type: .float32, path: "x.npy", position: 4) } catch {
            #expect("\(error)".contains("x.npy: position 4:"))
        }
        let strict = Self.rows(1, 10, seed: 3)[0].map { $0 * (1 + 1e-8) }
        #expect(throws: DatasetError.self) {
            try processing.distribution(strict, type: .float64, path: "y", position: 0)
        }
        _ = try processing.distribution(strict, type: .float16, path: "y", position: 0)
    }

    /// Malformed files: each refused with a message naming the file (and the position for row-level faults).
    @Test func malformedFilesAreNamed() throws {
        let dir = Self.folder()
        let good = Self.rows(3, 4, seed: 4).flatMap { $0 }
        func expectFile(_ data: Data, _ name: String, _ fragment: String) {
            let path = Self.write(data, dir + "/" + name)
            do { _ = try ModelRows(spec: path); Issue.record("\(name) accepted") } catch {
                #expect("\(error)".hasPrefix(path) && "\(error)".contains(fragment), "\(name): \(error)")
            }
        }
        var badMagic = TensorWriter.npy(good, shape: [3, 4], as: .float64); badMagic[1] = 0x41
        expectFile(badMagic, "magic.npy", "bad magic")
        expectFile(
            TensorWriter.npy(good, shape: [3, 4], as: .float64).dropLast(8), "short.npy", "truncated or header lies")
        expectFile(TensorWriter.npy(good, shape: [4, 4], as: .float64), "lies.npy", "truncated or header lies")
        var st = TensorWriter.safetensors([("x", .float64, [3, 4], good)])
        st = st.dropLast(16)
        expectFile(st, "short.safetensors", "beyond")
        expectFile(Data([255, 255, 0, 0, 0, 0, 0, 0, 1]), "header.safetensors", "header length")
        // Row-level faults.
        var nan = good; nan[5] = .nan
        var negative = good; negative[9] = -0.1; negative[10] += 0.1
        for (name, values, fragment) in [("nan.npy", nan, "not finite"), ("neg.npy", negative, "negative")] {
            let path = Self.write(TensorWriter.npy(values, shape: [3, 4], as: .float64), dir + "/" + name)
            let model = try ModelRows(spec: path)
            let job = try BatchJob(
                target: model, drafts: [model], targetProcessing: try RowProcessing(),
                draftProcessing: try RowProcessing(), plan: BatchPlan(laws: [.iid], drafts: [2], verifiers: []))
            let invalid = job.invalidPositions(in: 0..<3)
            #expect(invalid.map(\.position) == [name == "nan.npy" ? 1 : 2], "\(name)")
            #expect(
                invalid.first.map { "\($0.error)".contains("\(path): position") && "\($0.error)".contains(fragment) }
                    == true)
        }
        // Models that disagree.
        let a = try ModelRows(spec: Self.write(TensorWriter.npy(good, shape: [3, 4], as: .float64), dir + "/a.npy"))
        let b = try ModelRows(
            spec: Self.write(TensorWriter.npy(Array(good.prefix(8)), shape: [2, 4], as: .float64), dir + "/b.npy"))
        #expect(throws: DatasetError.self) {
            try BatchJob(
                target: a, drafts: [b], targetProcessing: try RowProcessing(), draftProcessing: try RowProcessing(),
                plan: BatchPlan(laws: [.iid], drafts: [2], verifiers: []))
        }
        // Sparse: an index ≥ V and a repeated index.
        func sparse(_ indices: [Double]) throws -> ModelRows {
            let path = Self.write(
                TensorWriter.safetensors(
                    [
                        ("indices", .int32, [1, 2], indices), ("values", .float32, [1, 2], [0.5, 0.25]),
                        ("rest", .float32, [1], [0.25])
                    ], metadata: ["vocab_size": "4"]),
                dir + "/s\(indices).safetensors")
            return try ModelRows(spec: path)
        }
        #expect(throws: DatasetError.self) { try sparse([0, 4]).row(0) }
        #expect(throws: DatasetError.self) { try sparse([1, 1]).row(0) }
        #expect(try sparse([3, 1]).row(0) == .sparse(indices: [3, 1], values: [0.5, 0.25], rest: 0.25))
    }

    /// Top-k rows bracket the dense alpha*: lower ≤ alpha* ≤ upper for iid (n = 2, 3) and independent drafts, and
    /// the bracket closes (to 1e-12) when every token is listed.
    @Test func sparseBoundsBracketTheDenseValue() throws {
        for seed in 0..<30 {
            var rng = Xoshiro256(seed: UInt64(seed))
            let v = 6 + seed % 10
            let p = Distribution.dirichlet(v, concentration: 0.4, using: &rng)
            let q1 = Distribution.dirichlet(v, concentration: 0.4, using: &rng)
            let q2 = Distribution.dirichlet(v, concentration: 0.6, using: &rng)
            for k in [2, v / 2, v] {
                func top(_ d: Distribution) -> SparseRow {
                    let order = (0..<v).sorted { d[$0] > d[$1] }.prefix(k)
                    let values = order.map { d[$0] }
                    return SparseRow(
                        indices: Array(order), values: values, rest: max(0, 1 - values.reduce(0, +)), vocabularySize: v)
                }
                let plan = BatchPlan(laws: [.iid, .independent], drafts: [2, 3], verifiers: [])
                let rows = try BatchEvaluation.sparseRows(
                    position: 0, target: top(p), models: [top(q1), top(q2)], plan: plan)
                for row in rows {
                    let law =
                        row.law == .iid
                        ? try DraftLaw.iid(q1, drafts: row.drafts)
                        : try DraftLaw.independent((0..<row.drafts).map { [q1, q2][$0 % 2] })
                    let dense = try SubsetBound.bruteForce(target: p, law: law).alpha
                    #expect(
                        row.lower! <= dense + 1e-12 && dense <= row.upper! + 1e-12,
                        "seed \(seed) k \(k) \(row.law) n \(row.drafts): \(row.lower!) \(dense) \(row.upper!)")
                    if k == v { #expect(abs(row.upper! - row.lower!) < 1e-12) }
                }
            }
        }
    }

    /// A batch position equals the single-instance library calls (`bound`'s dual scan, each verifier's exact
    /// acceptance) exactly.
    @Test func batchRowsEqualSingleInstances() throws {
        let dir = Self.folder()
        let t = Self.rows(6, 9, seed: 7), d = Self.rows(6, 9, seed: 8)
        let target = try ModelRows(
            spec: Self.write(TensorWriter.npy(t.flatMap { $0 }, shape: [6, 9], as: .float64), dir + "/t.npy"))
        let draft = try ModelRows(
            spec: Self.write(TensorWriter.npy(d.flatMap { $0 }, shape: [6, 9], as: .float64), dir + "/d.npy"))
        let plan = BatchPlan(
            laws: [.iid, .withoutReplacement, .greedy], drafts: [2, 3], verifiers: ["rrs", "kseq", "optimal", "naive"])
        let job = try BatchJob(
            target: target, drafts: [draft], targetProcessing: try RowProcessing(),
            draftProcessing: try RowProcessing(), plan: plan)
        for i in 0..<6 {
            let (rows, skipped) = try job.rows(position: i)
            #expect(skipped.isEmpty)
            let p = try Distribution(normalizing: t[i]), q = try Distribution(normalizing: d[i])
            for row in rows {
                let law = try DraftLaw.named(row.law, drafts: [q], count: row.drafts)
                let expected =
                    row.verifier == .alphaStar
                    ? try optimalAcceptance(target: p, law: law).alpha
                    : try makeVerifier(name: row.verifier.description, target: p, law: law).exactAcceptance!
                #expect(row.value == expected, "position \(i) \(row.law) \(row.drafts) \(row.verifier)")
            }
            #expect(rows.filter { $0.verifier == .alphaStar }.count == 6)
        }
    }
}
