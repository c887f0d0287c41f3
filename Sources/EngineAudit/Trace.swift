import Distributions
import Foundation

/// An engine's trace: what a speculative-decoding engine did at every verification step, as JSON Lines.
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
    /// The trace's line number (1-based), for messages.
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
        for (k, chain) in drafts.enumerated() where chain.count >= j && Array(chain.prefix(j)) == Array(emitted.prefix(j))
            && p[k].count > j {
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

    public var description: String {
        switch self {
        case .unreadable(let path, let detail): return "\(path): \(detail)"
        case .header(let path, let detail): return "\(path): line 1 (header): \(detail)"
        case .record(let path, let line, let detail): return "\(path): line \(line): \(detail)"
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

    /// The header and the steps of the trace at `path`. With `skipInvalid`, malformed steps are left out and reported
    /// in `skipped` (one message each); otherwise the first one throws. The header must be valid in every case.
    public static func read(path: String, skipInvalid: Bool = false) throws -> (header: TraceHeader, steps: [TraceStep], skipped: [String]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TraceError.unreadable(path: path, detail: "cannot read the trace")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw TraceError.unreadable(path: path, detail: "not UTF-8 text")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        guard let first = lines.first else { throw TraceError.header(path: path, detail: "the trace is empty") }
        let header = try parseHeader(first, path: path)
        var steps: [TraceStep] = []
        var skipped: [String] = []
        for (index, line) in lines.enumerated().dropFirst() {
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            do {
                let step = try parseStep(line, number: index + 1, header: header, path: path)
                if let j = step.outsideSupport.first {
                    // The contract calls this malformed; with --skip-invalid the step is kept and the token counts
                    // against the output law (dropping it would hide the strongest evidence of a defect).
                    let error = TraceError.record(path: path, line: index + 1,
                                                  detail: "emitted token \(step.emitted[j]) (index \(j)) is outside the support of its target law")
                    guard skipInvalid else { throw error }
                    skipped.append(error.description + " (kept: counted as an impossible output)")
                }
                steps.append(step)
            } catch let error as TraceError {
                guard skipInvalid else { throw error }
                skipped.append(error.description)
            }
        }
        return (header, steps, skipped)
    }

    static func object(_ line: String) -> [String: Any]? {
        guard let data = line.data(using: .utf8),
              let any = try? JSONSerialization.jsonObject(with: data, options: []) else { return nil }
        return any as? [String: Any]
    }

    static func parseHeader(_ line: String, path: String) throws -> TraceHeader {
        guard let o = object(line) else { throw TraceError.header(path: path, detail: "not a JSON object") }
        guard o["format"] as? String == TraceHeader.format else {
            throw TraceError.header(path: path, detail: "\"format\" must be \"\(TraceHeader.format)\"")
        }
        guard let version = exactInteger(o["version"]), version == TraceHeader.version else {
            throw TraceError.header(path: path, detail: "unsupported version \(o["version"].map { "\($0)" } ?? "(none)") (this reader knows version \(TraceHeader.version))")
        }
        guard let v = exactInteger(o["vocab_size"]), v >= 1, v <= maxVocabularySize else {
            throw TraceError.header(path: path, detail: "\"vocab_size\" must be an integer in 1...\(maxVocabularySize)")
        }
        guard let law = o["law"] as? String else {
            throw TraceError.header(path: path, detail: "\"law\" is missing (iid, without-replacement, independent, single)")
        }
        guard ["iid", "without-replacement", "independent", "single"].contains(law) else {
            throw TraceError.header(path: path, detail: "unknown law \"\(law)\" (iid, without-replacement, independent, single)")
        }
        return TraceHeader(vocabularySize: v, law: law)
    }

    /// A JSON number that is an integer (not a boolean, not fractional, within ±2^53).
    static func exactInteger(_ any: Any?) -> Int? {
        guard let n = any as? NSNumber, String(cString: n.objCType) != "c", n.doubleValue == n.doubleValue.rounded(),
              abs(n.doubleValue) < 9e15 else { return nil }
        return Int(n.doubleValue)
    }

    static func integers(_ any: Any?) -> [Int]? {
        guard let array = any as? [Any] else { return nil }
        var out: [Int] = []
        for x in array {
            guard let n = exactInteger(x) else { return nil }
            out.append(n)
        }
        return out
    }

    static func parseLaw(_ any: Any?, v: Int, what: String, fail: (String) -> TraceError) throws -> TraceLaw {
        func number(_ x: Any) -> Double? { (x as? NSNumber).map(\.doubleValue) }
        if let array = any as? [Any] {
            guard array.count == v else { throw fail("\(what) has \(array.count) entries, not vocab_size = \(v)") }
            var p: [Double] = []
            p.reserveCapacity(v)
            for x in array {
                guard let d = number(x), d.isFinite, d >= 0 else { throw fail("\(what) has an entry that is not a non-negative number") }
                p.append(d)
            }
            let total = p.reduce(0, +)
            guard abs(total - 1) <= massTolerance else { throw fail("\(what) sums to \(total), not 1 (tolerance \(massTolerance))") }
            return TraceLaw.dense(p).normalised()
        }
        guard let o = any as? [String: Any], let indices = integers(o["indices"]),
              let valuesAny = o["values"] as? [Any], let rest = o["rest"].flatMap(number) else {
            throw fail("\(what) must be a list of \(v) probabilities or {\"indices\", \"values\", \"rest\"}")
        }
        let values = valuesAny.compactMap(number)
        guard values.count == valuesAny.count, values.count == indices.count else {
            throw fail("\(what): \"indices\" and \"values\" must be lists of the same length")
        }
        guard values.allSatisfy({ $0.isFinite && $0 >= 0 }), rest.isFinite, rest >= 0 else {
            throw fail("\(what) has a negative or non-finite probability")
        }
        guard indices.allSatisfy({ $0 >= 0 && $0 < v }), Set(indices).count == indices.count else {
            throw fail("\(what) has an index outside 0..<\(v) or a repeated index")
        }
        let total = values.reduce(0, +) + rest
        guard abs(total - 1) <= massTolerance else { throw fail("\(what) sums to \(total) with its rest, not 1 (tolerance \(massTolerance))") }
        if indices.count == v && rest > massTolerance { throw fail("\(what) lists every token but has rest mass \(rest)") }
        return TraceLaw.sparse(indices: indices, values: values, rest: rest).normalised()
    }

    static func parseStep(_ line: String, number: Int, header: TraceHeader, path: String) throws -> TraceStep {
        func fail(_ detail: String) -> TraceError { .record(path: path, line: number, detail: detail) }
        guard let o = object(line) else { throw fail("not a JSON object (truncated line?)") }
        let v = header.vocabularySize
        let context: String
        if let s = o["context"] as? String { context = s } else if let n = o["context"] as? NSNumber { context = n.stringValue } else {
            throw fail("\"context\" is missing")
        }
        let step = exactInteger(o["step"]) ?? 0
        guard let draftsAny = o["drafts"] as? [Any], !draftsAny.isEmpty else { throw fail("\"drafts\" must be a non-empty list of chains") }
        var drafts: [[Int]] = []
        for (k, chainAny) in draftsAny.enumerated() {
            guard let chain = integers(chainAny), !chain.isEmpty else { throw fail("drafts[\(k)] must be a non-empty list of token ids") }
            guard chain.allSatisfy({ $0 >= 0 && $0 < v }) else { throw fail("drafts[\(k)] has a token outside 0..<\(v)") }
            drafts.append(chain)
        }
        if header.law == "single" && drafts.count != 1 { throw fail("law \"single\" takes one chain, got \(drafts.count)") }
        guard let qAny = o["q"] as? [Any], qAny.count == drafts.count else { throw fail("\"q\" must hold one list of laws per chain") }
        guard let pAny = o["p"] as? [Any], pAny.count == drafts.count else { throw fail("\"p\" must hold one list of laws per chain") }
        var q: [[TraceLaw]] = [], p: [[TraceLaw]] = []
        for k in drafts.indices {
            guard let qk = qAny[k] as? [Any], qk.count == drafts[k].count else {
                throw fail("q[\(k)] must hold one law per drafted token (\(drafts[k].count))")
            }
            guard let pk = pAny[k] as? [Any], (1...(drafts[k].count + 1)).contains(pk.count) else {
                throw fail("p[\(k)] must hold 1 to \(drafts[k].count + 1) laws (the root, then after each drafted token)")
            }
            q.append(try qk.enumerated().map { try parseLaw($0.element, v: v, what: "q[\(k)][\($0.offset)]", fail: fail) })
            p.append(try pk.enumerated().map { try parseLaw($0.element, v: v, what: "p[\(k)][\($0.offset)]", fail: fail) })
        }
        guard let emitted = integers(o["emitted"]), !emitted.isEmpty else { throw fail("\"emitted\" must be a non-empty list of token ids") }
        guard emitted.allSatisfy({ $0 >= 0 && $0 < v }) else { throw fail("\"emitted\" has a token outside 0..<\(v)") }
        let record = TraceStep(context: context, step: step, drafts: drafts, q: q, p: p, emitted: emitted, line: number)
        let accepted = record.acceptedCount
        guard emitted.count <= accepted + 1 else {
            throw fail("\(emitted.count) tokens emitted but only \(accepted) match a drafted path (at most one more may follow)")
        }
        for j in emitted.indices {
            guard record.targetLaw(forEmitted: j) != nil else {
                throw fail("no target law for emitted token \(j) (p must cover the accepted path and the token after it)")
            }
        }
        return record
    }
}
