import Foundation
import Testing
@testable import CandidateLength
import MultidraftSupport
import Distributions

/// Chi-square critical values at significance 1e-6 for 1…5 degrees of freedom (scipy chi2.isf(1e-6, df)).
let chiSquareCritical = [23.928, 27.631, 30.665, 33.377, 35.888]

func chiSquare(counts: [Int], expected p: [Double]) -> (statistic: Double, df: Int) {
    let n = Double(counts.reduce(0, +))
    var s = 0.0, df = -1
    for (c, pi) in zip(counts, p) where pi > 0 {
        let e = n * pi
        s += (Double(c) - e) * (Double(c) - e) / e
        df += 1
    }
    return (s, df)
}

@Suite("Round simulator")
struct SimulatorTests {
    static let p4 = try! Distribution([1.0 / 3, 2.0 / 3])
    static let q4 = try! Distribution([2.0 / 3, 1.0 / 3])
    static let p3 = try! Distribution([0.3, 0.4, 0.3])
    static let q3 = try! Distribution([0.6, 0.3, 0.1])

    /// Policies exercised everywhere (K_max 10).
    static func policies(hStar: Double) throws -> [StoppingPolicy] {
        [
            .fixed(0), .fixed(3),
            .threshold(try ThresholdRule(threshold: hStar - 1e-12, maxLength: 10)),
            .threshold(try ThresholdRule(threshold: 0.5, comparison: .greaterThan, maxLength: 10)),
            .threshold(try ThresholdRule.asCoded(threshold: 0.4, maxLength: 10)),
            .threshold(try ThresholdRule(threshold: 0.8, maxLength: 10, head: .weighted(6))),
            .hindsightOracle(maxLength: 10)
        ]
    }

    @Test(
        "per-run identities (§11 item 20): N_draft = N - N_target + N_discard exactly; T/N formula to 1e-12; fixed-K discard rate"
    )
    func identities() throws {
        let cost = try CostModel(draftTime: 0.1)
        for source in [
            DraftSource.tokens(target: Self.p4, draft: Self.q4),
            .abstract(try AcceptanceLaw(values: [0.95, 0.3], weights: [0.8, 0.2]))
        ] {
            for policy in try Self.policies(hStar: 0.7115) {
                let r = try RoundSimulator(source: source, policy: policy, cost: cost).run(rounds: 3_000, seed: 11)
                #expect(r.draftPasses == r.tokens - r.targetPasses + r.discards, "\(policy)")
                let rhs = cost.draftTime * (1 + r.discardRate) + (cost.targetTime - cost.draftTime) * r.verificationRate
                #expect(abs(r.timePerToken - rhs) < 1e-12)
                if case .fixed(let k) = policy {
                    #expect(abs(r.discardRate - (Double(k + 1) * r.verificationRate - 1)) < 1e-12)
                    #expect(r.draftPasses == k * r.targetPasses)
                }
                if case .hindsightOracle = policy { #expect(r.discards == 0) }
            }
        }
    }

    @Test(
        "token level M4b (test-vectors §8.5): simulated time/token within 5 SE of the exact value for every policy (seed 2024, 1e5 rounds)"
    )
    func matchesExactTokenLevel() throws {
        let cost = try CostModel(draftTime: 0.1)
        let law = try AcceptanceLaw(target: Self.p4, draft: Self.q4)
        let model = try IAPModel(law: law, cost: cost, maxLength: 10)
        let opt = model.optimum()
        #expect(abs(opt.timePerToken - 0.520018155828) < 1e-9)
        for policy in try Self.policies(hStar: opt.threshold) {
            let exact = try model.evaluate(policy: policy)
            let r = try RoundSimulator(source: .tokens(target: Self.p4, draft: Self.q4), policy: policy, cost: cost)
                .run(rounds: 100_000, seed: 2024)
            let se = r.timePerTokenStandardError
            // fixed K = 0 is deterministic (one token per target pass): SE 0 and an exact match
            #expect(policy == .fixed(0) ? se == 0 : (se > 0 && se < 0.01))
            #expect(
                abs(r.timePerToken - exact.timePerToken) <= 5 * se + 1e-12,
                "\(policy): \(r.timePerToken) vs \(exact.timePerToken) ± \(se)")
            #expect(abs(r.meanLength - exact.expectedLength) < 5 * r.meanLengthStandardError + 1e-12)
        }
    }

