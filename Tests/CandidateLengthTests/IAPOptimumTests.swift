import Foundation
import Testing
@testable import CandidateLength
import Distributions

/// test-vectors.md §8.1–§8.2 (t_t = 1, tolerance 1e-9).
struct IAPVector {
    let name: String
    let values: [Double]
    let weights: [Double]
    let draftTime: Double
    let maxLength: Int
    let mean, lambda, speedup, threshold, delta: Double
    // §8.2
    let expectedLength, tokensPerRound, verify, discard: Double
    let bestFixed: Int
    let fixedSpeedup, fixedVerify, fixedDiscard: Double
}

let iapVectors: [IAPVector] = [
    IAPVector(
        name: "M1", values: [0.95, 0.3], weights: [0.8, 0.2], draftTime: 0.2, maxLength: 20, mean: 0.82,
        lambda: 0.450203486269, speedup: 2.221217805946, threshold: 0.458239559525, delta: -0.630833141259,
        expectedLength: 4.656402616320, tokensPerRound: 4.289794686550, verify: 0.233111389488,
        discard: 0.318571873394, bestFixed: 4, fixedSpeedup: 1.942160977778, fixedVerify: 0.286050210004,
        fixedDiscard: 0.430251050022),
    IAPVector(
        name: "M2", values: [0.82], weights: [1], draftTime: 0.2, maxLength: 20, mean: 0.82,
        lambda: 0.514890378008, speedup: 1.942160977778, threshold: 0.526302200542, delta: -0.577789890034,
        expectedLength: 4.000000000000, tokensPerRound: 3.495889760000, verify: 0.286050210004,
        discard: 0.430251050022, bestFixed: 4, fixedSpeedup: 1.942160977778, fixedVerify: 0.286050210004,
        fixedDiscard: 0.430251050022),
    IAPVector(
        name: "M3", values: [0.99, 0.5, 0.1], weights: [0.6, 0.3, 0.1], draftTime: 0.1, maxLength: 20,
        mean: 0.754, lambda: 0.405708129831, speedup: 2.464826131083, threshold: 0.673099982615,
        delta: -0.694096070108, expectedLength: 4.373926003458, tokensPerRound: 3.542922841958,
        verify: 0.282252830391, discard: 0.516805824788, bestFixed: 5, fixedSpeedup: 2.212058786478,
        fixedVerify: 0.301378367854, fixedDiscard: 0.808270207126),
    IAPVector(
        name: "M4a", values: [0.5, 1.0], weights: [2.0 / 3, 1.0 / 3], draftTime: 0.05, maxLength: 10,
        mean: 2.0 / 3, lambda: 0.445520967454, speedup: 2.244563270984, threshold: 0.831657754676,
        delta: -0.702986021697, expectedLength: 4.494335213128, tokensPerRound: 2.748954258328,
        verify: 0.363774696131, discard: 0.998700122595, bestFixed: 5, fixedSpeedup: 2.189300411523,
        fixedVerify: 0.365413533835, fixedDiscard: 1.192481203008),
    IAPVector(
        name: "M4b", values: [0.5, 1.0], weights: [2.0 / 3, 1.0 / 3], draftTime: 0.1, maxLength: 10,
        mean: 2.0 / 3, lambda: 0.520018155828, speedup: 1.923009781085, threshold: 0.711548532837,
        delta: -0.653321229448, expectedLength: 2.999441142102, tokensPerRound: 2.499805246490,
        verify: 0.400031162989, discard: 0.599901091382, bestFixed: 4, fixedSpeedup: 1.860670194004,
        fixedVerify: 0.383886255924, fixedDiscard: 0.919431279621),
    IAPVector(
        name: "M4c", values: [0.5, 1.0], weights: [2.0 / 3, 1.0 / 3], draftTime: 0.2, maxLength: 10,
        mean: 2.0 / 3, lambda: 0.640005148668, speedup: 1.562487430111, threshold: 0.531253770967,
        delta: -0.573329900888, expectedLength: 2.999441142102, tokensPerRound: 2.499805246490,
        verify: 0.400031162989, discard: 0.599901091382, bestFixed: 2, fixedSpeedup: 1.507936507937,
        fixedVerify: 0.473684210526, fixedDiscard: 0.421052631579)
]

func model(_ v: IAPVector) throws -> IAPModel {
    try IAPModel(
        law: AcceptanceLaw(values: v.values, weights: v.weights),
        cost: CostModel(draftTime: v.draftTime, targetTime: 1), maxLength: v.maxLength)
}

/// The idealised "≥" rule of test-vectors §8 (k_min = 1).
func idealRule(_ h: Double, maxLength: Int = 20, head: AcceptanceHead = .oracle) throws -> ThresholdRule {
    try ThresholdRule(
        threshold: h, comparison: .atLeast, timing: .idealised, minLength: 1, maxLength: maxLength, head: head)
}

