import Foundation
import Testing
@testable import EngineAudit
import Datasets
import Distributions
import MultidraftSupport
import Verifiers

/// The fast trace reader: its JSON parser against Foundation's number conversion and a strict grammar, the O(k)
/// helpers against their plain definitions, and the chunked multi-threaded audit against the in-memory one.
@Suite struct TraceReadingTests {
    @Test func numbersAreCorrectlyRounded() {
        var rng = Xoshiro256(seed: 3)
        var literals = [
            "0", "-0", "1", "0.1", "1e-5", "1E+300", "2.5e-320", "123456789012345678901234567890",
            "0.30000000000000004",
            "9007199254740993", "4.9406564584124654e-324", "1.7976931348623157e308", "-12.5e-3", "1e23", "1e22"
        ]
        for _ in 0..<2_000 {
            let x = rng.nextUniform() * pow(10, Double(Int(rng.nextUniform() * 40) - 30))
            literals.append(String(x)) // shortest round-trip (up to 17 digits)
            literals.append(String(format: "%.10g", x)) // the trace writer's 10 digits
            literals.append(String(format: "%.3e", x))
        }
        for text in literals {
            guard case .number(let parsed)? = JSONLineParser.parse(text) else {
                Issue.record("\(text) not parsed"); continue
            }
            let expected = Double(text)!
            #expect(
                parsed.bitPattern == expected.bitPattern || (parsed == 0 && expected == 0),
                "\(text): \(parsed) vs \(expected)")
        }
    }

    @Test func grammarIsStrict() {
        for bad in [
            "", "[1,]", "[1 2]", "{\"a\":1,}", "{\"a\" 1}", "01", "1.", ".5", "-", "1e", "tru", "\"open", "[1]x",
            "{\"a\":[1,2}", "\"tab\there\"", "nul"
        ] {
            #expect(JSONLineParser.parse(bad) == nil, "\(bad) accepted")
        }
        guard
            case .object(let o)? = JSONLineParser.parse(
                " {\"k\\u00e9y\": [1, -2.5e1, 3], \"s\": \"a\\\"b\", \"x\": [true, null, {}], \"e\": []} ")
        else {
            Issue.record("valid object refused"); return
        }
        #expect(o.map(\.key) == ["kéy", "s", "x", "e"])
        if case .numbers(let xs) = o[0].value { #expect(xs == [1, -25, 3]) } else { Issue.record("number array") }
        #expect(o[1].value.string == "a\"b")
        if case .array(let a) = o[2].value { #expect(a.count == 3) } else { Issue.record("mixed array") }
        #expect(JSONValue.numbers([1, 2.5]).integers == nil && JSONValue.numbers([1, 2]).integers == [1, 2])
    }

    @Test func distinctMatchesASet() {
        var rng = Xoshiro256(seed: 4)
        for _ in 0..<500 {
            let k = Int(rng.nextUniform() * 200)
            let range = 1 + Int(rng.nextUniform() * 400)
            let list = (0..<k).map { _ in
                Int(rng.nextUniform() * Double(range)) * (rng.nextUniform() < 0.5 ? 1 : 49_152)
            }
            #expect(TraceReader.distinct(list) == (Set(list).count == list.count))
        }
    }

    /// The O(k) bracket of Σ min(p, q) equals the batch route's spread/lumped completions (n = 1), and is exact when
    /// both rests are 0.
    @Test func overlapBracketMatchesTheSparseBounds() throws {
        var rng = Xoshiro256(seed: 5)
        let v = 40
        for trial in 0..<200 {
            func row() -> (indices: [Int], values: [Double], rest: Double) {
                let k = 1 + Int(rng.nextUniform() * 12)
                var tokens = Array(0..<v)
                for i in 0..<k { tokens.swapAt(i, i + Int(rng.nextUniform() * Double(v - i))) }
                let raw = (0..<k).map { _ in rng.nextUniform() + 0.01 }
                let rest = trial % 4 == 0 ? 0 : rng.nextUniform() * 0.5
                let scale = (1 - rest) / raw.reduce(0, +)
                return (Array(tokens.prefix(k)), raw.map { $0 * scale }, rest)
            }
            let (p, q) = (row(), row())
            let fast = TraceAudit.overlapBracket(p: p, q: q)
            let plan = BatchPlan(laws: [.iid], drafts: [1], verifiers: [], registry: .standard)
            let slow = try BatchEvaluation.sparseRows(
                position: 0, target: SparseRow(indices: p.indices, values: p.values, rest: p.rest, vocabularySize: v),
                models: [SparseRow(indices: q.indices, values: q.values, rest: q.rest, vocabularySize: v)], plan: plan)[
                    0]
            if p.rest == 0 && q.rest == 0 {
                var dp = [Double](repeating: 0, count: v), dq = dp
                for (t, x) in zip(p.indices, p.values) { dp[t] = x }
                for (t, x) in zip(q.indices, q.values) { dq[t] = x }
                let exact = zip(dp, dq).reduce(0.0) { $0 + min($1.0, $1.1) }
                #expect(abs(fast.lower - exact) < 1e-12 && abs(fast.upper - exact) < 1e-12)
            } else {
                #expect(
                    abs(fast.lower - slow.lower!) < 1e-12 && abs(fast.upper - slow.upper!) < 1e-12, "trial \(trial)")
            }
        }
    }

    /// Reading and auditing in chunks on several threads gives the in-memory audit, whatever the chunk size.
    @Test func chunkedAuditEqualsTheInMemoryAudit() throws {
        let text = try TraceAuditTests.trace(steps: 3_000, drafts: 2, verifierName: "kseq", seed: 31)
        let path = TraceAuditTests.write(text)
        let options = TraceAudit.Options(level: 0.001, seed: 9, expect: ["rrs"])
        let (header, steps, _) = try TraceReader.read(path: path)
        let reference = try TraceAudit.run(header: header, steps: steps, options: options)
        let source = try TraceSource(path: path)
        for (threads, chunk) in [(1, 4_096), (2, 7), (2, 1_000), (3, 1)] {
            let chunked = try TraceAudit.audit(
                source, options: options, threads: threads, keepSteps: true, chunk: chunk)
            #expect(chunked.rows == reference, "threads \(threads), chunk \(chunk)")
            #expect(chunked.accumulator.records.count == 3_000)
        }
        // a malformed record in a late chunk is the error reported, not a later one
        var lines = text.split(separator: "\n").map(String.init)
        lines[2_500] = String(lines[2_500].prefix(30))
        lines[2_900] = String(lines[2_900].prefix(20))
        let broken = try TraceSource(path: TraceAuditTests.write(lines.joined(separator: "\n")))
        #expect(
            throws: TraceError.record(path: broken.path, line: 2_501, detail: "not a JSON object (truncated line?)")
        ) {
            _ = try TraceAudit.audit(broken, options: options, threads: 2, chunk: 64)
        }
        let skipped = try TraceAudit.audit(broken, options: options, skipInvalid: true, threads: 2, chunk: 64)
        #expect(skipped.skipped.count == 2 && skipped.accumulator.stepCount == 2_998)
    }
}
