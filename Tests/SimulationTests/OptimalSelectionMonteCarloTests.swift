import AcceptanceBounds
import Distributions
import Foundation
import MultidraftSupport
import Testing
import Verifiers
@testable import Simulation

/// The optimal verifier beyond enumeration (i.i.d. drafts, V = 3,000, LLM-style pairs at two temperatures): Monte-Carlo
/// membership acceptance within 5 standard errors of alpha*, the output counts not rejected by chi-square (rare tokens
/// pooled) at 1e-4, certified gap ≤ 1e-9, identical counts for 1 and 2 threads (fixed seeds).
@Suite struct OptimalSelectionMonteCarloTests {
    @Test(arguments: [(2, 1.0), (4, 0.5), (8, 1.5)])
    func reachesAlphaStarAndIsLossless(_ n: Int, _ temperature: Double) throws {
        var rng = Xoshiro256(seed: UInt64(n))
        let logits = Distribution.zipfLogits(3000, using: &rng)
        let p = try Distribution(logits: logits, temperature: temperature)
        let q = try Distribution(
            logits: logits.map { $0 + Distribution.gaussian(using: &rng) }, temperature: temperature)
        let law = try DraftLaw.iid(q, drafts: n)
        let verifier = try OptimalSelectionVerifier(target: p, law: law, threads: 2)
        let alpha = SubsetBound.prefixIID(target: p, draft: q, drafts: n).alpha
        #expect(verifier.certifiedGap <= 1e-9, "gap \(verifier.certifiedGap)")
        #expect(abs(verifier.exactAcceptance! + verifier.certifiedGap - alpha) < 1e-12)
        let run = MonteCarlo.run(verifier: verifier, trials: 400_000, seed: 3, threads: 2)
        #expect(
            abs(run.acceptance - alpha) < 5 * run.standardError,
            "MC \(run.acceptance) ± \(run.standardError) vs alpha* \(alpha)")
        #expect(run.chiSquare.pValue > 1e-4, "chi-square p-value \(run.chiSquare.pValue)")
        let single = MonteCarlo.run(verifier: verifier, trials: 400_000, seed: 3, threads: 1)
        #expect(single.sameCounts(as: run))
    }
}