@Suite("IAP optimum (Dinkelbach + DP)")
struct IAPOptimumTests {
    @Test("test-vectors §8.1: abar, lambda*, speedup, h*, Delta to 1e-9", arguments: iapVectors.map(\.name))
    func summary(name: String) throws {
        let v = iapVectors.first { $0.name == name }!
        let opt = try model(v).optimum()
        #expect(abs(try model(v).law.mean - v.mean) < 1e-12)
        #expect(abs(opt.timePerToken - v.lambda) < 1e-9)
        #expect(abs(opt.speedup - v.speedup) < 1e-9)
        #expect(abs(opt.threshold - v.threshold) < 1e-9)
        #expect(abs(opt.delta - v.delta) < 1e-9)
    }

    @Test("test-vectors §8.2: threshold at h* attains lambda*; best fixed K", arguments: iapVectors.map(\.name))
    func thresholdVersusFixed(name: String) throws {
        let v = iapVectors.first { $0.name == name }!
        let m = try model(v)
        let opt = m.optimum()
        let s = try m.evaluate(try idealRule(opt.threshold - 1e-12, maxLength: v.maxLength))
        #expect(abs(s.timePerToken - opt.timePerToken) < 1e-9)
        #expect(abs(opt.statistics.timePerToken - opt.timePerToken) < 1e-9)
        #expect(abs(s.expectedLength - v.expectedLength) < 1e-9)
        #expect(abs(s.tokensPerRound - v.tokensPerRound) < 1e-9)
        #expect(abs(s.verificationRate - v.verify) < 1e-9)
        #expect(abs(s.discardRate - v.discard) < 1e-9)
        let fixed = m.bestFixedLength()
        #expect(fixed.length == v.bestFixed)
        #expect(abs(fixed.statistics.speedup - v.fixedSpeedup) < 1e-9)
        #expect(abs(fixed.statistics.verificationRate - v.fixedVerify) < 1e-9)
        #expect(abs(fixed.statistics.discardRate - v.fixedDiscard) < 1e-9)
        // fixed-K identity r_discard = (K+1) r_verify − 1
        let k = Double(fixed.length)
        #expect(abs(fixed.statistics.discardRate - ((k + 1) * fixed.statistics.verificationRate - 1)) < 1e-12)
    }

    @Test(
        "nothing beats lambda*: every fixed K, idealised >=/>, lagged rules on a 0.01 grid",
        arguments: iapVectors.map(\.name))
    func nothingBeatsOptimum(name: String) throws {
        let v = iapVectors.first { $0.name == name }!
        let m = try model(v)
        let lambda = m.optimum().timePerToken
        for k in 0...v.maxLength {
            #expect(try m.evaluateFixed(length: k).timePerToken >= lambda - 1e-12)
        }
        for i in 0...100 {
            let h = Double(i) / 100
            for cmp in [ThresholdRule.Comparison.atLeast, .greaterThan] {
                for timing in [ThresholdRule.Timing.idealised, .lagged] {
                    for kmin in [0, 1, 2] {
                        let rule = try ThresholdRule(
                            threshold: h, comparison: cmp, timing: timing, minLength: kmin,
                            maxLength: v.maxLength)
                        #expect(try m.evaluate(rule).timePerToken >= lambda - 1e-12)
                    }
                }
            }
        }
    }

    @Test("point-mass D: IAP optimum is Leviathan's best fixed length, h* = 1 - c f(K*)/alpha")
    func pointMass() throws {
        for row in leviathanTable {
            let m = try IAPModel(law: .constant(row.alpha), cost: CostModel(draftTime: row.cost), maxLength: 40)
            let opt = m.optimum()
            #expect(abs(opt.timePerToken - 1 / row.f) < 1e-9, "alpha \(row.alpha) c \(row.cost)")
            #expect(abs(opt.threshold - row.h) < 1e-9)
            #expect(abs(opt.statistics.expectedLength - Double(row.best)) < 1e-9)
        }
    }

    @Test("the DP value W_0 at lambda* makes g vanish; g increasing")
    func rootProperty() throws {
        let m = try model(iapVectors[0])
        let opt = m.optimum()
        let g = { (l: Double) in l - 1 + m.roundValue(lambda: l) }
        #expect(abs(g(opt.timePerToken)) < 1e-12)
        #expect(g(0.3) < g(0.4) && g(0.4) < g(0.5) && g(0.5) < g(0.9))
    }

    @Test("D from a (p, q) pair: M4 is the law of min(1, p/q), Y ~ q")
    func lawFromDistributions() throws {
        let law = try AcceptanceLaw(target: Distribution([1.0 / 3, 2.0 / 3]), draft: Distribution([2.0 / 3, 1.0 / 3]))
        #expect(law.values == [0.5, 1.0])
        #expect(abs(law.weights[0] - 2.0 / 3) < 1e-15 && abs(law.weights[1] - 1.0 / 3) < 1e-15)
        let s = try AcceptanceLaw(samples: [0.5, 1, 0.5])
        #expect(s == law || (abs(s.weights[0] - 2.0 / 3) < 1e-15 && s.values == [0.5, 1.0]))
    }
}
