import Distributions
import Foundation
import MultidraftSupport
import Testing
@testable import SequenceLevel

/// The block LP's plan as a verifier: it reaches L*(K, γ) (against the certified antichain-form bound), is lossless
/// on every path of length γ + 1 (enumeration; sequences up to length 3 at V ≤ 4), and its Monte Carlo agrees.
@Suite struct BlockLPVerifierTests {
    @Test func reachesTheBoundAndIsLossless() throws {
        for (seed, v, length, k, markov) in [
            (0, 2, 2, 2, false), (1, 3, 2, 2, false), (2, 3, 1, 3, false),
            (3, 2, 3, 2, false), (4, 3, 2, 2, true), (5, 2, 2, 3, true),
            (6, 4, 2, 2, false), (7, 3, 3, 2, false), (8, 4, 1, 3, false)
        ] {
            let m = try BlockEfficiencyTests.randomModel(v, seed: UInt64(1_000 + seed), markov: markov)
            let label = "seed \(seed) V=\(v) γ=\(length) K=\(k) \(markov ? "markov" : "context-free")"
            let verifier = try BlockLPVerifier(model: m, drafts: k, length: length)
            let bound = try BlockBound(model: m, drafts: k, length: length)
            #expect(
                abs(verifier.optimum - bound.upper) < 1e-8, "\(label): LP \(verifier.optimum) vs bound \(bound.upper)")
            #expect(
                abs(verifier.expectedAccepted() - bound.upper) < 1e-8, "\(label): plan \(verifier.expectedAccepted())")
            #expect(BlockBoundTests.losslessDeviation(verifier.blockLaw(), model: m, length: length) < 1e-9, "\(label)")
        }
    }

    @Test func monteCarloAgrees() throws {
        let m = try BlockEfficiencyTests.randomModel(3, seed: 1_101, markov: false)
        let verifier = try BlockLPVerifier(model: m, drafts: 2, length: 2)
        let exact = 1 + verifier.expectedAccepted()
        let mc = verifier.simulate(trials: 200_000, seed: 9, threads: 2)
        #expect(
            mc.standardError > 0 && abs(mc.mean - exact) < 5 * mc.standardError,
            "MC \(mc.mean) ± \(mc.standardError) vs \(exact)")
        // The emitted block's first token follows p (chi-square-free check: 5σ per token).
        var counts = [Int](repeating: 0, count: 3)
        var rng = Xoshiro256(seed: 10)
        let n = 200_000
        for _ in 0..<n { counts[verifier.sampleBlock(using: &rng)[0]] += 1 }
        for t in 0..<3 {
            let p = m.firstTarget[t], sd = (p * (1 - p) / Double(n)).squareRoot()
            #expect(abs(Double(counts[t]) / Double(n) - p) < 5 * sd, "token \(t)")
        }
    }

    @Test func refusesLargeProblems() throws {
        let m = try BlockEfficiencyTests.randomModel(8, seed: 1, markov: false)
        #expect(throws: SequenceLevelError.self) { try BlockLPVerifier(model: m, drafts: 3, length: 3) }
        #expect(throws: BlockBoundError.invalidDrafts(0)) { try BlockLPVerifier(model: m, drafts: 0, length: 2) }
    }
}
