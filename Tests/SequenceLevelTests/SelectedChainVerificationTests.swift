import MultidraftNumerics
import AcceptanceBounds
import Distributions
import Foundation
import MultidraftSupport
import Simulation
import Testing
@testable import SequenceLevel

/// The multi-path scheme `select-block` (optimal first-token selection among K chains, then block verification of
/// the selected chain against the induced law) and block verification's O(γ log V) context-free path.
@Suite struct SelectedChainVerificationTests {
    /// Lossless by enumeration of the scheme itself (every K-tuple of first tokens, the rule's position
    /// probabilities, every continuation): the emitted block continued by the target has the target's law on every
    /// path of length γ + 1. Its mean accepted length equals block verification of the induced chain law r (so r is
    /// the selected chain's law), and stays below the block LP. V ≤ 4, γ ≤ 3, K ≤ 3, context-free and Markov.
    @Test func losslessByEnumeration() throws {
        // Every (V, γ, K) in {2, 3, 4} × {1, 2, 3} × {1, 2, 3}, alternately context-free and Markov, then pairs with
        // zeros in p, in q and both (tokens the draft never proposes, tokens the target never emits).
        var cases: [(String, SequenceModel, Int, Int)] = []
        for seed in 0..<27 {
            let v = 2 + seed % 3, length = 1 + (seed / 3) % 3, k = 1 + (seed / 9) % 3, markov = seed % 2 == 1
            let m = try BlockEfficiencyTests.randomModel(v, seed: UInt64(700 + seed), markov: markov)
            cases.append(("seed \(seed) V=\(v) γ=\(length) K=\(k) \(markov ? "markov" : "context-free")", m, k, length))
        }
        for (i, (p, q)) in [
            ([0.6, 0, 0.4], [0.3, 0.5, 0.2]), ([0.5, 0.3, 0.2], [0, 0.5, 0.5]),
            ([0.7, 0, 0.3, 0], [0, 0.4, 0.4, 0.2])
        ].enumerated() {
            let m = try SequenceModel(target: Distribution(p), draft: Distribution(q))
            for (k, length) in [(2, 2), (3, 3)] { cases.append(("zeros \(i) K=\(k) γ=\(length)", m, k, length)) }
        }
        for (label, m, k, length) in cases {
            let v = m.vocabularySize
            let scheme = try SelectedChainVerification(model: m, drafts: k, length: length)
            let law = scheme.blockLaw()
            #expect(BlockBoundTests.losslessDeviation(law, model: m, length: length) < 1e-13, "\(label)")
            let fromLaw = law.reduce(0.0) { $0 + $1.value * Double($1.key.count - 1) }
            let exact = scheme.expectedAccepted()
            #expect(abs(fromLaw - exact) < 1e-13, "\(label): scheme \(fromLaw) vs r \(exact)")
            if v <= 3 || length <= 2 {
                let bound = try BlockBound(model: m, drafts: k, length: length)
                #expect(exact <= bound.upper + 1e-9, "\(label): \(exact) above L* \(bound.upper)")
            }
        }
    }

