import Testing
@testable import SequenceLevel
import AcceptanceBounds
import Distributions

/// The level-by-level upper bound on the block LP (`BlockBound.levelUpperBound`) on small context-free models: it is
/// above the certified L*(K, γ); its level 2 is alpha* of the two-token path laws (exact when every threshold is
/// tried); for one draft it is the prefix-coupling bound; and the grid used at large V only loosens it.
@Suite struct LevelUpperBoundTests {
    static func pair(_ v: Int, seed: UInt64) throws -> (Distribution, Distribution) {
        var rng = Xoshiro256(seed: seed)
        let logits = Distribution.zipfLogits(v, exponent: 1.2, noise: 0.7, using: &rng)
        let p = try Distribution(logits: logits)
        let q = try Distribution(logits: logits.map { $0 + 0.9 * Distribution.gaussian(using: &rng) })
        return (p, q)
    }

    @Test func isAboveTheBlockLPAndExactPerLevel() throws {
        for seed in UInt64(1)...6 {
            let v = 3 + Int(seed % 3)
            let (p, q) = try Self.pair(v, seed: seed)
            let model = try SequenceModel(target: p, draft: q)
            let pairs = (0..<(v * v)).map { (x: $0 / v, y: $0 % v) }
            let p2 = try Distribution(pairs.map { p.probabilities[$0.x] * p.probabilities[$0.y] })
            let q2 = try Distribution(pairs.map { q.probabilities[$0.x] * q.probabilities[$0.y] })
            for k in 1...3 {
                let level = try BlockBound.levelUpperBound(target: p, draft: q, drafts: k, length: 2)
                let exact = try BlockBound(model: model, drafts: k, length: 2)
                #expect(level.bound >= exact.blockEfficiencyUpper - 1e-12, "seed \(seed), K = \(k)")
                // level 1 is alpha*; level 2 is alpha* of the two-token laws (i.i.d.: a ratio set is optimal)
                let alpha1 = try optimalAcceptance(target: p, law: try DraftLaw.iid(q, drafts: k))
                let alpha2 = try optimalAcceptance(target: p2, law: try DraftLaw.iid(q2, drafts: k))
                #expect(abs(level.levels[0] - alpha1.upper) < 1e-12)
                #expect(abs(level.levels[1] - min(alpha1.upper, alpha2.upper)) < 1e-12, "seed \(seed), K = \(k)")
                // a coarse grid is still a valid bound, never below the exact level
                let coarse = BlockBound.levelTwo(p.probabilities, q.probabilities, k, grid: 1)
                #expect(coarse >= alpha2.upper - 1e-12)
                let one = try BlockBound.levelUpperBound(target: p, draft: q, drafts: k, length: 1)
                #expect(abs(one.bound - 1 - alpha1.upper) < 1e-15)
            }
            // one draft: the prefix-coupling bound 1 + Σ min(p, q) + Σ min(p ⊗ p, q ⊗ q)
            let coupling =
                1 + zip(p.probabilities, q.probabilities).reduce(0) { $0 + min($1.0, $1.1) }
                + zip(p2.probabilities, q2.probabilities).reduce(0) { $0 + min($1.0, $1.1) }
            let single = try BlockBound.levelUpperBound(target: p, draft: q, drafts: 1, length: 2)
            #expect(abs(single.bound - coupling) < 1e-12, "seed \(seed)")
        }
        // Sun et al.'s example: 12/9 accepted tokens against L*(1, 2) = 11/9
        let sun = try BlockBound.levelUpperBound(
            target: Distribution([1.0 / 3, 2.0 / 3]), draft: Distribution([2.0 / 3, 1.0 / 3]), drafts: 1, length: 2)
        #expect(abs(sun.bound - (1 + 12.0 / 9)) < 1e-12)
    }

    @Test func refusesWhatItDoesNotBound() throws {
        let (p, q) = try Self.pair(4, seed: 1)
        #expect(throws: BlockBoundError.invalidLength(3)) {
            try BlockBound.levelUpperBound(target: p, draft: q, drafts: 2, length: 3)
        }
        #expect(throws: BlockBoundError.invalidDrafts(0)) {
            try BlockBound.levelUpperBound(target: p, draft: q, drafts: 0, length: 2)
        }
    }
}
