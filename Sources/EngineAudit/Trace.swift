import Distributions
import Foundation

/// An engine's trace: what a speculative-decoding engine did at every verification step, as JSON Lines (below) or
/// the same records in the binary container ``TraceContainer`` for large traces.
///
/// **Format `multidraft-trace`, version 1.** The first line is the header, every further line one step:
///
/// ```
/// {"format": "multidraft-trace", "version": 1, "vocab_size": V, "law": "iid" | "without-replacement" | "independent" | "single"}
/// {"context": "c0", "step": 0,
///  "drafts":  [[x_11, x_12, ...], [x_21, ...], ...],   K chains of drafted tokens (depth 1 for token-level multi-draft)
///  "q":       [[LAW, ...], ...],                      q[k][l]: the law drafts[k][l] was drawn from (given its prefix)
///  "p":       [[LAW, ...], ...],                      p[k][l]: the target law after the context and drafts[k][..<l],
///                                                     l = 0 ... (at least the root; length(drafts[k]) + 1 for bonus tokens)
///  "emitted": [y_1, y_2, ...]}                        the tokens the step appended to the context
/// LAW = [p_0, ..., p_{V-1}]  |  {"indices": [...], "values": [...], "rest": r}   (rest: the mass of every unlisted token)
/// ```
///
/// p and q are the laws **after** the engine's temperature, top-k and top-p. `law` says how the first tokens of the
/// chains relate: i.i.d. from q[0][0] (`iid`), without replacement from q[0][0] (`without-replacement`), each from its own
/// q[k][0] (`independent`), or one chain (`single`). Deeper tokens are drawn from q[k][l] given their own prefix.
public struct TraceHeader: Sendable, Equatable {
    public static let format = "multidraft-trace"
    public static let version = 1
    public let vocabularySize: Int
    /// "iid", "without-replacement", "independent" or "single".
    public let law: String
}

/// One verification step of a trace.
public struct TraceStep: Sendable, Equatable {
    public let context: String
    public let step: Int
    public let drafts: [[Int]]
    public let q: [[TraceLaw]]
    public let p: [[TraceLaw]]
    public let emitted: [Int]
    /// The step's line number in the JSON Lines trace (1-based; record s of a binary container counts as line s + 2):
    /// names the step in messages and seeds its random streams in the audit.
    public let line: Int

    /// Indices of emitted tokens with probability 0 under their target law (impossible for a lossless engine).
    public var outsideSupport: [Int] {
        emitted.indices.filter { j in targetLaw(forEmitted: j).map { $0.cellMass(of: emitted[j]) <= 0 } ?? false }
    }

    /// The number of leading emitted tokens that form a drafted path (accepted draft tokens).
    public var acceptedCount: Int {
        var best = 0
        for chain in drafts {
            var j = 0
            while j < chain.count && j < emitted.count && chain[j] == emitted[j] { j += 1 }
            best = max(best, j)
        }
        return best
    }

    /// The target law of the emitted token at index j: p at node j of a chain whose first j tokens are emitted[..<j].
    public func targetLaw(forEmitted j: Int) -> TraceLaw? {
        for (k, chain) in drafts.enumerated()
        where chain.count >= j && Array(chain.prefix(j)) == Array(emitted.prefix(j))
            && p[k].count > j
        {
            return p[k][j]
        }
        return nil
    }
}

/// A malformed trace: the file, the line and what is wrong, in one line.
public enum TraceError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, detail: String)
    case header(path: String, detail: String)
    case record(path: String, line: Int, detail: String)
    /// A record of the binary container (``TraceContainer``), numbered from 0.
    case containerRecord(path: String, record: Int, detail: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let detail): return "\(path): \(detail)"
        case .header(let path, let detail): return "\(path): line 1 (header): \(detail)"
        case .record(let path, let line, let detail): return "\(path): line \(line): \(detail)"
        case .containerRecord(let path, let record, let detail): return "\(path): record \(record): \(detail)"
        }
    }
}

/// Reads and checks a trace.
public enum TraceReader {
    /// Tolerance on the total mass of a law in a trace: covers float32/float64 values written as decimals and float16
    /// values (half a float16 step just below 1 is 2.4e-4). Laws are renormalised after the check.
    public static let massTolerance = 1e-3
    /// The largest vocabulary a trace may declare (LLM vocabularies are below 300,000).
    public static let maxVocabularySize = 10_000_000

    /// The header and the steps of the trace at `path` (JSON Lines or the binary container ``TraceContainer``). With
    /// `skipInvalid`, malformed steps are left out and reported in `skipped` (one message each); otherwise the first
    /// one throws. The header must be valid in every case. For large traces, ``TraceAudit/audit(_:options:skipInvalid:threads:keepSteps:)``
    /// reads and audits in chunks without holding the steps.
    public static func read(
        path: String, skipInvalid: Bool = false
    ) throws -> (header: TraceHeader, steps: [TraceStep], skipped: [String]) {
        let source = try TraceSource(path: path)
        let (steps, skipped, error) = source.steps(0..<source.recordCount, skipInvalid: skipInvalid)
        if let error { throw error }
        return (source.header, steps, skipped)
    }

