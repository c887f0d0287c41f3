import Datasets
import MultidraftIO
import Foundation

/// The binary container of a trace, for large traces: one safetensors file holding the same records as the JSON
/// Lines form (``TraceReader``), as flat arrays and offset indexes.
///
/// **Format `multidraft-trace` version 1, container `safetensors`.** Metadata (`__metadata__`, strings):
/// `format = "multidraft-trace"`, `version = "1"`, `vocab_size`, `law`. Tensors (1-D; offsets are I64, token ids and
/// indices I32 or I64, probabilities F16, BF16, F32 or F64), with S steps, C chains, T drafted tokens, P target laws,
/// E emitted tokens:
///
/// ```
/// context [S], step [S]                     the context id (an integer) and step of every record
/// chain_offsets [S+1]                       the chains of step s: chain_offsets[s] ..< chain_offsets[s+1]
/// draft_offsets [C+1], drafts [T]           the drafted tokens of chain c; q row t is the law of drafts[t]
/// p_offsets [C+1]                           the target laws of chain c (root first): p rows p_offsets[c] ..< p_offsets[c+1]
/// emitted_offsets [S+1], emitted [E]        the emitted tokens of step s
/// q_row_offsets [T+1], q_indices, q_values, q_rest [T]     law rows in compressed sparse rows: row t lists
/// p_row_offsets [P+1], p_indices, p_values, p_rest [P]     (index, value) pairs plus the rest mass
/// ```
///
/// Without `q_indices` (`p_indices`) every q (p) row is dense: V values and no rest. Record s is checked exactly as
/// line s + 2 of the equivalent JSON Lines file and audited with the same random streams, so both forms of one trace
/// give the same verdict. Errors name the record: `FILE: record s: …`.
package struct TraceContainer: Sendable {
    package let path: String
    package let header: TraceHeader
    /// The number of records (steps).
    package let stepCount: Int
    let tensors: [String: StoredTensor]

    static let required = [
        "context", "step", "chain_offsets", "draft_offsets", "drafts", "p_offsets", "emitted_offsets",
        "emitted", "q_row_offsets", "q_values", "q_rest", "p_row_offsets", "p_values", "p_rest"
    ]

    /// True when the file at `path` starts like a safetensors file (an 8-byte length, then a JSON object).
    package static func isContainer(path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let head = handle.readData(ofLength: 9)
        return head.count == 9 && head[head.startIndex] != UInt8(ascii: "{")
            && head[head.startIndex + 8] == UInt8(ascii: "{")
    }

    package init(path: String) throws {
        self.path = path
        let opened: (tensors: [String: StoredTensor], metadata: [String: String])
        do { opened = try TensorFile.open(path) } catch {
            throw TraceError.unreadable(path: path, detail: "not a readable trace container: \(error)")
        }
        let meta = opened.metadata.map {
            (key: $0.key, value: Double($0.value).map { JSONValue.number($0) } ?? .string($0.value))
        }
        header = try TraceReader.header(.object(meta), path: path)
        for name in Self.required where opened.tensors[name] == nil {
            throw TraceError.header(path: path, detail: "the container has no tensor '\(name)'")
        }
        for (name, t) in opened.tensors where t.shape.count != 1 {
            throw TraceError.header(path: path, detail: "tensor '\(name)' must be 1-D, has shape \(t.shape)")
        }
        for name in [
            "context", "step", "chain_offsets", "draft_offsets", "drafts", "p_offsets", "emitted_offsets", "emitted",
            "q_row_offsets", "q_indices", "p_row_offsets", "p_indices"
        ] {
            if let t = opened.tensors[name], t.type.isFloat {
                throw TraceError.header(
                    path: path, detail: "tensor '\(name)' must hold integers (I32 or I64), not \(t.type.rawValue)")
            }
        }
        let all = opened.tensors
        let s = all["context"]!.elementCount
        let count = { (name: String) -> Int in all[name]!.elementCount }
        guard count("step") == s, count("chain_offsets") == s + 1, count("emitted_offsets") == s + 1,
            count("draft_offsets") == count("p_offsets"), count("q_row_offsets") == count("drafts") + 1,
            count("q_rest") == count("drafts")
        else {
            throw TraceError.header(
                path: path,
                detail:
                    "tensor lengths disagree (context, step: S; chain_offsets, emitted_offsets: S + 1; q_row_offsets: drafts + 1; q_rest: drafts)"
            )
        }
        guard count("p_row_offsets") == count("p_rest") + 1 else {
            throw TraceError.header(path: path, detail: "p_row_offsets must have one more entry than p_rest")
        }
        tensors = all
        stepCount = s
    }

    func integers(_ name: String, _ range: Range<Int>) -> [Int] {
        tensors[name]!.elements(range).map { $0.isFinite && abs($0) < 9e15 ? Int($0) : -1 }
    }

    /// Records `range`, checked. Without `skipInvalid` the first malformed record ends the read and is returned as
    /// `error`; with it, malformed records are reported in `skipped` and left out.
    package func steps(
        _ range: Range<Int>, skipInvalid: Bool
    ) -> (steps: [TraceStep], skipped: [String], error: TraceError?) {
        var out: [TraceStep] = [], skipped: [String] = []
        guard !range.isEmpty else { return ([], [], nil) }
        let v = header.vocabularySize
        let contexts = integers("context", range), stepIds = integers("step", range)
        let chainOff = integers("chain_offsets", range.lowerBound..<(range.upperBound + 1))
        let emitOff = integers("emitted_offsets", range.lowerBound..<(range.upperBound + 1))
        func fail(_ s: Int, _ detail: String) -> TraceError { .containerRecord(path: path, record: s, detail: detail) }
        let chainCount = count("draft_offsets") - 1, emittedCount = count("emitted")
        // The index ranges of the whole slice, checked before anything is read through them.
        guard chainOff.first! >= 0, chainOff.last! <= chainCount, chainOff.first! <= chainOff.last!,
            emitOff.first! >= 0, emitOff.last! <= emittedCount, emitOff.first! <= emitOff.last!
        else {
            return (
                [], [],
                fail(
                    range.lowerBound,
                    "chain_offsets or emitted_offsets outside their arrays in records \(range.lowerBound)..<\(range.upperBound)"
                )
            )
        }
        let (c0, c1) = (chainOff.first!, chainOff.last!)
        let draftOff = integers("draft_offsets", c0..<(c1 + 1)), pOff = integers("p_offsets", c0..<(c1 + 1))
        let (t0, t1) = (draftOff.first!, draftOff.last!), (r0, r1) = (pOff.first!, pOff.last!)
        guard t0 >= 0, t1 <= count("drafts"), t0 <= t1, r0 >= 0, r1 <= count("p_rest"), r0 <= r1 else {
            return (
                [], [],
                fail(
                    range.lowerBound,
                    "draft_offsets or p_offsets outside their arrays in records \(range.lowerBound)..<\(range.upperBound)"
                )
            )
        }
        let drafts = integers("drafts", t0..<t1), emitted = integers("emitted", emitOff.first!..<emitOff.last!)
        guard let qLaws = laws("q", t0..<t1, v: v), let pLaws = laws("p", r0..<r1, v: v) else {
            return (
                [], [],
                fail(
                    range.lowerBound,
                    "q_row_offsets or p_row_offsets outside their arrays in records \(range.lowerBound)..<\(range.upperBound)"
                )
            )
        }
        for (i, s) in range.enumerated() {
            do {
                let record = try step(
                    s, i: i, contexts: contexts, stepIds: stepIds, chainOff: chainOff, emitOff: emitOff,
                    c0: c0, draftOff: draftOff, pOff: pOff, t0: t0, r0: r0, drafts: drafts,
                    emitted: emitted, qLaws: qLaws, pLaws: pLaws, v: v, fail: { fail(s, $0) })
                if let j = record.outsideSupport.first {
                    let error = fail(
                        s, "emitted token \(record.emitted[j]) (index \(j)) is outside the support of its target law")
                    guard skipInvalid else { return (out, skipped, error) }
                    skipped.append(error.description + " (kept: counted as an impossible output)")
                }
                out.append(record)
            } catch let error as TraceError {
                guard skipInvalid else { return (out, skipped, error) }
                skipped.append(error.description)
            } catch {
                return (out, skipped, fail(s, "\(error)"))
            }
        }
        return (out, skipped, nil)
    }

    private func count(_ name: String) -> Int { tensors[name]!.elementCount }

    /// The raw rows `range` of the q or p law table: (indices or nil for dense, values, rest) per row.
    private func laws(
        _ prefix: String, _ range: Range<Int>, v: Int
    ) -> [(indices: [Int]?, values: [Double], rest: Double)]? {
        guard !range.isEmpty else { return [] }
        let offsets = integers(prefix + "_row_offsets", range.lowerBound..<(range.upperBound + 1))
        let values = tensors[prefix + "_values"]!
        let indexTensor = tensors[prefix + "_indices"]
        guard let e0 = offsets.first, let e1 = offsets.last, e0 >= 0, e0 <= e1, e1 <= values.elementCount,
            indexTensor.map({ $0.elementCount == values.elementCount }) ?? true
        else { return nil }
        let allValues = values.elements(e0..<e1)
        let allIndices = indexTensor.map { _ in integers(prefix + "_indices", e0..<e1) }
        let rests = tensors[prefix + "_rest"]!.elements(range)
        var rows: [(indices: [Int]?, values: [Double], rest: Double)] = []
        rows.reserveCapacity(range.count)
        for k in 0..<range.count {
            let (a, b) = (offsets[k] - e0, offsets[k + 1] - e0)
            guard a >= 0, a <= b, b <= allValues.count else { return nil }
            rows.append((allIndices.map { Array($0[a..<b]) }, Array(allValues[a..<b]), rests[k]))
        }
        return rows
    }

    private func step(
        _ s: Int, i: Int, contexts: [Int], stepIds: [Int], chainOff: [Int], emitOff: [Int], c0: Int,
        draftOff: [Int], pOff: [Int], t0: Int, r0: Int, drafts: [Int], emitted: [Int],
        qLaws: [(indices: [Int]?, values: [Double], rest: Double)],
        pLaws: [(indices: [Int]?, values: [Double], rest: Double)], v: Int,
        fail: (String) -> TraceError
    ) throws -> TraceStep {
        let (ca, cb) = (chainOff[i], chainOff[i + 1])
        guard ca <= cb, ca >= c0, cb <= c0 + draftOff.count - 1 else {
            throw fail("chain_offsets decrease or leave their array")
        }
        guard ca < cb else { throw fail("\"drafts\" must be a non-empty list of chains") }
        func law(_ row: (indices: [Int]?, values: [Double], rest: Double), _ what: String) throws -> TraceLaw {
            if let indices = row.indices {
                return try TraceReader.sparseLaw(
                    indices: indices, values: row.values, rest: row.rest, v: v, what: what, fail: fail)
            }
            return try TraceReader.denseLaw(row.values, v: v, what: what, fail: fail)
        }
        var chains: [[Int]] = [], q: [[TraceLaw]] = [], p: [[TraceLaw]] = []
        for c in ca..<cb {
            let (ta, tb) = (draftOff[c - c0] - t0, draftOff[c - c0 + 1] - t0)
            let (ra, rb) = (pOff[c - c0] - r0, pOff[c - c0 + 1] - r0)
            let k = c - ca
            guard ta >= 0, ta < tb, tb <= drafts.count else {
                throw fail("drafts[\(k)] must be a non-empty list of token ids")
            }
            guard ra >= 0, ra <= rb, rb <= pLaws.count, (1...(tb - ta + 1)).contains(rb - ra) else {
                throw fail("p[\(k)] must hold 1 to \(tb - ta + 1) laws (the root, then after each drafted token)")
            }
            chains.append(Array(drafts[ta..<tb]))
            q.append(try (ta..<tb).map { try law(qLaws[$0], "q[\(k)][\($0 - ta)]") })
            p.append(try (ra..<rb).map { try law(pLaws[$0], "p[\(k)][\($0 - ra)]") })
        }
        let (ea, eb) = (emitOff[i] - emitOff[0], emitOff[i + 1] - emitOff[0])
        guard ea >= 0, ea < eb, eb <= emitted.count else {
            throw fail("\"emitted\" must be a non-empty list of token ids")
        }
        let header = self.header
        return try TraceReader.checkedStep(
            context: String(contexts[i]), step: stepIds[i], drafts: chains, q: q, p: p,
            emitted: Array(emitted[ea..<eb]), number: s + 2, header: header, fail: fail)
    }
}
