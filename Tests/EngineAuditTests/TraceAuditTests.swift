import Foundation
import Testing
@testable import EngineAudit
import Datasets
import Distributions
import MultidraftSupport
import Verifiers

/// The engine audit on traces written here from known mechanisms: correct verifiers pass, re-created bugs are
/// flagged, malformed traces are refused with the line, and the uniformity test's p-values are right.
@Suite struct TraceAuditTests {
    static let p = [0.30, 0.25, 0.20, 0.12, 0.08, 0.05]
    static let q = [0.10, 0.15, 0.20, 0.25, 0.18, 0.12]

    static func json(_ law: [Double]) -> String { "[" + law.map { String($0) }.joined(separator: ",") + "]" }

    static func header(_ v: Int, law: String) -> String {
        "{\"format\": \"multidraft-trace\", \"version\": 1, \"vocab_size\": \(v), \"law\": \"\(law)\"}"
    }

    /// A token-level step: K root drafts, p at the root, q at every draft, the emitted token.
    static func rootStep(_ s: Int, drafts: [Int], p: [Double], q: [Double], emitted: Int) -> String {
        let chains = drafts.map { "[\($0)]" }.joined(separator: ",")
        let qs = drafts.map { _ in "[" + json(q) + "]" }.joined(separator: ",")
        let ps = drafts.map { _ in "[" + json(p) + "]" }.joined(separator: ",")
        return
            "{\"context\": \"c\", \"step\": \(s), \"drafts\": [\(chains)], \"q\": [\(qs)], \"p\": [\(ps)], \"emitted\": [\(emitted)]}"
    }

