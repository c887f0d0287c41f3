import AcceptanceBounds
import Distributions
import Foundation
import ImportanceSampling
import MultidraftSupport
import Simulation
import Testing
import Verifiers

/// The `importance` verifier through the Verifier protocol: the other engineer's exact checker (enumeration of the
/// tuple law with conditionalOutcome) and Monte-Carlo engine agree with the scheme's own exact values.
@Suite struct ImportanceVerifierTests {
    /// KA–KF-style small instances: output law = p (1e-12), membership = exactAcceptance, coin = lowerBound; at n = 2
    /// with the full LP both equal alpha* (1e-9); at n = 1 the verifier is single-draft SD.
    @Test func exactCheckerAgrees() throws {
        let cases: [([Double], [Double])] = [
            ([0.5, 0.3, 0.2], [0.2, 0.3, 0.5]), ([0.1, 0.2, 0.3, 0.4], [0.4, 0.3, 0.2, 0.1]), ([0.6, 0.4], [0.3, 0.7]),
            ([0.35, 0.25, 0.2, 0.1, 0.06, 0.04], [0.1, 0.15, 0.2, 0.25, 0.2, 0.1])
        ]
        for (pv, qv) in cases {
            let p = try Distribution(pv), q = try Distribution(qv)
            for n in 1...3 {
                let law = try DraftLaw.iid(q, drafts: n)
                let verifier =
                    try VerifierRegistry.standard.makeVerifier(name: "importance", target: p, law: law)
                    as! ImportanceVerifier
                let exact = try ExactVerification(verifier)
                #expect(exact.maxDeviation(from: p) < 1e-12, "n=\(n) not lossless")
                #expect(abs(exact.membershipAcceptance - verifier.exactAcceptance!) < 1e-12)
                #expect(abs(exact.coinAcceptance - verifier.lowerBound) < 1e-12)
                let alpha = try optimalAcceptance(target: p, law: law).alpha
                #expect(exact.membershipAcceptance <= alpha + 1e-9)
                if n == 1 { #expect(abs(verifier.lowerBound - p.overlap(with: q)) < 1e-15) }
                if n == 2 {
                    #expect(abs(exact.membershipAcceptance - alpha) < 1e-9 && abs(verifier.lowerBound - alpha) < 1e-9)
                }
            }
        }
        // Truncation s = 1 on KA: coin 7/9, membership 13/15 (the pitfall), through the verifier.
        let u = Distribution.uniform(3)
        let truncated = try ImportanceVerifier(target: u, law: try DraftLaw.iid(u, drafts: 2), truncate: 1)
        #expect(abs(truncated.lowerBound - 7.0 / 9) < 1e-12 && abs(truncated.exactAcceptance! - 13.0 / 15) < 1e-12)
        #expect(truncated.truncation == 1)
        #expect(throws: VerifierError.self) {
            try ImportanceVerifier(target: u, law: try DraftLaw.iid(u, drafts: 2), truncate: 4)
        }
        #expect(throws: VerifierError.self) {
            try VerifierRegistry.standard.makeVerifier(
                name: "importance", target: u, law: try DraftLaw.greedy(u, drafts: 2))
        }
    }

    /// Large V: the LP scheme's full LP is refused with a message that asks for a truncation (no silent switch); an
    /// explicit s builds the truncated tournament; the default scheme for i.i.d. drafts (optimal selection) reaches
    /// alpha* of the law with gap 0.
    @Test func largeVocabularyNeedsAnExplicitTruncation() throws {
        var rng = Xoshiro256(seed: 5)
        let p = Distribution.dirichlet(400, concentration: 0.3, using: &rng)
        let q = Distribution.dirichlet(400, concentration: 0.3, using: &rng)
        #expect {
            try ImportanceVerifier(target: p, law: try DraftLaw.iid(q, drafts: 3), scheme: .lp)
        } throws: {
            ($0 as? VerifierError).map {
                $0.description.contains("choose a truncation") && $0.suggestedParameters == [.truncate]
            } ?? false
        }
        let optimal = try ImportanceVerifier(target: p, law: try DraftLaw.iid(q, drafts: 3))
        #expect(optimal.scheme == .optimal && optimal.certifiedGap == 0)
        let alpha = SubsetBound.prefixIID(target: p, draft: q, drafts: 3).alpha
        #expect(abs(optimal.exactAcceptance! - alpha) < 1e-12, "\(optimal.exactAcceptance!) vs \(alpha)")
        let verifier = try ImportanceVerifier(target: p, law: try DraftLaw.iid(q, drafts: 3), truncate: 15)
        #expect(verifier.truncation == 15)
        #expect(verifier.exactAcceptance == nil) // 400³ tuples: not enumerated
        #expect(verifier.lowerBound <= (try optimalAcceptance(target: p, law: verifier.law).alpha) + 1e-12)
    }

    /// Monte Carlo through the shared engine: acceptance within 5σ of the exact membership, chi-square not rejected.
    @Test func monteCarloMatches() throws {
        let p = try Distribution([0.5, 0.3, 0.2]), q = try Distribution([0.2, 0.3, 0.5])
        let verifier = try ImportanceVerifier(target: p, law: try DraftLaw.iid(q, drafts: 3), truncate: 2)
        let result = MonteCarlo.run(anyVerifier: verifier, trials: 100_000, seed: 17, threads: 1)
        let alpha = verifier.exactAcceptance!
        #expect(abs(result.acceptance - alpha) <= 5 * (alpha * (1 - alpha) / 100_000).squareRoot())
        #expect(
            abs(result.coinAcceptance - verifier.lowerBound) <= 5
                * (verifier.lowerBound * (1 - verifier.lowerBound) / 100_000).squareRoot())
        #expect(result.chiSquare.pValue > 1e-6)
    }
}
