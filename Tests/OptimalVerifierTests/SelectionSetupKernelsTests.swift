import AcceptanceBounds
import Distributions
import Foundation
import MultidraftNumerics
import MultidraftSupport
import MultidraftTesting
import Testing
@testable import OptimalVerifier

/// The small kernels the optimal verifier's setup is built from, each against its plain definition: the coverage
/// f(P) = 1 − (1 − q(P))ⁿ, the ratios carried along the ratio order, the one-run test, and the number of Taylor terms
/// of the binned exponential sums.
@Suite struct SelectionSetupKernelsTests {
    /// q(P)·Σ_{j<n} u^j by binary doubling equals 1 − uⁿ (u = 1 − q(P)) computed without cancellation where that is
    /// possible (−expm1(n·log1p(−q(P))) for q(P) ≤ ½, 1 − uⁿ beyond), to 10⁻¹⁴ relative, n = 1…32, masses over 16
    /// decades.
    @Test func coverageByDoublingMatchesTheClosedForm() {
        var rng = Xoshiro256(seed: 21)
        for n in 1...32 {
            for _ in 0..<200 {
                let inside = pow(10, -16 * rng.nextUniform())
                let outside = 1 - inside
                let coverage = OptimalSelectionLaw.iidCoverage(inside: inside, outside: outside, drafts: n)
                let reference =
                    inside <= 0.5 ? -expm1(Double(n) * log1p(-inside)) : 1 - pow(outside, Double(n))
                #expect(
                    abs(coverage - reference) <= 1e-14 * reference,
                    "n=\(n) q(P)=\(inside): \(coverage) vs \(reference)")
            }
        }
        #expect(OptimalSelectionLaw.iidCoverage(inside: 1, outside: 0, drafts: 5) == 1)
        #expect(OptimalSelectionLaw.iidCoverage(inside: 0, outside: 1, drafts: 5) == 0)
    }

    /// The ratios kept along the order are p/q at every position (+∞ where q = 0), non-increasing; on both sort paths
    /// (V < 512 and the radix sort), with zeros in p and q.
    @Test func orderedRatiosAreTheRatiosAlongTheOrder() throws {
        for (seed, v) in [(3, 8), (5, 300), (6, 4000), (15, 4000)] {
            let (p, q, _) = TestVectors.instance(seed, vocabulary: v)
            let optimal = try OptimalSelectionLaw(target: p, law: try DraftLaw.iid(q, drafts: 3))
            for (k, x) in optimal.order.enumerated() {
                let ratio = q[x] > 0 ? p[x] / q[x] : Double.infinity
                #expect(optimal.orderedRatio[k] == ratio, "seed=\(seed) V=\(v) position \(k)")
                if k > 0 { #expect(optimal.orderedRatio[k] <= optimal.orderedRatio[k - 1]) }
            }
        }
    }

    /// The one-run test from the block's end points agrees with its definition (all p, q > 0 and ρ_max ≤ κ·ρ_min) on
    /// every multi-token block of 40 instances, and on hand-made blocks with a zero and with a spread beyond κ.
    @Test func oneRunTestMatchesItsDefinition() throws {
        func definition(_ block: OptimalSelectionLaw.Block, _ p: [Double], _ q: [Double]) -> Bool {
            guard block.range.count > 1, let kappa = RealisedOptimalSelection.runRatioLimit(slope: block.slope)
            else { return false }
            var high = 0.0, low = Double.infinity
            for k in block.range {
                guard p[k] > 0, q[k] > 0 else { return false }
                high = max(high, p[k] / q[k])
                low = min(low, p[k] / q[k])
            }
            return high <= kappa * low
        }
        var checked = 0
        for seed in 0..<40 {
            let (p, q, _) = TestVectors.instance(seed, vocabulary: 60)
            let optimal = try OptimalSelectionLaw(target: p, law: try DraftLaw.iid(q, drafts: 1 + seed % 4))
            for block in optimal.blocks where block.range.count > 1 {
                checked += 1
                #expect(
                    RealisedOptimalSelection.isOneRun(block, ratios: optimal.orderedRatio)
                        == definition(block, optimal.orderedTarget, optimal.orderedDraft),
                    "seed=\(seed) block \(block.range)")
            }
        }
        #expect(checked > 20)
        // hand-made: ratios 2, 1.9 (one run at slope 0.5: κ = 2^0.9), then a zero target, then a spread of 3
        let block = OptimalSelectionLaw.Block(
            range: 0..<2, targetMass: 0.39, coverage: 0.195, draftMass: 0.2, laterDraftMass: 0.8)
        #expect(RealisedOptimalSelection.isOneRun(block, ratios: [2, 1.9]))
        #expect(!RealisedOptimalSelection.isOneRun(block, ratios: [2, 0]))
        #expect(!RealisedOptimalSelection.isOneRun(block, ratios: [.infinity, 1.9]))
        #expect(!RealisedOptimalSelection.isOneRun(block, ratios: [3, 1]))
    }

    /// The Taylor terms a binned exponential sum keeps at |t d| ≤ x are the first j with x^j/j! < 10⁻¹⁸ (at most K),
    /// whether found from 1 or advanced from a count that suffices for a smaller x; x over 22 decades, K = 14, 18.
    @Test func taylorTermsFollowTheirDefinition() {
        for terms in [14, 18] {
            let sums = ExponentialSums(rates: [1, 2, 3], halfWidth: 0.01, terms: terms, cutoff: 50)
            var previous = 1, checked = 0
            for i in 0...2200 {
                let x = pow(10, (Double(i) + 0.37) / 100 - 20)
                var term = 1.0, j = 1
                while j < terms {
                    term *= x / Double(j)
                    if term < 1e-18 { break }
                    j += 1
                }
                // the two sides could differ at a threshold's last bit; this grid stays 8·10⁻⁴ (relative) away from
                // every threshold (checked when the test was written)
                let needed = sums.termsNeeded(x)
                #expect(needed == j, "K=\(terms) x=\(x): \(needed) vs \(j)")
                #expect(sums.advanceTerms(previous, to: x) == needed, "K=\(terms) x=\(x) advanced")
                previous = needed
                checked += 1
            }
            #expect(checked == 2201)
        }
    }
}
