import Foundation
import Testing
@testable import Verifiers
import AcceptanceBounds
import Distributions
import MultidraftSupport
import MultidraftTesting

/// The certificate of submodular minimisation run as a verifier (independent and explicit laws).
@Suite struct PriorityMixtureTests {
    /// Passes the SDK's conformance check (exact output law = p by enumeration of every draft tuple, acceptance
    /// reports, Monte Carlo) on independent drafts.
    @Test func conformance() async throws {
        let report = try await VerifierConformance.check(
            laws: [.independent], drafts: 1...3, vocabulary: 2...6, instances: 40, seed: 23
        ) { target, law in try PriorityMixtureVerifier(target: target, law: law) }
        #expect(report.passed, "\(report)")
        #expect(report.exactInstances >= 30)
    }

    /// Its exact acceptance Σ min(p, r) reaches alpha* (brute force over all subsets) within the certified gap, and
    /// the gap is ≤ 1e-12; the selection law computed from the vertices equals the one obtained by enumerating every
    /// draft tuple through the rule.
    @Test func reachesAlphaStar() throws {
        for seed in 0..<12 {
            var rng = Xoshiro256(seed: UInt64(seed))
            let v = 3 + seed % 6
            let p = Distribution.dirichlet(v, concentration: 0.5, zeroFraction: seed % 3 == 0 ? 0.2 : 0, using: &rng)
            let qs = (0..<(2 + seed % 2)).map { _ in Distribution.dirichlet(v, concentration: 0.7, using: &rng) }
            let law = try DraftLaw.independent(qs)
            let verifier = try PriorityMixtureVerifier(target: p, law: law)
            let alpha = try SubsetBound.bruteForce(target: p, law: law).alpha
            #expect(verifier.certifiedGap <= 1e-12)
            #expect(
                abs(verifier.exactAcceptance! - alpha) <= 1e-12,
                "seed \(seed): \(verifier.exactAcceptance!) vs \(alpha)")
            // Selection law by enumeration of tuples: Σ_x P(x) · Σ_k λ_k 1[rule k selects token]
            var r = [Double](repeating: 0, count: v)
            for tuple in try law.tupleLaw() {
                var w = [Double](repeating: 0, count: tuple.tokens.count)
                for k in verifier.weights.indices {
                    w[verifier.selectedPosition(tuple.tokens, order: k)] += verifier.weights[k]
                }
                for (i, t) in tuple.tokens.enumerated() { r[t] += tuple.probability * w[i] }
            }
            for t in 0..<v { #expect(abs(r[t] - verifier.selectionLaw[t]) < 1e-12, "seed \(seed) token \(t)") }
        }
    }
}
