import Foundation
import MultidraftIO
import Testing
@testable import EngineAudit
import Distributions

/// The output-law test alone (`TraceAudit.outputLaw`, `audit --checks output-law`) against the full audit: on random
/// traces with several chains, depths and sparse or dense target laws, written both as JSON Lines and as the binary
/// container, the transforms read in place from the container are the full audit's, bit for bit and in the same
/// order, for every thread count and chunk size, and the verdict row is the same; malformed target laws and
/// impossible tokens are refused with the record, or counted with `skipInvalid`.
@Suite struct OutputLawTests {
    /// A random trace: `chains` chains of `length` tokens per step, every node's law random (top-`topK` with a rest
    /// mass, or dense), the emitted tokens a drafted prefix of a random chain plus one token of its target law.
    static func trace(
        steps: Int, v: Int, chains: Int, length: Int, topK: Int?, seed: UInt64,
        valueType: ElementType = .float64, indexType: ElementType = .int64,
        corrupt: ((_ step: Int, _ row: inout (indices: [Int], values: [Double], rest: Double)) -> Void)? = nil,
        unlistedEmission: Set<Int> = []
    ) -> (jsonl: String, container: Data) {
        var rng = Xoshiro256(seed: seed)
        func law() -> (indices: [Int], values: [Double], rest: Double) {
            if let k = topK {
                var pool = Array(0..<v)
                for i in 0..<k { pool.swapAt(i, i + Int(rng.next() % UInt64(v - i))) }
                // half the laws with tied values (1 to 4 units), which the cell order breaks by token id
                let tied = rng.nextUniform() < 0.5
                let raw = (0..<k).map { _ in
                    tied ? Double(1 + rng.next() % 4) : rng.nextUniform() + (rng.nextUniform() < 0.2 ? 0 : 0.01)
                }
                let rest = rng.nextUniform() < 0.3 ? 0 : rng.nextUniform()
                let total = raw.reduce(0, +) + rest
                return (Array(pool.prefix(k)), raw.map { $0 / total }, rest / total)
            }
            let raw = (0..<v).map { _ in rng.nextUniform() < 0.2 ? 0 : rng.nextUniform() }
            let total = raw.reduce(0, +)
            return (Array(0..<v), raw.map { $0 / total }, 0)
        }
        func text(_ l: (indices: [Int], values: [Double], rest: Double)) -> String {
            let values = "[" + l.values.map { "\($0)" }.joined(separator: ",") + "]"
            guard topK != nil else { return values }
            return "{\"indices\":[\(l.indices.map(String.init).joined(separator: ","))],\"values\":\(values),"
                + "\"rest\":\(l.rest)}"
        }
        var lines = ["{\"format\":\"multidraft-trace\",\"version\":1,\"vocab_size\":\(v),\"law\":\"iid\"}"]
        var columns: [String: [Double]] = [:]
        func add(_ name: String, _ values: [Double]) { columns[name, default: []] += values }
        var counts = (chains: 0, drafts: 0, p: 0, emitted: 0, qValues: 0, pValues: 0)
        add("chain_offsets", [0]); add("draft_offsets", [0]); add("p_offsets", [0]); add("emitted_offsets", [0])
        add("q_row_offsets", [0]); add("p_row_offsets", [0])
        for s in 0..<steps {
            let drafts = (0..<chains).map { _ in (0..<length).map { _ in Int(rng.next() % UInt64(v)) } }
            let q = drafts.map { $0.map { _ in law() } }
            var p = drafts.map { _ in (0...length).map { _ in law() } }
            let source = Int(rng.next() % UInt64(chains)), m = Int(rng.next() % UInt64(length + 1))
            var emitted = Array(drafts[source].prefix(m))
            // an accepted draft token has positive mass under its target law (node j of the first chain that drafted
            // emitted[..<j]): give it some where the random law has none
            for j in 0..<m {
                let c = drafts.firstIndex { Array($0.prefix(j)) == Array(emitted.prefix(j)) }!
                var row = p[c][j]
                let y = emitted[j]
                if let k = row.indices.firstIndex(of: y) {
                    if row.values[k] == 0 { row.values[k] = 0.5 }
                } else if row.rest == 0 {
                    row.rest = 0.5
                }
                let total = row.values.reduce(0, +) + row.rest
                p[c][j] = (row.indices, row.values.map { $0 / total }, row.rest / total)
            }
            // the target law of the next token: node m of the first chain that drafted emitted[..<m]
            let chain = drafts.firstIndex { Array($0.prefix(m)) == emitted }!
            if let corrupt { corrupt(s, &p[chain][m]) }
            let row = p[chain][m]
            if unlistedEmission.contains(s) {
                emitted.append((0..<v).first { !row.indices.contains($0) }!)
            } else {
                let listed = row.indices.indices.filter { row.values[$0] > 0 }
                emitted.append(row.indices[listed[Int(rng.next() % UInt64(listed.count))]])
            }
            lines.append(
                "{\"context\":\"\(s % 5)\",\"step\":\(s),\"drafts\":[\(drafts.map { "\($0)" }.joined(separator: ","))],"
                    + "\"q\":[\(q.map { "[" + $0.map(text).joined(separator: ",") + "]" }.joined(separator: ","))],"
                    + "\"p\":[\(p.map { "[" + $0.map(text).joined(separator: ",") + "]" }.joined(separator: ","))],"
                    + "\"emitted\":\(emitted)}")
            add("context", [Double(s % 5)]); add("step", [Double(s)])
            counts.chains += chains
            add("chain_offsets", [Double(counts.chains)])
            for k in 0..<chains {
                add("drafts", drafts[k].map(Double.init))
                counts.drafts += length; counts.p += length + 1
                add("draft_offsets", [Double(counts.drafts)]); add("p_offsets", [Double(counts.p)])
                for l in q[k] {
                    counts.qValues += l.values.count
                    add("q_row_offsets", [Double(counts.qValues)]); add("q_values", l.values); add("q_rest", [l.rest])
                    if topK != nil { add("q_indices", l.indices.map(Double.init)) }
                }
                for l in p[k] {
                    counts.pValues += l.values.count
                    add("p_row_offsets", [Double(counts.pValues)]); add("p_values", l.values); add("p_rest", [l.rest])
                    if topK != nil { add("p_indices", l.indices.map(Double.init)) }
                }
            }
            counts.emitted += emitted.count
            add("emitted", emitted.map(Double.init)); add("emitted_offsets", [Double(counts.emitted)])
        }
        let tensors = columns.keys.sorted().map { name in
            let values = columns[name]!
            let type: ElementType =
                name.hasSuffix("values") || name.hasSuffix("rest")
                ? valueType : name.hasSuffix("indices") ? indexType : .int64
            return (name: name, type: type, shape: [values.count], values: values)
        }
        let container = TensorWriter.safetensors(
            tensors, metadata: ["format": "multidraft-trace", "version": "1", "vocab_size": "\(v)", "law": "iid"])
        return (lines.joined(separator: "\n") + "\n", container)
    }

