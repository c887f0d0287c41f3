import Foundation
import Testing
@testable import Distributions
import MultidraftSupport

/// The samplers reproduce each law's set law (Monte Carlo, fixed seed, 5σ bands per set) and never repeat tokens
/// where the law draws distinct ones.
@Suite struct DraftSamplerTests {
    @Test func samplersMatchTheSetLaw() throws {
        var rng = Xoshiro256(seed: 2718)
        let q = try Distribution([0.35, 0.25, 0.2, 0.12, 0.08])
        let q2 = try Distribution([0.1, 0.2, 0.3, 0.25, 0.15])
        let laws = [
            try DraftLaw.iid(q, drafts: 3), try DraftLaw.withoutReplacement(q, drafts: 3),
            try DraftLaw.independent([q, q2]), try DraftLaw.greedy(q, drafts: 3), try DraftLaw.specHub(q),
            DraftLaw.explicit(
                try ExplicitDraftLaw(
                    vocabularySize: 5, tuples: [[0, 1], [2, 2], [4, 3]],
                    probabilities: [0.5, 0.3, 0.2]))
        ]
        let trials = 200_000
        for law in laws {
            let sampler = law.makeSampler()
            var counts: [[Int]: Int] = [:]
            var tuple: [Int] = []
            for _ in 0..<trials {
                sampler.sample(into: &tuple, using: &rng)
                if law.name == "without-replacement" || law.name == "greedy" || law.name == "spechub" {
                    #expect(Set(tuple).count == tuple.count)
                }
                counts[Array(Set(tuple)).sorted(), default: 0] += 1
            }
            let sets = law.setLaw()
            #expect(Set(counts.keys).isSubset(of: Set(sets.map(\.tokens))), "\(law.name) drew a set of mass 0")
            for s in sets {
                let observed = Double(counts[s.tokens] ?? 0) / Double(trials)
                let sigma = (s.mass * (1 - s.mass) / Double(trials)).squareRoot()
                #expect(
                    abs(observed - s.mass) <= 5 * sigma + 1e-12, "\(law.name) \(s.tokens): \(observed) vs \(s.mass)")
            }
        }
    }

    /// At low temperature the rejection loop falls back to the exact remaining-mass draw.
    @Test func lowTemperatureWithoutReplacementSampler() throws {
        var rng = Xoshiro256(seed: 31)
        let q = try Distribution([1.0, 1e-20, 1e-20, 1e-20])
        let sampler = try DraftLaw.withoutReplacement(q, drafts: 2).makeSampler()
        var second = [0, 0, 0, 0]
        for _ in 0..<30_000 {
            let t = sampler.sample(using: &rng)
            #expect(t[0] == 0 && t[1] != 0)
            second[t[1]] += 1
        }
        for token in 1...3 { // uniform on {1, 2, 3}: 10,000 ± 5·81.6
            #expect(abs(second[token] - 10_000) < 409)
        }
    }

    /// A peaked draft (one token holds 0.9, 79 share the rest) drawn three times without replacement: the heavy/light
    /// proposal is used on most tuples and must keep the law exact. Inclusion probability of every token and the law
    /// of the second draw given that the first is the peak token, against the exact set law (5σ bands).
    @Test func peakedWithoutReplacementUsesExactFallback() throws {
        var rng = Xoshiro256(seed: 77)
        let v = 80
        let q = try Distribution([0.9] + [Double](repeating: 0.1 / 79, count: 79))
        let law = try DraftLaw.withoutReplacement(q, drafts: 3)
        let sampler = law.makeSampler()
        let trials = 400_000
        var inclusion = [Int](repeating: 0, count: v), second = [Int](repeating: 0, count: v), peakFirst = 0
        var tuple: [Int] = []
        for _ in 0..<trials {
            sampler.sample(into: &tuple, using: &rng)
            #expect(Set(tuple).count == 3)
            for x in tuple { inclusion[x] += 1 }
            if tuple[0] == 0 { peakFirst += 1; second[tuple[1]] += 1 }
        }
        var exact = [Double](repeating: 0, count: v)
        for set in law.setLaw() { for x in set.tokens { exact[x] += set.mass } }
        for x in 0..<v {
            let observed = Double(inclusion[x]) / Double(trials)
            let sigma = (exact[x] * (1 - exact[x]) / Double(trials)).squareRoot()
            #expect(abs(observed - exact[x]) <= 5 * sigma, "token \(x): inclusion \(observed) vs \(exact[x])")
        }
        // Given first = 0, the second draw is uniform on the 79 others.
        let expected = Double(peakFirst) / 79
        for y in 1..<v {
            #expect(
                abs(Double(second[y]) - expected) <= 5 * (expected * (1 - 1.0 / 79)).squareRoot(), "second draw \(y)")
        }
    }
}
