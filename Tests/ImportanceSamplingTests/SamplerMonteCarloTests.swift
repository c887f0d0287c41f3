import Foundation
import Testing
@testable import ImportanceSampling
import MultidraftSupport
import Distributions

/// Monte Carlo of the samplers against the exact values (fixed seeds, 5σ bands): the empirical output law, the coin
/// frequency (accepted draft reported) and the membership frequency (Y ∈ set(x)).
@Suite struct SamplerMonteCarloTests {
    static func check(_ scheme: TwoStepScheme, runs: Int, seed: UInt64) throws {
        let exact = try scheme.exact()
        let tables = scheme.drafts.map { AliasTable(weights: $0.probabilities) }
        var draftRNG = Xoshiro256(seed: seed, stream: 1)
        var verifyRNG = Xoshiro256(seed: seed, stream: 2)
        let v = scheme.target.vocabularySize
        var counts = [Int](repeating: 0, count: v)
        var coin = 0, member = 0
        var tuple = [Int](repeating: 0, count: tables.count)
        for _ in 0..<runs {
            for i in 0..<tables.count { tuple[i] = tables[i].sample(using: &draftRNG) }
            let outcome = scheme.verify(tuple, using: &verifyRNG)
            counts[outcome.token] += 1
            if let position = outcome.acceptedDraft {
                coin += 1
                #expect(tuple[position] == outcome.token)
            }
            if tuple.contains(outcome.token) { member += 1 }
        }
        let n = Double(runs)
        func band(_ probability: Double) -> Double { 5 * (probability * (1 - probability) / n).squareRoot() + 1e-12 }
        for y in 0..<v {
            let p = scheme.target[y]
            #expect(abs(Double(counts[y]) / n - p) <= band(p), "token \(y): \(Double(counts[y]) / n) vs \(p)")
        }
        #expect(abs(Double(coin) / n - scheme.coinAcceptance) <= band(scheme.coinAcceptance))
        #expect(abs(Double(member) / n - exact.membershipAcceptance) <= band(exact.membershipAcceptance))
    }

    /// KC with SIR weights (coin 0.798 < membership 0.814) and with optimal weights.
    @Test func pairSchemes() throws {
        let p = try Distribution([0.5, 0.3, 0.2]), q = try Distribution([0.2, 0.3, 0.5])
        try Self.check(try TwoStepScheme.sir(target: p, drafts: [q, q]), runs: 100_000, seed: 11)
        try Self.check(try TwoStepScheme.optimal(target: p, drafts: [q, q]), runs: 100_000, seed: 12)
        let u = Distribution.uniform(3)
        try Self.check(try TwoStepScheme.truncated(target: u, drafts: [u, u], truncate: 1), runs: 100_000, seed: 13)
    }

    /// The tournament example of test-vectors §4 at K = 3 with truncated stages, and a K = 3 tuple-SIR scheme.
    @Test func multiDraftSchemes() throws {
        let p = try Distribution([0.35, 0.25, 0.2, 0.1, 0.06, 0.04])
        let q = try Distribution([0.1, 0.15, 0.2, 0.25, 0.2, 0.1])
        try Self.check(
            try TwoStepScheme.tournament(target: p, drafts: [q, q, q], method: .truncatedLP(2)),
            runs: 100_000, seed: 21)
        let q2 = try Distribution([0.3, 0.1, 0.1, 0.1, 0.1, 0.3])
        let rule = try TupleWeights.sir(target: p, drafts: [q, q2, q])
        try Self.check(try TwoStepScheme(target: p, drafts: [q, q2, q], rule: rule), runs: 100_000, seed: 22)
    }
}