    /// The header from its JSON object (the JSON Lines header line, or a binary container's metadata).
    static func header(_ o: JSONValue, path: String) throws -> TraceHeader {
        guard o["format"]?.string == TraceHeader.format else {
            throw TraceError.header(path: path, detail: "\"format\" must be \"\(TraceHeader.format)\"")
        }
        guard let version = o["version"]?.integer, version == TraceHeader.version else {
            throw TraceError.header(
                path: path,
                detail:
                    "unsupported version \(o["version"].map(describe) ?? "(none)") (this reader knows version \(TraceHeader.version))"
            )
        }
        guard let v = o["vocab_size"]?.integer, v >= 1, v <= maxVocabularySize else {
            throw TraceError.header(path: path, detail: "\"vocab_size\" must be an integer in 1...\(maxVocabularySize)")
        }
        guard let law = o["law"]?.string else {
            throw TraceError.header(
                path: path, detail: "\"law\" is missing (iid, without-replacement, independent, single)")
        }
        guard ["iid", "without-replacement", "independent", "single"].contains(law) else {
            throw TraceError.header(
                path: path, detail: "unknown law \"\(law)\" (iid, without-replacement, independent, single)")
        }
        return TraceHeader(vocabularySize: v, law: law)
    }

    static func describe(_ value: JSONValue) -> String {
        switch value {
        case .number(let x): return x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x)
        case .string(let s): return "\"\(s)\""
        case .bool(let b): return String(b)
        case .null: return "null"
        default: return "(a list or object)"
        }
    }

    /// True when the index list has no repeated entry: O(k) with an open-addressing table on the stack.
    static func distinct(_ indices: [Int]) -> Bool {
        var capacity = 16
        while capacity < 2 * indices.count { capacity <<= 1 }
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: capacity) { table in
            table.initialize(repeating: -1)
            let mask = capacity - 1
            for t in indices {
                var h = (t &* -7_046_029_254_386_353_131) >> 7 & mask // multiplicative hashing (odd 64-bit constant)
                while table[h] != -1 {
                    if table[h] == t { return false }
                    h = (h + 1) & mask
                }
                table[h] = t
            }
            return true
        }
    }

    static func parseLaw(_ value: JSONValue?, v: Int, what: String, fail: (String) -> TraceError) throws -> TraceLaw {
        if case .numbers(let p)? = value { return try denseLaw(p, v: v, what: what, fail: fail) }
        if case .array(let a)? = value {
            throw fail(
                a.count == v
                    ? "\(what) has an entry that is not a non-negative number"
                    : "\(what) has \(a.count) entries, not vocab_size = \(v)")
        }
        guard let value, case .object = value, let indices = value["indices"]?.integers,
            case .numbers(let values)? = value["values"], let rest = value["rest"]?.double
        else {
            if case .object? = value, case .array? = value?["values"] {
                throw fail("\(what): \"indices\" and \"values\" must be lists of the same length")
            }
            throw fail("\(what) must be a list of \(v) probabilities or {\"indices\", \"values\", \"rest\"}")
        }
        return try sparseLaw(indices: indices, values: values, rest: rest, v: v, what: what, fail: fail)
    }

    /// A dense law, checked (V entries, non-negative, total 1 within ``massTolerance``) and renormalised.
    static func denseLaw(_ p: [Double], v: Int, what: String, fail: (String) -> TraceError) throws -> TraceLaw {
        guard p.count == v else { throw fail("\(what) has \(p.count) entries, not vocab_size = \(v)") }
        var total = 0.0
        for d in p {
            guard d.isFinite, d >= 0 else { throw fail("\(what) has an entry that is not a non-negative number") }
            total += d
        }
        guard abs(total - 1) <= massTolerance else {
            throw fail("\(what) sums to \(total), not 1 (tolerance \(massTolerance))")
        }
        return .dense(p.map { $0 / total })
    }

    /// A top-k law, checked (indices distinct and inside the vocabulary, values and rest non-negative, total 1 within
    /// ``massTolerance``) and renormalised.
    static func sparseLaw(
        indices: [Int], values: [Double], rest: Double, v: Int, what: String,
        fail: (String) -> TraceError
    ) throws -> TraceLaw {
        guard values.count == indices.count else {
            throw fail("\(what): \"indices\" and \"values\" must be lists of the same length")
        }
        var total = 0.0
        for x in values {
            guard x.isFinite, x >= 0 else { throw fail("\(what) has a negative or non-finite probability") }
            total += x
        }
        total += rest
        guard rest.isFinite, rest >= 0 else { throw fail("\(what) has a negative or non-finite probability") }
        guard indices.allSatisfy({ $0 >= 0 && $0 < v }), distinct(indices) else {
            throw fail("\(what) has an index outside 0..<\(v) or a repeated index")
        }
        guard abs(total - 1) <= massTolerance else {
            throw fail("\(what) sums to \(total) with its rest, not 1 (tolerance \(massTolerance))")
        }
        if indices.count == v && rest > massTolerance {
            throw fail("\(what) lists every token but has rest mass \(rest)")
        }
        return .sparse(indices: indices, values: values.map { $0 / total }, rest: rest / total)
    }

    static func parseStep(_ line: String, number: Int, header: TraceHeader, path: String) throws -> TraceStep {
        var line = line
        return try line.withUTF8 { try parseStep($0, 0..<$0.count, number: number, header: header, path: path) }
    }

    static func parseStep(
        _ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, number: Int, header: TraceHeader,
        path: String
    ) throws -> TraceStep {
        func fail(_ detail: String) -> TraceError { .record(path: path, line: number, detail: detail) }
        guard let o = JSONLineParser.parse(bytes, range), case .object = o else {
            throw fail("not a JSON object (truncated line?)")
        }
        let v = header.vocabularySize
        let context: String
        if let s = o["context"]?.string {
            context = s
        } else if let n = o["context"]?.double {
            context = n == n.rounded() && abs(n) < 1e15 ? String(Int(n)) : String(n)
        } else {
            throw fail("\"context\" is missing")
        }
        let step = o["step"]?.integer ?? 0
        guard let draftsAny = o["drafts"]?.elements, !draftsAny.isEmpty else {
            throw fail("\"drafts\" must be a non-empty list of chains")
        }
        var drafts: [[Int]] = []
        for (k, chainAny) in draftsAny.enumerated() {
            guard let chain = chainAny.integers, !chain.isEmpty else {
                throw fail("drafts[\(k)] must be a non-empty list of token ids")
            }
            drafts.append(chain)
        }
        guard let qAny = o["q"]?.elements, qAny.count == drafts.count else {
            throw fail("\"q\" must hold one list of laws per chain")
        }
        guard let pAny = o["p"]?.elements, pAny.count == drafts.count else {
            throw fail("\"p\" must hold one list of laws per chain")
        }
        var q: [[TraceLaw]] = [], p: [[TraceLaw]] = []
        for k in drafts.indices {
            guard let qk = qAny[k].elements, qk.count == drafts[k].count else {
                throw fail("q[\(k)] must hold one law per drafted token (\(drafts[k].count))")
            }
            guard let pk = pAny[k].elements, (1...(drafts[k].count + 1)).contains(pk.count) else {
                throw fail(
                    "p[\(k)] must hold 1 to \(drafts[k].count + 1) laws (the root, then after each drafted token)")
            }
            q.append(
                try qk.enumerated().map { try parseLaw($0.element, v: v, what: "q[\(k)][\($0.offset)]", fail: fail) })
            p.append(
                try pk.enumerated().map { try parseLaw($0.element, v: v, what: "p[\(k)][\($0.offset)]", fail: fail) })
        }
        guard let emitted = o["emitted"]?.integers, !emitted.isEmpty else {
            throw fail("\"emitted\" must be a non-empty list of token ids")
        }
        return try checkedStep(
            context: context, step: step, drafts: drafts, q: q, p: p, emitted: emitted, number: number,
            header: header, fail: fail)
    }

    /// The structural checks every step passes, whatever its container: tokens inside the vocabulary, one chain for
    /// the law `single`, at most one emitted token beyond a drafted path, and a target law for every emitted token.
    static func checkedStep(
        context: String, step: Int, drafts: [[Int]], q: [[TraceLaw]], p: [[TraceLaw]], emitted: [Int],
        number: Int, header: TraceHeader, fail: (String) -> TraceError
    ) throws -> TraceStep {
        let v = header.vocabularySize
        for (k, chain) in drafts.enumerated() where !chain.allSatisfy({ $0 >= 0 && $0 < v }) {
            throw fail("drafts[\(k)] has a token outside 0..<\(v)")
        }
        if header.law == "single" && drafts.count != 1 {
            throw fail("law \"single\" takes one chain, got \(drafts.count)")
        }
        guard emitted.allSatisfy({ $0 >= 0 && $0 < v }) else { throw fail("\"emitted\" has a token outside 0..<\(v)") }
        let record = TraceStep(context: context, step: step, drafts: drafts, q: q, p: p, emitted: emitted, line: number)
        let accepted = record.acceptedCount
        guard emitted.count <= accepted + 1 else {
            throw fail(
                "\(emitted.count) tokens emitted but only \(accepted) match a drafted path (at most one more may follow)"
            )
        }
        for j in emitted.indices {
            guard record.targetLaw(forEmitted: j) != nil else {
                throw fail(
                    "no target law for emitted token \(j) (p must cover the accepted path and the token after it)")
            }
        }
        return record
    }
}

