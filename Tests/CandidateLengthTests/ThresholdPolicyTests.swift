import Foundation
import Testing
@testable import CandidateLength

@Suite("Threshold policies (exact, count-vector frontier)")
struct ThresholdPolicyTests {
    let m1 = try! IAPModel(
        law: AcceptanceLaw(values: [0.95, 0.3], weights: [0.8, 0.2]),
        cost: CostModel(draftTime: 0.2), maxLength: 20)

    @Test("test-vectors §8.3: M1 sweep, idealised >=, k_min 1, K_max 20 (1e-9)")
    func sweep() throws {
        let table: [(Double, Double, Double)] = [
            (0, 1.516666666667, 1.000000000000), (0.1, 1.960236559140, 2.440000000000),
            (0.3, 2.187523004979, 3.951424000000), (0.5, 2.220522511907, 4.780097674445),
            (0.7, 2.214035734011, 4.942353924770), (0.9, 1.791831265087, 9.596477473388),
            (2.0, 1.093898435243, 20)
        ]
        for (h, speedup, length) in table {
            let s = try m1.evaluate(try idealRule(h))
            #expect(abs(s.speedup - speedup) < 1e-9, "h \(h)")
            #expect(abs(s.expectedLength - length) < 1e-9, "h \(h)")
        }
        // h = 0: K ≡ 1 and speedup (1 + abar)/(1 + c); "never" = f(20) at alpha = 0.82
        #expect(abs(try m1.evaluate(try idealRule(0)).speedup - 1.82 / 1.2) < 1e-12)
        #expect(
            abs(
                try m1.evaluate(try idealRule(2)).speedup
                    - (try Leviathan.improvementFactor(alpha: 0.82, cost: 0.2, length: 20))) < 1e-12)
        // ">" with h = 1 never stops early either
        let gt = try ThresholdRule(threshold: 1, comparison: .greaterThan, maxLength: 20)
        #expect(abs(try m1.evaluate(gt).expectedLength - 20) < 1e-9)
    }

    @Test("test-vectors §8.4: lagged rule as coded, best h = 0.34 on a 0.005 grid, 0.471137254686")
    func lagged() throws {
        let grid = (0...200).map { Double($0) * 0.005 }
        let best = try m1.bestThreshold(grid: grid) { try ThresholdRule.asCoded(threshold: $0) }
        #expect(abs(best.threshold - 0.34) < 1e-12)
        #expect(abs(best.statistics.timePerToken - 0.471137254686) < 1e-9)
        #expect(abs(best.statistics.speedup - 2.122523723299) < 1e-9)
        #expect(abs(best.statistics.expectedLength - 5.328911360000) < 1e-9)
        let lambda = m1.optimum().timePerToken
        #expect(abs(best.statistics.timePerToken / lambda - 1 - 0.0465) < 0.0005)
    }

    @Test("test-vectors §8.4: weighted heads, best h and time per token; never below lambda*")
    func weightedHeads() throws {
        let grid = (0...200).map { Double($0) * 0.005 }
        let lambda = m1.optimum().timePerToken
        let rows: [(Double, Double, Double)] = [
            (1, 0.435, 0.450203486269), (3, 0.805, 0.450203486269),
            (6, 0.920, 0.450945907237), (12, 0.950, 0.457138049622)
        ]
        for (w, h, t) in rows {
            let best = try m1.bestThreshold(grid: grid) { try idealRule($0, head: .weighted(w)) }
            #expect(abs(best.threshold - h) < 1e-12, "w \(w)")
            #expect(abs(best.statistics.timePerToken - t) < 1e-9, "w \(w)")
            #expect(best.statistics.timePerToken >= lambda - 1e-12)
        }
    }

    @Test("the frontier evaluation equals brute-force path enumeration (M3, K_max 6, all rule variants)")
    func frontierEqualsEnumeration() throws {
        let law = try AcceptanceLaw(values: [0.99, 0.5, 0.1], weights: [0.6, 0.3, 0.1])
        let m = try IAPModel(law: law, cost: CostModel(draftTime: 0.1), maxLength: 6)
        for h in [0.0, 0.2, 0.45, 0.7, 0.95, 1.0] {
            for rule in [
                try ThresholdRule(threshold: h, comparison: .atLeast, timing: .idealised, minLength: 1, maxLength: 6),
                try ThresholdRule(threshold: h, comparison: .greaterThan, timing: .lagged, minLength: 2, maxLength: 6),
                try ThresholdRule(
                    threshold: h, comparison: .atLeast, timing: .idealised, minLength: 0, maxLength: 5,
                    head: .weighted(3))
            ] {
                // enumerate sequences of support indices until the rule stops
                var ek = 0.0, ea = 0.0
                func walk(_ path: [Int], _ prob: Double, _ piHat: Double, _ pi: Double) {
                    let k = path.count
                    if k == 0, rule.minLength == 0, rule.fires(0) { return }
                    for j in 0..<3 {
                        let p2 = prob * law.weights[j]
                        let pi2 = pi * law.values[j]
                        let hat2 = piHat * rule.head.estimate(law.values[j])
                        ek += p2
                        ea += p2 * pi2
                        if !rule.stops(afterDrafting: k + 1, productIncluding: hat2, productExcluding: piHat) {
                            walk(path + [j], p2, hat2, pi2)
                        }
                    }
                }
                walk([], 1, 1, 1)
                let s = try m.evaluate(rule)
                #expect(abs(s.expectedLength - ek) < 1e-12)
                #expect(abs(s.expectedAccepted - ea) < 1e-12)
            }
        }
    }

    @Test("expected length, tokens per round non-decreasing and r_verify non-increasing in h (M1)")
    func monotoneInThreshold() throws {
        var previous: RoundStatistics? = nil
        for i in 0...100 {
            let s = try m1.evaluate(try idealRule(Double(i) / 100))
            if let p = previous {
                #expect(s.expectedLength >= p.expectedLength - 1e-12)
                #expect(s.tokensPerRound >= p.tokensPerRound - 1e-12)
                #expect(s.verificationRate <= p.verificationRate + 1e-12)
            }
            previous = s
        }
    }

    @Test("hindsight oracle: r_discard = 0 and E[K] = sum abar^j")
    func hindsight() throws {
        let s = try m1.evaluateHindsightOracle(maxLength: 20)
        var ek = 0.0
        for j in 1...20 { ek += pow(0.82, Double(j)) }
        #expect(abs(s.expectedLength - ek) < 1e-12)
        #expect(s.discardRate == 0)
    }
}