    @Test("abstract level M1 and M3: simulation within 5 SE of the exact threshold, fixed and oracle values (seed 99)")
    func matchesExactAbstract() throws {
        for (values, weights, td) in [([0.95, 0.3], [0.8, 0.2], 0.2), ([0.99, 0.5, 0.1], [0.6, 0.3, 0.1], 0.1)] {
            let law = try AcceptanceLaw(values: values, weights: weights)
            let cost = try CostModel(draftTime: td)
            let model = try IAPModel(law: law, cost: cost, maxLength: 20)
            let opt = model.optimum()
            let policies: [StoppingPolicy] = [
                .threshold(opt.rule), .fixed(model.bestFixedLength().length),
                .threshold(try ThresholdRule.asCoded(threshold: 0.34)),
                .hindsightOracle(maxLength: 20)
            ]
            for policy in policies {
                let exact = try model.evaluate(policy: policy)
                let r = try RoundSimulator(source: .abstract(law), policy: policy, cost: cost).run(
                    rounds: 60_000, seed: 99)
                #expect(abs(r.timePerToken - exact.timePerToken) < 5 * r.timePerTokenStandardError, "\(policy)")
                #expect(abs(r.tokensPerRound - exact.tokensPerRound) < 5 * r.tokensPerRoundStandardError, "\(policy)")
            }
        }
    }

    @Test("output law is p under every stopping policy (§11 item 21): chi-square at 1e-6 and TV < 0.006, fixed seed")
    func outputLaw() throws {
        let cost = try CostModel(draftTime: 0.1)
        for (p, q) in [(Self.p4, Self.q4), (Self.p3, Self.q3)] {
            for policy in try Self.policies(hStar: 0.7) {
                let r = try RoundSimulator(source: .tokens(target: p, draft: q), policy: policy, cost: cost)
                    .run(rounds: 40_000, seed: 5)
                let (stat, df) = chiSquare(counts: r.tokenCounts, expected: p.probabilities)
                #expect(r.tokens >= 40_000)
                #expect(stat < chiSquareCritical[df - 1], "\(policy): chi2 \(stat) df \(df)")
                let tv = zip(r.outputFrequencies, p.probabilities).reduce(0) { $0 + abs($1.0 - $1.1) } / 2
                #expect(tv < 0.006)
            }
        }
    }

    @Test("first-token acceptance frequency ~ sum min(p, q) within 5 sigma (fixed K = 1)")
    func firstTokenAcceptance() throws {
        let r = try RoundSimulator(
            source: .tokens(target: Self.p3, draft: Self.q3), policy: .fixed(1),
            cost: CostModel(draftTime: 0.1)
        ).run(rounds: 50_000, seed: 3)
        let beta = Self.p3.overlap(with: Self.q3)
        let rate = Double(r.tokens - r.rounds) / Double(r.rounds)
        #expect(abs(rate - beta) < 5 * (beta * (1 - beta) / 50_000).squareRoot())
    }

    @Test(
        "pathwise monotonicity in h with common random numbers per round (§11 item 22): K, A, discards non-decreasing")
    func pathwiseMonotone() throws {
        let law = try AcceptanceLaw(values: [0.95, 0.6, 0.3], weights: [0.6, 0.25, 0.15])
        let grid = stride(from: 0.0, through: 1.0, by: 0.05).map { $0 }
        let sims = try grid.map {
            try RoundSimulator(
                source: .abstract(law), policy: .threshold(try ThresholdRule(threshold: $0, maxLength: 15)),
                cost: CostModel(draftTime: 0.1))
        }
        for round in 0..<2_000 {
            var previous: RoundOutcome? = nil
            for sim in sims {
                var d = Xoshiro256(seed: 17, stream: UInt64(3 * round))
                var a = Xoshiro256(seed: 17, stream: UInt64(3 * round + 1))
                var r = Xoshiro256(seed: 17, stream: UInt64(3 * round + 2))
                let o = sim.simulateRound(draftRNG: &d, acceptanceRNG: &a, residualRNG: &r)
                if let p = previous {
                    #expect(o.drafted >= p.drafted && o.accepted >= p.accepted && o.discarded >= p.discarded)
                }
                previous = o
            }
        }
    }

    @Test("a run is reproducible from its seed and differs across seeds")
    func reproducible() throws {
        let sim = try RoundSimulator(
            source: .tokens(target: Self.p4, draft: Self.q4), policy: .fixed(3), cost: CostModel(draftTime: 0.1))
        let a = try sim.run(rounds: 1_000, seed: 1), b = try sim.run(rounds: 1_000, seed: 1),
            c = try sim.run(rounds: 1_000, seed: 2)
        #expect(a.tokenCounts == b.tokenCounts && a.tokens == b.tokens)
        #expect(a.tokenCounts != c.tokenCounts || a.tokens != c.tokens)
        #expect(throws: CandidateLengthError.self) { try sim.run(rounds: 0, seed: 1) }
    }
}