    static func files(_ trace: (jsonl: String, container: Data)) throws -> (jsonl: TraceSource, container: TraceSource)
    {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("output-law-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let jsonl = folder.appendingPathComponent("t.jsonl"), container = folder.appendingPathComponent("t.safetensors")
        try trace.jsonl.write(to: jsonl, atomically: true, encoding: .utf8)
        try trace.container.write(to: container)
        return (try TraceSource(path: jsonl.path), try TraceSource(path: container.path))
    }

    /// Containers in float64/int64 (the JSON Lines values exactly), float32/int32 (the writer's default layout, read
    /// by its own fused path) and float16/int32.
    static let layouts: [(v: Int, chains: Int, length: Int, topK: Int?, values: ElementType, indices: ElementType)] = [
        (6, 2, 3, 4, .float64, .int64), (40, 3, 2, 7, .float64, .int64), (9, 2, 2, nil, .float64, .int64),
        (200, 1, 4, 16, .float64, .int64), (40, 3, 2, 7, .float32, .int32), (200, 1, 4, 16, .float32, .int32),
        (9, 2, 2, nil, .float32, .int32), (30, 2, 3, 5, .float16, .int32)
    ]

    @Test(arguments: 0..<layouts.count)
    func transformsEqualTheFullAudit(layout: Int) throws {
        let (v, chains, length, topK, values, indices) = Self.layouts[layout]
        let sources = try Self.files(
            Self.trace(
                steps: 700, v: v, chains: chains, length: length, topK: topK, seed: UInt64(v + chains),
                valueType: values, indexType: indices))
        let options = TraceAudit.Options(level: 0.001, seed: 3)
        let full = try TraceAudit.audit(sources.container, options: options, threads: 2)
        #expect(full.accumulator.stepCount == 700)
        if values == .float64 { #expect(try TraceAudit.audit(sources.jsonl, options: options).rows == full.rows) }
        let container = try #require(sources.container.container)
        for (threads, chunk) in [(1, 65_536), (2, 1), (2, 7), (3, 100)] {
            let fast = try container.outputLawTransforms(seed: 3, skipInvalid: false, threads: threads, chunk: chunk)
            let same = fast.values == full.accumulator.output // (not inside #expect: it would print both arrays)
            #expect(same, "threads \(threads), chunk \(chunk)")
            #expect(fast.impossible == 0 && fast.steps == 700 && fast.skipped.isEmpty)
        }
        for source in values == .float64 ? [sources.container, sources.jsonl] : [sources.container] {
            let alone = try TraceAudit.outputLaw(source, options: options, threads: 2)
            #expect(alone.row == full.rows[0] && alone.row.check == "output_law" && alone.steps == 700)
        }
        // another seed moves the transforms (the streams are the seed's)
        let other = try container.outputLawTransforms(seed: 4, skipInvalid: false, threads: 1)
        let moved = other.values != full.accumulator.output
        #expect(moved)
    }

    /// The bucket sort behind the uniformity test gives `sorted()`'s sequence (−0 and +0 aside, which compare
    /// equal): on transforms, on skewed transforms (every value in a few buckets, so buckets beyond the insertion
    /// sort's reach), on ties, on 0 and 1 exactly, and on values outside [0, 1] (the fallback).
    @Test func bucketSortEqualsSorted() {
        var rng = Xoshiro256(seed: 5)
        let special: [Double] = [0, -0.0, .infinity, -.infinity, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, 1, -1]
        for n in [4_096, 5_000, 70_001] {
            let transforms = (0..<n).map { _ in rng.nextUniform() }
            let mixed = (0..<n).map { i in
                i % 97 == 0 ? special[i % special.count] : (rng.nextUniform() - 0.5) * pow(10, Double(i % 41) - 20)
            }
            let skewed = transforms.map { pow($0, 40) }
            let ends = transforms.map { $0 < 0.3 ? 0 : $0 > 0.7 ? 1 : $0 }
            let signedZeros = transforms.enumerated().map { $0.offset % 3 == 0 ? -0.0 : $0.element }
            for values in [transforms, mixed, transforms.map { ($0 * 16).rounded() / 16 }, skewed, ends, signedZeros] {
                let (a, b) = (UniformityTest.unitSorted(values), values.sorted())
                let same = a.count == b.count && zip(a, b).allSatisfy { $0 == $1 }
                #expect(same, "n = \(n)")
                // the statistic of the sorted sequence, as the comparison sort gives it
                var d = 0.0
                for (i, x) in b.enumerated() { d = max(d, Double(i + 1) / Double(n) - x, x - Double(i) / Double(n)) }
                #expect(UniformityTest(values).statistic == d)
            }
        }
    }

    /// Emitted tokens outside the listed tokens of their target law take the rest cell (listed mass below, the rest
    /// as their own mass), in every layout; where the rest is 0 they are impossible outputs.
    @Test func unlistedTokensTakeTheRestCell() throws {
        for (values, indices) in [(ElementType.float64, ElementType.int64), (.float32, .int32), (.float16, .int32)] {
            let sources = try Self.files(
                Self.trace(
                    steps: 400, v: 50, chains: 2, length: 2, topK: 6, seed: 12, valueType: values,
                    indexType: indices, unlistedEmission: Set(stride(from: 0, to: 400, by: 3))))
            let alone = try TraceAudit.outputLaw(sources.container, options: .init(seed: 5), skipInvalid: true)
            let full = try TraceAudit.audit(sources.container, options: .init(seed: 5), skipInvalid: true)
            #expect(alone.row == full.rows[0] && alone.skipped == full.skipped, "\(values)")
            let container = try #require(sources.container.container)
            let read = try container.outputLawTransforms(seed: 5, skipInvalid: true, threads: 2, chunk: 7)
            let same = read.values == full.accumulator.output // (not inside #expect: it would print both arrays)
            #expect(same, "\(values)")
            // about a third of the records emit an unlisted token; those with rest 0 (30 % of laws) are impossible
            #expect(read.impossible > 10 && read.impossible < 80 && read.skipped.count == read.impossible, "\(values)")
        }
    }

    @Test func malformedTargetLawsAndImpossibleTokensAreReported() throws {
        // record 40's emitted token is given a target law whose values sum to 0.5
        let halved = try Self.files(
            Self.trace(
                steps: 100, v: 30, chains: 2, length: 3, topK: 5, seed: 8,
                corrupt: { s, row in if s == 40 { row.values = row.values.map { $0 / 2 }; row.rest /= 2 } }))
        for source in [halved.container, halved.jsonl] {
            #expect {
                _ = try TraceAudit.outputLaw(source, options: .init(), threads: 2)
            } throws: { error in
                let text = "\(error)"
                return (text.contains("record 40: p[") || text.contains("line 42: p["))
                    && (text.contains("sums to 0.49") || text.contains("sums to 0.5 "))
            }
            let skipped = try TraceAudit.outputLaw(source, options: .init(), skipInvalid: true, threads: 2)
            #expect(skipped.steps == 99 && skipped.skipped.count == 1)
        }
        // record 60's target law: a repeated index alone (refused, and with skipInvalid the laws after it are still
        // read correctly: the full audit skips the same record and gives the same row); then a repeated or
        // out-of-range index before a negative value, where the full audit reports the value (it checks the values
        // first), so the fused pass must too
        func negativeAfterRepeat(_ row: inout (indices: [Int], values: [Double], rest: Double)) {
            row.indices[1] = row.indices[0]
            row.values[4] = -row.values[4]
        }
        func negativeAfterOutOfRange(_ row: inout (indices: [Int], values: [Double], rest: Double)) {
            (row.indices[1], row.values[1], row.values[3]) = (30, 0, -0.25)
        }
        let corruptions: [(String, (inout (indices: [Int], values: [Double], rest: Double)) -> Void)] = [
            ("repeated index", { row in row.indices[1] = row.indices[0] }),
            ("negative or non-finite", negativeAfterRepeat), ("negative or non-finite", negativeAfterOutOfRange)
        ]
        for (values, indices) in [(ElementType.float64, ElementType.int64), (.float32, .int32)] {
            for (message, corruption) in corruptions {
                let repeated = try Self.files(
                    Self.trace(
                        steps: 100, v: 30, chains: 2, length: 3, topK: 5, seed: 9, valueType: values,
                        indexType: indices, corrupt: { s, row in if s == 60 { corruption(&row) } }))
                #expect {
                    _ = try TraceAudit.outputLaw(repeated.container, options: .init(), threads: 1)
                } throws: { error in
                    "\(error)".contains("record 60: p[") && "\(error)".contains(message)
                }
                let afterRepeat = try TraceAudit.outputLaw(repeated.container, options: .init(), skipInvalid: true)
                let fullAfterRepeat = try TraceAudit.audit(repeated.container, options: .init(), skipInvalid: true)
                #expect(afterRepeat.steps == 99 && afterRepeat.row == fullAfterRepeat.rows[0], "\(values) \(message)")
                #expect(afterRepeat.skipped == fullAfterRepeat.skipped && afterRepeat.skipped.count == 1)
            }
        }
        // record 17 emits a token outside the listed tokens of its target law, whose rest mass is moved to a listed
        // token: probability 0, impossible for a lossless engine
        let sources = try Self.files(
            Self.trace(
                steps: 30, v: 30, chains: 1, length: 2, topK: 5, seed: 2,
                corrupt: { s, row in if s == 17 { row.values[0] += row.rest; row.rest = 0 } }, unlistedEmission: [17]))
        let container = try #require(sources.container.container)
        #expect {
            _ = try container.outputLawTransforms(seed: 1, skipInvalid: false, threads: 1)
        } throws: { error in
            "\(error)".contains("record 17: emitted token") && "\(error)".contains("outside the support")
        }
        let kept = try TraceAudit.outputLaw(sources.container, options: .init(), skipInvalid: true)
        let full = try TraceAudit.audit(sources.container, options: .init(), skipInvalid: true)
        #expect(kept.row == full.rows[0] && kept.skipped == full.skipped && kept.skipped.count == 1)
        #expect(kept.row.verdict == "FAIL (1 tokens with probability 0)" && kept.steps == 30)
    }
}