    /// A trace of `steps` token-level steps of `verifier` with K i.i.d. drafts; `sampledFrom` is the law the engine
    /// actually drafts from (the trace always reports `q`).
    static func trace(
        steps: Int, drafts k: Int, verifierName: String, sampledFrom: [Double]? = nil, seed: UInt64
    ) throws -> String {
        let target = try Distribution(p), draft = try Distribution(q)
        let law = try DraftLaw.iid(draft, drafts: k)
        let verifier = try VerifierRegistry.standard.makeVerifier(name: verifierName, target: target, law: law)
        let actual = try DraftLaw.iid(try Distribution(normalizing: sampledFrom ?? q), drafts: k).makeSampler()
        var rng = Xoshiro256(seed: seed)
        var lines = [header(p.count, law: "iid")]
        for s in 0..<steps {
            let tuple = actual.sample(using: &rng)
            let y = verifier.verify(tuple, using: &rng).token
            lines.append(rootStep(s, drafts: tuple, p: p, q: q, emitted: y))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func write(_ text: String) -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("trace-\(UUID().uuidString).jsonl")
            .path
        try! text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func audit(_ text: String, expect: [String] = []) throws -> [TraceAudit.Row] {
        let (header, steps, _) = try TraceReader.read(path: write(text))
        return try TraceAudit.run(header: header, steps: steps, options: .init(level: 0.001, seed: 5, expect: expect))
    }

    @Test func kolmogorovSurvivalMatchesKnownQuantiles() {
        // Exact finite-n survival P(D_n > d) (scipy.stats.kstwo): Stephens' approximation within 2 % in the tail.
        for (n, d, exact) in [(50, 0.25, 0.003066), (400, 0.08, 0.011280), (35, 0.25, 0.020540)] {
            let approx = UniformityTest.kolmogorovSurvival(d, n: n)
            #expect(abs(approx - exact) / exact < 0.02, "n \(n) d \(d): \(approx) vs \(exact)")
        }
        #expect(UniformityTest.kolmogorovSurvival(0, n: 10) == 1)
        let grid = UniformityTest((0..<1000).map { (Double($0) + 0.5) / 1000 })
        #expect(abs(grid.statistic - 0.0005) < 1e-12 && grid.pValue == 1)
        #expect((100_700...100_703).contains(UniformityTest.tokensToDetect(defect: 0.01, level: 0.001)))
        #expect(abs(TraceAudit.normalQuantile(upper: 0.001) - 3.090232306) < 1e-8)
    }

    /// Correct verifiers pass both law tests and sit at their exact acceptance; RRS is below alpha*, the optimal
    /// verifier at it.
    @Test func correctVerifiersPass() throws {
        for (name, seed) in [("rrs", UInt64(1)), ("kseq", 2), ("optimal", 3)] {
            let rows = try Self.audit(
                try Self.trace(steps: 20_000, drafts: 2, verifierName: name, seed: seed), expect: [name])
            let byCheck = Dictionary(grouping: rows, by: \.check)
            #expect(byCheck["output_law"]![0].verdict == "pass", "\(name) \(byCheck["output_law"]![0])")
            #expect(byCheck["draft_law"]![0].verdict == "pass", "\(name)")
            let root = byCheck["root_acceptance"]!
            #expect(root[0].verdict == "pass", "\(name): \(root[0])") // not above alpha*
            #expect(root[1].verdict == "consistent with \(name)", "\(name): \(root[1])")
            #expect(abs(root[1].statistic!) < 5, "\(name): z = \(root[1].statistic!)")
            // vLLM definitions: one root position, mean acceptance length = 1 + rate
            let rate = byCheck["acceptance_rate"]![0]
            #expect(abs(byCheck["mean_acceptance_length"]![0].value - 1 - rate.value) < 1e-12)
        }
    }

    /// An engine that drafts from the top-3 tokens of q but reports the full q (the transformers #47932 class): the
    /// draft-law test flags it, and the output law of a verifier that trusts the reported q is wrong too.
    @Test func reportedQDiffersFromSampledQ() throws {
        let topThree = Self.q.enumerated().map { [3, 4, 2].contains($0.offset) ? $0.element : 0 }
        let rows = try Self.audit(
            try Self.trace(steps: 20_000, drafts: 2, verifierName: "rrs", sampledFrom: topThree, seed: 4))
        let byCheck = Dictionary(grouping: rows, by: \.check)
        #expect(byCheck["draft_law"]![0].verdict == "FAIL" && byCheck["draft_law"]![0].pValue! < 1e-10)
        #expect(byCheck["draft_law"]![0].defectLowerBound! > 0.1)
        #expect(byCheck["output_law"]![0].verdict == "FAIL", "\(byCheck["output_law"]![0])")
    }

    /// A verifier that accepts every draft (no rejection at all): acceptance 1 is above alpha*, and the output law
    /// is q's, not p's.
    @Test func acceptanceAboveTheOptimumIsFlagged() throws {
        let target = try Distribution(Self.p), draft = try Distribution(Self.q)
        let sampler = try DraftLaw.iid(draft, drafts: 2).makeSampler()
        var rng = Xoshiro256(seed: 9)
        var lines = [Self.header(6, law: "iid")]
        for s in 0..<3000 {
            let tuple = sampler.sample(using: &rng)
            lines.append(Self.rootStep(s, drafts: tuple, p: target.probabilities, q: Self.q, emitted: tuple[0]))
        }
        let rows = try Self.audit(lines.joined(separator: "\n"))
        let root = rows.first { $0.check == "root_acceptance" }!
        #expect(root.value == 1 && root.verdict.hasPrefix("FAIL: above the optimum"), "\(root)")
        #expect(rows.first { $0.check == "output_law" }!.verdict == "FAIL")
    }

    /// Chains (law single, γ = 3) verified token by token on a context-free pair: the output law passes and the
    /// per-position acceptance rates match Π_{i ≤ j} (Σ min(p, q)) within 5σ.
    @Test func singleChainTokenByToken() throws {
        var rng = Xoshiro256(seed: 11)
        let target = try Distribution(Self.p), draft = try Distribution(Self.q)
        let pTable = AliasTable(weights: Self.p), qTable = AliasTable(weights: Self.q)
        let residual = zip(Self.p, Self.q).map { max(0, $0 - $1) }
        let rTable = AliasTable(weights: residual)
        var lines = [Self.header(6, law: "single")]
        for s in 0..<20_000 {
            let chain = (0..<3).map { _ in qTable.sample(using: &rng) }
            var emitted: [Int] = []
            for x in chain {
                if rng.nextUniform() < min(1, target[x] / draft[x]) {
                    emitted.append(x)
                } else {
                    emitted.append(rTable.sample(using: &rng)); break
                }
            }
            if emitted.count == 3 && emitted == chain { emitted.append(pTable.sample(using: &rng)) }
            let qs = chain.map { _ in Self.json(Self.q) }.joined(separator: ",")
            let ps = (0...3).map { _ in Self.json(Self.p) }.joined(separator: ",")
            lines.append(
                "{\"context\": \"c\", \"step\": \(s), \"drafts\": [[\(chain.map(String.init).joined(separator: ","))]], \"q\": [[\(qs)]], \"p\": [[\(ps)]], \"emitted\": [\(emitted.map(String.init).joined(separator: ","))]}"
            )
        }
        let rows = try Self.audit(lines.joined(separator: "\n"))
        #expect(rows.first { $0.check == "output_law" }!.verdict == "pass")
        #expect(rows.first { $0.check == "draft_law" }!.verdict == "pass")
        let overlap = zip(Self.p, Self.q).reduce(0.0) { $0 + min($1.0, $1.1) }
        for r in rows where r.check == "acceptance_rate" {
            let exact = pow(overlap, Double(r.position!))
            #expect(abs(r.value - exact) < 5 * r.standardError!, "position \(r.position!): \(r.value) vs \(exact)")
        }
        let accepted = rows.first { $0.check == "mean_accepted_tokens" }!
        let exact = overlap + overlap * overlap + pow(overlap, 3)
        #expect(abs(accepted.value - exact) < 5 * accepted.standardError!)
    }

    @Test func sparseLawsAndLumping() throws {
        // p's tokens 4 and 5 lumped into the rest cell; emitted tokens there fall in the lump.
        let sparse = "{\"indices\": [0, 1, 2, 3], \"values\": [0.30, 0.25, 0.20, 0.12], \"rest\": 0.13}"
        let law = try TraceReader.parseLaw(JSONLineParser.parse(sparse), v: 6, what: "p") {
            TraceError.record(path: "t", line: 2, detail: $0)
        }
        #expect(law.cellMass(of: 5) == 0.13 && law.cellMass(of: 1) == 0.25)
        #expect(abs(law.cell(of: 3).below - 0.75) < 1e-15 && law.cell(of: 3).mass == 0.12)
        #expect(abs(law.cell(of: 4).below - 0.87) < 1e-15 && law.cell(of: 4).mass == 0.13)
    }

    /// The precomputed cell table equals the per-token cells (summation order aside), dense and sparse, with ties.
    @Test func cellTableMatchesCells() {
        let laws: [TraceLaw] = [
            .dense([0.2, 0.1, 0.2, 0.05, 0.45]), .sparse(indices: [4, 0, 2], values: [0.45, 0.2, 0.2], rest: 0.15)
        ]
        for law in laws {
            let table = law.cellTable(vocabularySize: 5)
            for t in 0..<5 {
                let cell = law.cell(of: t)
                #expect(abs(table.below[t] - cell.below) < 1e-15 && table.mass[t] == cell.mass, "\(law) token \(t)")
            }
        }
    }

    /// An optimal-verifier engine is above RRS, an RRS engine below the optimal verifier (Bernstein, both ways).
    @Test func expectVerdictsBothWays() throws {
        let optimal = try Self.audit(
            try Self.trace(steps: 20_000, drafts: 2, verifierName: "optimal", seed: 21), expect: ["rrs"])
        #expect(optimal.first { $0.check == "root_acceptance" && $0.reference == "rrs" }!.verdict == "above rrs")
        let rrs = try Self.audit(
            try Self.trace(steps: 20_000, drafts: 2, verifierName: "rrs", seed: 22), expect: ["optimal"])
        #expect(
            rrs.first { $0.check == "root_acceptance" && $0.reference == "optimal" }!.verdict
                == "below optimal: a weaker implementation")
        // a few steps with every draft accepted stay consistent with a high alpha* (no zero-variance false alarm)
        let rows = try Self.audit(try Self.trace(steps: 10, drafts: 2, verifierName: "optimal", seed: 23))
        #expect(rows.first { $0.check == "root_acceptance" }!.verdict == "pass")
    }

    /// An emitted token outside its law's support is malformed by contract; with skip-invalid it is kept and fails
    /// the output law.
    @Test func emittedOutsideSupportFailsTheOutputLaw() throws {
        let zeroed = [0.5, 0.5, 0, 0, 0, 0]
        var lines = [Self.header(6, law: "iid")]
        for s in 0..<200 {
            lines.append(Self.rootStep(s, drafts: [0, 1], p: zeroed, q: Self.q, emitted: s % 50 == 0 ? 4 : s % 2))
        }
        let path = Self.write(lines.joined(separator: "\n"))
        #expect(throws: TraceError.self) { _ = try TraceReader.read(path: path) }
        let (header, steps, skipped) = try TraceReader.read(path: path, skipInvalid: true)
        #expect(steps.count == 200 && skipped.count == 4)
        let rows = try TraceAudit.run(header: header, steps: steps, options: .init())
        #expect(rows.first { $0.check == "output_law" }!.verdict.hasPrefix("FAIL (4 tokens with probability 0)"))
    }

    @Test func malformedTracesNameTheLine() throws {
        let good = Self.rootStep(0, drafts: [1, 2], p: Self.p, q: Self.q, emitted: 1)
        func failure(_ text: String) -> String {
            do { _ = try TraceReader.read(path: Self.write(text)); return "no error" } catch { return "\(error)" }
        }
        #expect(
            failure("{\"format\": \"multidraft-trace\", \"version\": 2, \"vocab_size\": 6}\n" + good).contains(
                "line 1 (header): unsupported version 2"))
        let badSum = Self.rootStep(0, drafts: [1, 2], p: [0.5, 0.5, 0.5, 0, 0, 0], q: Self.q, emitted: 1)
        #expect(
            failure(Self.header(6, law: "iid") + "\n" + good + "\n" + badSum).contains("line 3: p[0][0] sums to 1.5"))
        let outside = Self.rootStep(0, drafts: [1, 2], p: [0.5, 0.5, 0, 0, 0, 0], q: Self.q, emitted: 4)
        #expect(
            failure(Self.header(6, law: "iid") + "\n" + outside).contains(
                "line 2: emitted token 4 (index 0) is outside the support"))
        let truncated = String(good.prefix(40))
        #expect(
            failure(Self.header(6, law: "iid") + "\n" + good + "\n" + truncated).contains("line 3: not a JSON object"))
        let tooMany = Self.rootStep(0, drafts: [1, 2], p: Self.p, q: Self.q, emitted: 3).replacingOccurrences(
            of: "\"emitted\": [3]", with: "\"emitted\": [3, 4]")
        #expect(
            failure(Self.header(6, law: "iid") + "\n" + tooMany).contains(
                "2 tokens emitted but only 0 match a drafted path"))
        // skip-invalid keeps the good steps and reports the bad one
        let (_, steps, skipped) = try TraceReader.read(
            path: Self.write(Self.header(6, law: "iid") + "\n" + good + "\n" + badSum + "\n" + good), skipInvalid: true)
        #expect(steps.count == 2 && skipped.count == 1 && skipped[0].contains("line 3"))
    }
}