/// A trace file opened for reading by records: JSON Lines (one record per line after the header) or the binary
/// container. The file is memory-mapped; records are parsed on demand, so chunks can be read concurrently.
public struct TraceSource: @unchecked Sendable {
    public let path: String
    public let header: TraceHeader
    /// The number of records (non-blank lines after the header, or container rows).
    public let recordCount: Int
    private enum Kind { case lines(Data, starts: [Int], ends: [Int], numbers: [Int]), container(TraceContainer) }
    private let kind: Kind

    /// The binary container behind the source (nil for JSON Lines).
    package var container: TraceContainer? {
        if case .container(let c) = kind { return c }
        return nil
    }

    public init(path: String) throws {
        self.path = path
        if TraceContainer.isContainer(path: path) {
            let container = try TraceContainer(path: path)
            (header, recordCount, kind) = (container.header, container.stepCount, .container(container))
            return
        }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw TraceError.unreadable(path: path, detail: "cannot read the trace")
        }
        var starts: [Int] = [], ends: [Int] = [], numbers: [Int] = []
        var headerRange: Range<Int>? = nil
        var utf8 = true
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            guard let base = raw.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
            let count = raw.count
            var position = 0, number = 1
            while position < count {
                let rest = count - position
                let newline = memchr(base + position, 0x0A, rest)
                let end = newline.map { base.distance(to: $0.assumingMemoryBound(to: UInt8.self)) } ?? count
                var a = position, b = end
                while a < b, base[a] == 0x20 || base[a] == 0x09 || base[a] == 0x0D { a += 1 }
                while b > a, base[b - 1] == 0x20 || base[b - 1] == 0x09 || base[b - 1] == 0x0D { b -= 1 }
                if number == 1 {
                    headerRange = a..<b
                } else if a < b {
                    starts.append(a); ends.append(b); numbers.append(number)
                }
                position = end + 1
                number += 1
            }
            if let h = headerRange {
                utf8 =
                    String(validating: UnsafeBufferPointer(start: base + h.lowerBound, count: h.count), as: UTF8.self)
                    != nil
            }
        }
        guard let h = headerRange, !h.isEmpty else { throw TraceError.header(path: path, detail: "the trace is empty") }
        guard utf8 else { throw TraceError.unreadable(path: path, detail: "not UTF-8 text") }
        let headerObject = data.withUnsafeBytes { raw in
            JSONLineParser.parse(raw.bindMemory(to: UInt8.self), h)
        }
        guard let o = headerObject, case .object = o else {
            throw TraceError.header(path: path, detail: "not a JSON object")
        }
        header = try TraceReader.header(o, path: path)
        recordCount = starts.count
        kind = .lines(data, starts: starts, ends: ends, numbers: numbers)
    }

    /// Records `range`, checked. Without `skipInvalid` the first malformed record ends the read and is returned as
    /// `error` (with the steps before it); with it, malformed records are reported in `skipped` and left out.
    public func steps(
        _ range: Range<Int>, skipInvalid: Bool
    ) -> (steps: [TraceStep], skipped: [String], error: TraceError?) {
        switch kind {
        case .container(let container): return container.steps(range, skipInvalid: skipInvalid)
        case .lines(let data, let starts, let ends, let numbers):
            var steps: [TraceStep] = [], skipped: [String] = []
            steps.reserveCapacity(range.count)
            let header = self.header, path = self.path
            let error: TraceError? = data.withUnsafeBytes { raw -> TraceError? in
                let bytes = raw.bindMemory(to: UInt8.self)
                for r in range {
                    do {
                        let step = try TraceReader.parseStep(
                            bytes, starts[r]..<ends[r], number: numbers[r], header: header, path: path)
                        if let j = step.outsideSupport.first {
                            // The contract calls this malformed; with --skip-invalid the step is kept and the token counts
                            // against the output law (dropping it would hide the strongest evidence of a defect).
                            let error = TraceError.record(
                                path: path, line: numbers[r],
                                detail:
                                    "emitted token \(step.emitted[j]) (index \(j)) is outside the support of its target law"
                            )
                            guard skipInvalid else { return error }
                            skipped.append(error.description + " (kept: counted as an impossible output)")
                        }
                        steps.append(step)
                    } catch let error as TraceError {
                        guard skipInvalid else { return error }
                        skipped.append(error.description)
                    } catch {
                        return .record(path: path, line: numbers[r], detail: "\(error)")
                    }
                }
                return nil
            }
            return (steps, skipped, error)
        }
    }
}
