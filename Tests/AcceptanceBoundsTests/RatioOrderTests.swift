import Testing
@testable import AcceptanceBounds
import MultidraftSupport
import Distributions

@Suite struct RatioOrderTests {
    /// The radix path (V ≥ 512) equals a comparison sort by (p/q ascending, q = 0 last, index), including ties,
    /// zeros on either side and ratios that agree in their upper 32 bits.
    @Test(arguments: [600, 5_000, 70_000])
    func radixMatchesComparisonSort(v: Int) {
        var rng = Xoshiro256(seed: UInt64(v))
        var p = (0..<v).map { _ in Double(rng.next(upperBound: 50 as UInt64)) / 50 }
        var q = (0..<v).map { _ in Double(rng.next(upperBound: 40 as UInt64)) / 40 }
        for i in stride(from: 0, to: v, by: 97) { p[i] = 0.3 + Double(i) * 1e-13; q[i] = 0.7 } // near-ties
        for i in stride(from: 5, to: v, by: 31) { q[i] = 0 }
        func ratio(_ i: Int) -> Double { q[i] > 0 ? p[i] / q[i] : .infinity }
        let expected = (0..<v).sorted { ratio($0) != ratio($1) ? ratio($0) < ratio($1) : $0 < $1 }
        #expect(RatioOrder.order(target: p, draft: q) == expected)
    }

    /// Large random instances: the iid prefix scan (radix path) equals a direct evaluation of the same prefixes
    /// in the comparison-sort order.
    @Test func largePrefixScanMatchesReference() throws {
        var rng = Xoshiro256(seed: 77)
        let v = 20_000
        let lp = Distribution.zipfLogits(v, using: &rng)
        let lq = lp.map { $0 + Distribution.gaussian(using: &rng) }
        let p = try Distribution(logits: lp), q = try Distribution(logits: lq)
        for n in [1, 2, 4, 8] {
            let fast = SubsetBound.prefixIID(target: p, draft: q, drafts: n)
            let order = (0..<v).sorted { (a: Int, b: Int) -> Bool in
                let left: Double = p[a] * q[b], right: Double = p[b] * q[a]
                return left != right ? left < right : a < b
            }
            var best = 0.0, ps = 0.0, qs = 0.0
            for k in 0..<(v - 1) {
                ps += p[order[k]]; qs += q[order[k]]; best = min(best, ps - integerPower(min(1, qs), n))
            }
            #expect(abs(fast.alpha - (1 + best)) < 1e-12, "n = \(n)")
            #expect(
                abs(subsetBoundValue(target: p, law: try DraftLaw.iid(q, drafts: n), set: fast.minimizer) - fast.alpha)
                    < 1e-12)
            if n == 1 { #expect(abs(fast.alpha - p.overlap(with: q)) < 1e-12) }
        }
    }
}

/// The pruned without-replacement scan (only prefixes whose lower bound can beat the best upper bound are
/// integrated) equals the unpruned minimum over every prefix, at LLM-like sizes and low temperature.
@Suite struct WithoutReplacementPruningTests {
    @Test(arguments: [0.3, 1.0])
    func prunedScanEqualsFullScan(temperature: Double) throws {
        var rng = Xoshiro256(seed: 404)
        let v = 3_000
        let lp = Distribution.zipfLogits(v, using: &rng)
        let lq = lp.map { $0 + Distribution.gaussian(using: &rng) }
        let p = try Distribution(logits: lp, temperature: temperature),
            q = try Distribution(logits: lq, temperature: temperature)
        for n in [2, 4, 8] {
            let pruned = SubsetBound.prefixWithoutReplacement(target: p, draft: q, drafts: n)
            let order = RatioOrder.order(target: p.probabilities, draft: q.probabilities)
            let qs = WithoutReplacementRace.prefixMasses(q.probabilities, order: order, drafts: n)
            var best = 0.0, ph = 0.0
            for k in 1..<v { ph += p[order[k - 1]]; best = min(best, ph - qs[k]) }
            #expect(abs(pruned.alpha - (1 + best)) < 1e-13, "T = \(temperature), n = \(n)")
        }
    }
}
