import Distributions
import Foundation
import MultidraftIO
import MultidraftSupport

extension TraceContainer {
    /// One 1-D tensor of the container, read in place from the memory-mapped file.
    struct MappedColumn {
        let base: UnsafeRawPointer
        let count: Int
        let type: ElementType
        let bigEndian: Bool

        /// Elements `range` into `out` (its contents replaced), decoded in one pass.
        func doubles(_ range: Range<Int>, into out: inout [Double]) {
            type.loadAll(base + range.lowerBound &* type.width, count: range.count, bigEndian: bigEndian, into: &out)
        }
    }

    /// The randomised probability-integral transforms of the output-law test, read straight from the container:
    /// the same values, in the same order, with the same random streams as ``TraceAudit/audit(_:options:skipInvalid:threads:keepSteps:chunk:)``
    /// computes for the `output_law` check, without building a ``TraceStep`` per record.
    ///
    /// It reads and checks what the output-law test uses: every record's offsets, chains, drafted and emitted tokens
    /// (the structural checks of the full audit) and the target law of every emitted token (indices inside the
    /// vocabulary and distinct, values and rest non-negative and finite, total 1 within
    /// ``TraceReader/massTolerance``). The draft laws q and the target laws no emitted token uses are not read, so a
    /// defect confined to them is reported by the full audit only.
    ///
    /// - Complexity: O(chains + emitted tokens · k) per record for top-k target laws (O(V) per emitted token for
    ///   dense ones), plus a V-bit set per chunk of `chunk` records for the distinct-index check; memory O(emitted
    ///   tokens). The result does not depend on `threads` or `chunk`. Measured in the AuditingAnEngine article.
    package func outputLawTransforms(
        seed: UInt64, skipInvalid: Bool, threads: Int, chunk: Int = 65_536
    ) throws -> (values: [Double], impossible: Int, steps: Int, skipped: [String]) {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw TraceError.unreadable(path: path, detail: "cannot read the trace")
        }
        return try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            guard let base = raw.baseAddress else {
                throw TraceError.unreadable(path: path, detail: "the container is empty")
            }
            func column(_ name: String) throws -> MappedColumn? {
                guard let t = tensors[name] else { return nil }
                let end = t.offset + t.elementCount * t.type.width
                guard t.offset >= 0, end <= raw.count else {
                    throw TraceError.unreadable(
                        path: path, detail: "the container is truncated (tensor '\(name)' ends beyond the file)")
                }
                return MappedColumn(base: base + t.offset, count: t.elementCount, type: t.type, bigEndian: t.bigEndian)
            }
            let columns = OutputColumns(
                chainOffsets: try column("chain_offsets")!, emittedOffsets: try column("emitted_offsets")!,
                emitted: try column("emitted")!, draftOffsets: try column("draft_offsets")!,
                drafts: try column("drafts")!, pOffsets: try column("p_offsets")!,
                rowOffsets: try column("p_row_offsets")!, values: try column("p_values")!,
                rest: try column("p_rest")!, indices: try column("p_indices"))
            let pieces = (stepCount + chunk - 1) / chunk
            let parts = parallelMap(count: pieces, threads: max(1, threads)) { i in
                readOutputLaw(
                    columns, records: (i * chunk)..<min(stepCount, (i + 1) * chunk), seed: seed,
                    skipInvalid: skipInvalid)
            }
            return try TraceAudit.merged(parts)
        }
    }

    /// Elements [lo, lo + count) of a column, decoded once for a part of the records.
    struct Window {
        var lo = 0
        var values: [Double] = []

        /// Loads `range` clamped to the column.
        mutating func load(_ column: MappedColumn, _ range: Range<Int>) {
            let a = max(0, min(range.lowerBound, column.count)), b = max(a, min(range.upperBound, column.count))
            lo = a
            column.doubles(a..<b, into: &values)
        }

        /// Element `i` as an integer; −1 outside the window or for a value that is not an integer (checked like
        /// ``TraceContainer/integers(_:_:)``).
        @inline(__always) func int(_ i: Int) -> Int {
            let k = i &- lo
            guard k >= 0 && k < values.count else { return -1 }
            let x = values[k]
            return x.isFinite && abs(x) < 9e15 ? Int(x) : -1
        }

        @inline(__always) func double(_ i: Int) -> Double {
            let k = i &- lo
            return k >= 0 && k < values.count ? values[k] : .nan
        }

        /// The smallest and largest valid entries (−1 and 0 when there are none).
        func span() -> (low: Int, high: Int) {
            var low = Int.max, high = -1
            for x in values where x.isFinite && x >= 0 && x < 9e15 {
                low = min(low, Int(x))
                high = max(high, Int(x))
            }
            return high < 0 ? (0, 0) : (low, high)
        }
    }

    /// The tensors the output-law test reads.
    struct OutputColumns {
        let chainOffsets, emittedOffsets, emitted, draftOffsets, drafts, pOffsets, rowOffsets, values,
            rest: MappedColumn
        /// nil when the target laws are dense.
        let indices: MappedColumn?
    }

    /// The output-law transforms of `records`; the first malformed record ends the part (without `skipInvalid`).
    private func readOutputLaw(
        _ c: OutputColumns, records: Range<Int>, seed: UInt64, skipInvalid: Bool
    ) -> (values: [Double], impossible: Int, steps: Int, skipped: [String], error: TraceError?) {
        let v = header.vocabularySize
        let chainCount = c.draftOffsets.count - 1, pRows = c.rest.count
        var values: [Double] = [], impossible = 0, steps = 0, skipped: [String] = []
        var scratch = RowScratch(vocabularySize: c.indices == nil ? 0 : v)
        var local: [Double] = [], matched: [Int] = []
        // The part's slices of every column, decoded once: record offsets, then the chains and tokens they point to.
        var chainOffsets = Window(), emittedOffsets = Window(), draftOffsets = Window(), pOffsets = Window()
        var drafts = Window(), emitted = Window(), rowOffsets = Window(), rests = Window()
        chainOffsets.load(c.chainOffsets, records.lowerBound..<(records.upperBound + 1))
        emittedOffsets.load(c.emittedOffsets, records.lowerBound..<(records.upperBound + 1))
        let chains = chainOffsets.span(), tokens = emittedOffsets.span()
        draftOffsets.load(c.draftOffsets, chains.low..<(chains.high + 1))
        pOffsets.load(c.pOffsets, chains.low..<(chains.high + 1))
        emitted.load(c.emitted, tokens.low..<tokens.high)
        let drafted = draftOffsets.span(), rows = pOffsets.span()
        drafts.load(c.drafts, drafted.low..<drafted.high)
        rowOffsets.load(c.rowOffsets, rows.low..<(rows.high + 1))
        rests.load(c.rest, rows.low..<rows.high)
        for s in records {
            func fail(_ detail: String) -> TraceError { .containerRecord(path: path, record: s, detail: detail) }
            do {
                let (ca, cb) = (chainOffsets.int(s), chainOffsets.int(s + 1))
                guard ca >= 0, ca <= cb, cb <= chainCount else {
                    throw fail("chain_offsets decrease or leave their array")
                }
                guard ca < cb else { throw fail("\"drafts\" must be a non-empty list of chains") }
                if header.law == "single" && cb - ca != 1 {
                    throw fail("law \"single\" takes one chain, got \(cb - ca)")
                }
                let (ea, eb) = (emittedOffsets.int(s), emittedOffsets.int(s + 1))
                guard ea >= 0, ea < eb, eb <= c.emitted.count else {
                    throw fail("\"emitted\" must be a non-empty list of token ids")
                }
                for e in ea..<eb {
                    let y = emitted.int(e)
                    guard y >= 0 && y < v else { throw fail("\"emitted\" has a token outside 0..<\(v)") }
                }
                // Each chain: its drafted tokens, its target laws, and how far it matches the emitted tokens.
                matched.removeAll(keepingCapacity: true)
                var accepted = 0
                for chain in ca..<cb {
                    let k = chain - ca
                    let (ta, tb) = (draftOffsets.int(chain), draftOffsets.int(chain + 1))
                    guard ta >= 0, ta < tb, tb <= c.drafts.count else {
                        throw fail("drafts[\(k)] must be a non-empty list of token ids")
                    }
                    let (ra, rb) = (pOffsets.int(chain), pOffsets.int(chain + 1))
                    guard ra >= 0, ra <= rb, rb <= pRows, (1...(tb - ta + 1)).contains(rb - ra) else {
                        throw fail(
                            "p[\(k)] must hold 1 to \(tb - ta + 1) laws (the root, then after each drafted token)")
                    }
                    for t in ta..<tb {
                        let x = drafts.int(t)
                        guard x >= 0 && x < v else { throw fail("drafts[\(k)] has a token outside 0..<\(v)") }
                    }
                    var j = 0
                    while j < tb - ta && j < eb - ea && drafts.int(ta + j) == emitted.int(ea + j) { j += 1 }
                    matched.append(j)
                    accepted = max(accepted, j)
                }
                guard eb - ea <= accepted + 1 else {
                    throw fail(
                        "\(eb - ea) tokens emitted but only \(accepted) match a drafted path (at most one more may follow)"
                    )
                }
                var rng = Xoshiro256(seed: seed, stream: 2 * UInt64(s + 2))
                local.removeAll(keepingCapacity: true)
                var outside: (token: Int, index: Int)? = nil
                var localImpossible = 0
                for j in 0..<(eb - ea) {
                    // The target law of emitted token j: node j of the first chain that drafted the tokens before it.
                    var found: (row: Int, chain: Int)? = nil
                    for chain in ca..<cb where matched[chain - ca] >= j {
                        let (ra, rb) = (pOffsets.int(chain), pOffsets.int(chain + 1))
                        if rb - ra > j {
                            found = (ra + j, chain - ca)
                            break
                        }
                    }
                    guard let found else {
                        throw fail(
                            "no target law for emitted token \(j) (p must cover the accepted path and the token after it)"
                        )
                    }
                    let y = emitted.int(ea + j)
                    let cell: (below: Double, mass: Double)
                    do {
                        cell = try Self.cell(
                            of: y, first: rowOffsets.int(found.row), end: rowOffsets.int(found.row + 1),
                            rest: rests.double(found.row), c, v: v, scratch: &scratch)
                    } catch {
                        throw fail("p[\(found.chain)][\(j)] \(error.detail)")
                    }
                    let u = rng.nextUniform()
                    if cell.mass > 0 {
                        local.append(min(1, cell.below + u * cell.mass))
                    } else {
                        localImpossible += 1
                        if outside == nil { outside = (y, j) }
                    }
                }
                if let outside {
                    let error = fail(
                        "emitted token \(outside.token) (index \(outside.index)) is outside the support of its target law"
                    )
                    guard skipInvalid else { throw error }
                    skipped.append(error.description + " (kept: counted as an impossible output)")
                }
                values += local
                impossible += localImpossible
                steps += 1
            } catch let error as TraceError {
                guard skipInvalid else { return (values, impossible, steps, skipped, error) }
                skipped.append(error.description)
            } catch {
                return (values, impossible, steps, skipped, fail("\(error)"))
            }
        }
        return (values, impossible, steps, skipped, nil)
    }

    /// Why a target-law row failed its checks (the caller names the record and the law).
    struct RowProblem: Error {
        let detail: String
    }

    /// Scratch rows reused across the laws one part reads.
    struct RowScratch {
        var values: [Double] = []
        var indices: [Double] = []
        /// Distinct indices in O(k) per law: a bit per token (V/8 bytes, cache-resident), set for the tokens the law
        /// lists and cleared after it.
        var seen: [UInt64]

        init(vocabularySize v: Int) { seen = [UInt64](repeating: 0, count: (v + 63) / 64) }
    }

    /// The cell of `token` in target-law row `row` after the checks and the renormalisation of
    /// ``TraceReader/sparseLaw(indices:values:rest:v:what:fail:)`` / ``TraceReader/denseLaw(_:v:what:fail:)``:
    /// the same arithmetic in the same order as ``TraceLaw/cell(of:)`` on the renormalised law, so the transform is
    /// bit-identical to the full audit's.
    private static func cell(
        of token: Int, first e0: Int, end e1: Int, rest: Double, _ c: OutputColumns, v: Int,
        scratch: inout RowScratch
    ) throws(RowProblem) -> (below: Double, mass: Double) {
        func fail(_ detail: String) -> RowProblem { RowProblem(detail: detail) }
        guard e0 >= 0, e0 <= e1, e1 <= c.values.count, c.indices.map({ $0.count == c.values.count }) ?? true else {
            throw fail("has row offsets outside the p_values array")
        }
        let tolerance = TraceReader.massTolerance
        if let indices = c.indices, c.values.type == .float32, indices.type == .int32, !c.values.bigEndian,
            !indices.bigEndian
        {
            return try float32Cell(
                of: token, values: c.values.base + 4 &* e0, indices: indices.base + 4 &* e0, count: e1 - e0,
                rest: rest, v: v, seen: &scratch.seen)
        }
        c.values.doubles(e0..<e1, into: &scratch.values)
        var total = 0.0
        for x in scratch.values {
            guard x.isFinite, x >= 0 else { throw fail("has a negative or non-finite probability") }
            total += x
        }
        guard let indices = c.indices else {
            // dense: V entries, total 1 (the rest is not part of a dense law)
            guard e1 - e0 == v else { throw fail("has \(e1 - e0) entries, not vocab_size = \(v)") }
            guard abs(total - 1) <= tolerance else {
                throw fail("sums to \(total), not 1 (tolerance \(tolerance))")
            }
            let mass = scratch.values[token] / total
            var below = 0.0
            for (t, x) in scratch.values.enumerated() {
                let value = x / total
                if value > mass || (value == mass && t < token) { below += value }
            }
            return (below, mass)
        }
        total += rest
        guard rest.isFinite, rest >= 0 else { throw fail("has a negative or non-finite probability") }
        indices.doubles(e0..<e1, into: &scratch.indices)
        // the listed position of `token` (−1: unlisted), or nil for an index outside the vocabulary or repeated; the
        // bits set here are cleared again before returning, so the set is empty for the next law
        let found: Int? = scratch.indices.withUnsafeBufferPointer { listed in
            scratch.seen.withUnsafeMutableBufferPointer { seen in
                var position = -1, marked = 0
                for k in 0..<listed.count {
                    let x = listed[k]
                    let t = x.isFinite && abs(x) < 9e15 ? Int(x) : -1
                    guard t >= 0 && t < v, seen[t >> 6] & (1 << UInt64(t & 63)) == 0 else {
                        position = -2
                        break
                    }
                    seen[t >> 6] |= 1 << UInt64(t & 63)
                    marked = k + 1
                    if t == token { position = k }
                }
                for k in 0..<marked {
                    let t = Int(listed[k])
                    seen[t >> 6] &= ~(1 << UInt64(t & 63))
                }
                return position == -2 ? nil : position
            }
        }
        guard let position = found else { throw fail("has an index outside 0..<\(v) or a repeated index") }
        guard abs(total - 1) <= tolerance else {
            throw fail("sums to \(total) with its rest, not 1 (tolerance \(tolerance))")
        }
        if e1 - e0 == v && rest > tolerance { throw fail("lists every token but has rest mass \(rest)") }
        return scratch.values.withUnsafeBufferPointer { values in
            guard position >= 0 else {
                var listed = 0.0
                for x in values { listed += x / total }
                return (listed, rest / total)
            }
            let mass = values[position] / total
            let y = Double(token)
            var below = 0.0
            scratch.indices.withUnsafeBufferPointer { listed in
                for k in 0..<values.count {
                    let value = values[k] / total
                    if value > mass || (value == mass && listed[k] < y) { below += value }
                }
            }
            return (below, mass)
        }
    }

    /// ``cell(of:first:end:rest:_:v:scratch:)`` for the common layout (little-endian float32 values, int32 indices),
    /// read straight from the mapped rows: one pass for the checks, the total and the token's position, then the
    /// cells before the token's. The same arithmetic in the same order, so the same bits. The order is decided on the
    /// float32 values themselves: for float32 values a, b ≥ 0 and a total t within 1 ± 10⁻³, a > b exactly when the
    /// rounded a/t > b/t (distinct float32 values differ by at least 2⁻²⁴ relative, quotients round 2⁻⁵³ relative,
    /// and nothing underflows), and a = b exactly when a/t = b/t; so only the cells that come first are divided.
    private static func float32Cell(
        of token: Int, values: UnsafeRawPointer, indices: UnsafeRawPointer, count: Int, rest: Double, v: Int,
        seen: inout [UInt64]
    ) throws(RowProblem) -> (below: Double, mass: Double) {
        @inline(__always) func value(_ k: Int) -> Float {
            Float(bitPattern: UInt32(littleEndian: values.loadUnaligned(fromByteOffset: 4 &* k, as: UInt32.self)))
        }
        @inline(__always) func index(_ k: Int) -> Int {
            Int(Int32(littleEndian: indices.loadUnaligned(fromByteOffset: 4 &* k, as: Int32.self)))
        }
        // One pass; the problems are reported in the order the full audit checks them (values, rest, indices).
        var total = 0.0, position = -1, badValue = false, badIndex = false
        seen.withUnsafeMutableBufferPointer { seen in
            var marked = 0
            for k in 0..<count {
                let x = Double(value(k))
                if !(x.isFinite && x >= 0) { badValue = true }
                total += x
                let t = index(k)
                if t >= 0 && t < v && seen[t >> 6] & (1 << UInt64(t & 63)) == 0 {
                    seen[t >> 6] |= 1 << UInt64(t & 63)
                    marked = k + 1
                    if t == token { position = k }
                } else {
                    badIndex = true
                    break
                }
            }
            for k in 0..<marked {
                let t = index(k)
                seen[t >> 6] &= ~(1 << UInt64(t & 63))
            }
        }
        // a bad index ends the pass early: the values after it still decide which problem is reported first
        if badIndex { for k in 0..<count where !(value(k).isFinite && value(k) >= 0) { badValue = true } }
        guard !badValue, rest.isFinite, rest >= 0 else {
            throw RowProblem(detail: "has a negative or non-finite probability")
        }
        guard !badIndex else { throw RowProblem(detail: "has an index outside 0..<\(v) or a repeated index") }
        total += rest
        let tolerance = TraceReader.massTolerance
        guard abs(total - 1) <= tolerance else {
            throw RowProblem(detail: "sums to \(total) with its rest, not 1 (tolerance \(tolerance))")
        }
        if count == v && rest > tolerance { throw RowProblem(detail: "lists every token but has rest mass \(rest)") }
        guard position >= 0 else {
            var listed = 0.0
            for k in 0..<count { listed += Double(value(k)) / total }
            return (listed, rest / total)
        }
        let own = value(position)
        var below = 0.0
        for k in 0..<count {
            let x = value(k)
            if x > own || (x == own && index(k) < token) { below += Double(x) / total }
        }
        return (below, Double(own) / total)
    }
}