    /// γ = 1: the optimal verifier (coin acceptance = alpha* − certified gap, gap ≤ 1e-12 here); K = 1: block
    /// verification of the model's own chain law (closed form L*(1, γ)).
    @Test func reducesToOptimalAndToBlockVerification() throws {
        for seed in 0..<10 {
            let v = 3 + seed % 4, k = 1 + seed % 4
            let m = try BlockEfficiencyTests.randomModel(v, seed: UInt64(800 + seed), markov: false)
            let one = try SelectedChainVerification(model: m, drafts: k, length: 1)
            let alpha = try optimalAcceptance(
                target: m.firstTarget, law: DraftLaw.iid(m.firstDraft, drafts: k), method: .dual
            ).alpha
            #expect(one.selection.certifiedGap < 1e-12)
            #expect(
                abs(one.expectedAccepted() - alpha) < 1e-11,
                "seed \(seed): \(one.expectedAccepted()) vs alpha* \(alpha)")
            let length = 1 + seed % 3
            let single = try SelectedChainVerification(model: m, drafts: 1, length: length)
            #expect(
                abs(single.expectedAccepted() - BlockBound.singleChain(model: m, length: length)) < 1e-12,
                "seed \(seed)")
        }
    }

    /// The context-free fast path (sorted ratios, prefix sums, binary search) against the dense residual sums, on
    /// random chains at V = 300, with a first-token law other than the draft.
    @Test func scaledResidualMatchesDense() throws {
        var rng = Xoshiro256(seed: 91)
        let v = 300
        let p = try Distribution(logits: Distribution.zipfLogits(v, using: &rng))
        let q = try Distribution(
            logits: p.probabilities.map { log(max($0, 1e-300)) + 0.8 * Distribution.gaussian(using: &rng) })
        let r = try Distribution(normalizing: zip(p.probabilities, q.probabilities).map { 0.5 * ($0 + $1) })
        let m = try SequenceModel(target: p, draft: q)
        let bv = try BlockVerification(model: m, length: 4, firstDraft: r)
        var worst = 0.0
        for _ in 0..<200 {
            let x = bv.extend([], using: &rng)
            let fast = bv.stopLaw(chain: x), dense = bv.outcome(chain: x).stop
            worst = max(worst, zip(fast, dense).map { abs($0 - $1) }.max()!)
        }
        #expect(worst < 1e-13, "largest difference \(worst)")
        // Draws from norm((w p − q)_+) by binary search: the scaled residual's mass function and its draws agree
        // with the dense normalisation on a histogram (w = 0.6).
        let scaled = ScaledResidual(target: p.probabilities, draft: q.probabilities)
        let dense = zip(p.probabilities, q.probabilities).map { max(0, 0.6 * $0 - $1) }
        #expect(abs(scaled.mass(0.6) - dense.reduce(0, +)) < 1e-14)
        var counts = [Int](repeating: 0, count: v)
        for _ in 0..<200_000 { counts[scaled.sample(0.6, uniform: rng.nextUniform())!] += 1 }
        let total = dense.reduce(0, +)
        let (stat, dof) = Self.chiSquare(counts, expected: dense.map { $0 / total }, minimumExpected: 5)
        #expect(IncompleteGamma.chiSquareSurvival(stat, degreesOfFreedom: dof) > 1e-4, "chi2 \(stat) on \(dof)")
    }

    /// Monte Carlo of the scheme agrees with its exact value (5σ), small V, context-free and Markov.
    @Test func monteCarloAgreesWithExact() throws {
        for (seed, markov) in [(0, false), (1, true)] {
            let m = try BlockEfficiencyTests.randomModel(4, seed: UInt64(900 + seed), markov: markov)
            let scheme = try SelectedChainVerification(model: m, drafts: 3, length: 3)
            let exact = 1 + scheme.expectedAccepted()
            let mc = scheme.simulate(trials: 200_000, seed: 5, threads: 2)
            #expect(
                abs(mc.mean - exact) < 5 * mc.standardError,
                "\(markov): MC \(mc.mean) ± \(mc.standardError) vs \(exact)")
            #expect(scheme.simulate(trials: 200_000, seed: 5, threads: 1).mean == mc.mean)
        }
    }

    /// Lossless at LLM vocabulary size (V = 32,000, K = 4, γ = 3, context-free): each round's block is continued by
    /// the target to two tokens; the pair must follow p ⊗ p. Chi-square on 12 × 12 bins of equal target mass (the
    /// first token, then the second), 300,000 rounds; block verification of one chain (K = 1) likewise.
    @Test func losslessAtLLMVocabularyByChiSquare() throws {
        var rng = Xoshiro256(seed: 17)
        let v = 32_000
        let logits = Distribution.zipfLogits(v, using: &rng)
        let p = try Distribution(logits: logits)
        let q = try Distribution(logits: logits.map { $0 + 0.9 * Distribution.gaussian(using: &rng) })
        let m = try SequenceModel(target: p, draft: q)
        let bins = 12
        var bin = [Int](repeating: 0, count: v), cumulative = 0.0
        for t in 0..<v {
            bin[t] = min(bins - 1, Int(cumulative * Double(bins)))
            cumulative += p[t]
        }
        var binMass = [Double](repeating: 0, count: bins)
        for t in 0..<v { binMass[bin[t]] += p[t] }
        let expected = (0..<bins * bins).map { binMass[$0 / bins] * binMass[$0 % bins] }
        let targetTable = AliasTable(weights: p.probabilities)
        for k in [4, 1] {
            let scheme = try SelectedChainVerification(model: m, drafts: k, length: 3, threads: 2)
            var counts = [Int](repeating: 0, count: bins * bins)
            var accepted = 0
            var stream = Xoshiro256(seed: 23)
            let rounds = 300_000
            for _ in 0..<rounds {
                var block = scheme.sampleBlock(using: &stream)
                accepted += block.count - 1
                if block.count < 2 { block.append(targetTable.sample(using: &stream)) }
                counts[bin[block[0]] * bins + bin[block[1]]] += 1
            }
            let (stat, dof) = Self.chiSquare(counts, expected: expected, minimumExpected: 5)
            let pValue = IncompleteGamma.chiSquareSurvival(stat, degreesOfFreedom: dof)
            #expect(pValue > 1e-4, "K=\(k): chi2 \(stat) on \(dof), p = \(pValue)")
            #expect(accepted > rounds / 10, "K=\(k): the scheme accepts (\(accepted) tokens in \(rounds) rounds)")
        }
    }

    /// The sampler (the fast verification path: O(γ log V) context-free, dense Markov) draws blocks with the scheme's
    /// exact block law: chi-square over every block, V = 3, K = 2, γ = 2, context-free and Markov, 300,000 rounds.
    @Test func sampledBlocksFollowTheExactLaw() throws {
        for markov in [false, true] {
            let m = try BlockEfficiencyTests.randomModel(3, seed: markov ? 951 : 950, markov: markov)
            let scheme = try SelectedChainVerification(model: m, drafts: 2, length: 2)
            let law = scheme.blockLaw().sorted { $0.key.lexicographicallyPrecedes($1.key) }
            let index = Dictionary(uniqueKeysWithValues: law.enumerated().map { ($1.key, $0) })
            var counts = [Int](repeating: 0, count: law.count)
            var rng = Xoshiro256(seed: 31)
            var unknown = 0
            for _ in 0..<300_000 {
                if let j = index[scheme.sampleBlock(using: &rng)] { counts[j] += 1 } else { unknown += 1 }
            }
            #expect(unknown == 0, "markov \(markov): \(unknown) blocks outside the exact law's support")
            let (stat, dof) = Self.chiSquare(counts, expected: law.map(\.value), minimumExpected: 5)
            let pValue = IncompleteGamma.chiSquareSurvival(stat, degreesOfFreedom: dof)
            #expect(pValue > 1e-4, "markov \(markov): chi2 \(stat) on \(dof), p = \(pValue)")
        }
    }

    /// ScaledResidual's edge cases against the dense sums: tokens with q = 0 (always in the residual) and p = 0
    /// (never), ties in p/q, w ∈ {0, 1e-300, 0.3, 1}; draws only ever return tokens with a positive residual.
    @Test func scaledResidualEdgeCases() throws {
        let p = [0.2, 0.0, 0.1, 0.1, 0.3, 0.0, 0.3], q = [0.0, 0.2, 0.05, 0.05, 0.3, 0.0, 0.4]
        let scaled = ScaledResidual(target: p, draft: q)
        var rng = Xoshiro256(seed: 5)
        for w in [0.0, 1e-300, 0.3, 0.5, 1.0] {
            let dense = zip(p, q).map { max(0, w * $0 - $1) }
            #expect(abs(scaled.mass(w) - dense.reduce(0, +)) < 1e-16, "w = \(w)")
            if dense.allSatisfy({ $0 == 0 }) {
                #expect(scaled.sample(w, uniform: 0.5) == nil, "w = \(w)")
                continue
            }
            for u in [0.0, 0.999_999_999_999] + (0..<2000).map({ _ in rng.nextUniform() }) {
                let y = try #require(scaled.sample(w, uniform: u))
                #expect(dense[y] > 0, "w = \(w), u = \(u): token \(y) has no residual")
            }
        }
    }

    /// Pearson's statistic over the cells with expected count ≥ `minimumExpected` (the rest pooled into one cell).
    static func chiSquare(_ counts: [Int], expected probabilities: [Double], minimumExpected: Double) -> (Double, Int) {
        let n = Double(counts.reduce(0, +))
        var stat = 0.0, cells = 0, pooledCount = 0.0, pooledExpected = 0.0
        for (c, pr) in zip(counts, probabilities) {
            let e = n * pr
            if e >= minimumExpected {
                stat += (Double(c) - e) * (Double(c) - e) / e
                cells += 1
            } else {
                pooledCount += Double(c); pooledExpected += e
            }
        }
        if pooledExpected > 0 {
            stat += (pooledCount - pooledExpected) * (pooledCount - pooledExpected) / pooledExpected
            cells += 1
        }
        return (stat, cells - 1)
    }
}
