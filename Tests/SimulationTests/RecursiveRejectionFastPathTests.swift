import Testing
@testable import Simulation
@testable import Verifiers
import MultidraftSupport
import Distributions

/// The O(n log V) fast path of rrs-without-replacement (residual = norm((p − ρq)_+)) against the literal recursion
/// evaluated exactly by enumeration: acceptance within 5 standard errors and chi-square not rejecting p.
@Suite struct RecursiveRejectionFastPathTests {
    @Test(arguments: [0, 1, 2, 3])
    func matchesTheExactRecursion(seed: Int) throws {
        var rng = Xoshiro256(seed: UInt64(100 + seed))
        let v = 6 + seed
        let p = Distribution.dirichlet(v, concentration: 0.4, zeroFraction: 0.2, using: &rng)
        let q = Distribution.dirichlet(v, concentration: 0.4, zeroFraction: 0.15, using: &rng)
        let n = min(3, q.supportSize)
        let verifier = try RecursiveRejectionWithoutReplacementVerifier(
            target: p, law: try DraftLaw.withoutReplacement(q, drafts: n))
        let exact = try ExactVerification(verifier)
        let run = MonteCarlo.run(verifier: verifier, trials: 400_000, seed: UInt64(seed), threads: 2)
        let se = (exact.membershipAcceptance * (1 - exact.membershipAcceptance) / 400_000).squareRoot()
        #expect(abs(run.acceptance - exact.membershipAcceptance) <= 5 * se + 1e-12)
        #expect(run.chiSquare.pValue > 1e-4)
    }

    /// Low temperature: the first draft holds 1 − 3·10⁻²⁰ of q; W is then re-summed, not subtracted (exact 0.8).
    @Test func lowTemperatureVector() throws {
        let p = try Distribution([0.1, 0.5, 0.3, 0.1]), q = try Distribution([1.0, 1e-20, 1e-20, 1e-20])
        let verifier = try RecursiveRejectionWithoutReplacementVerifier(
            target: p, law: try DraftLaw.withoutReplacement(q, drafts: 2))
        #expect(abs(try ExactVerification(verifier).membershipAcceptance - 0.8) < 1e-12)
        let run = MonteCarlo.run(verifier: verifier, trials: 60_000, seed: 9, threads: 2)
        #expect(abs(run.acceptance - 0.8) <= 5 * (0.8 * 0.2 / 60_000).squareRoot())
        #expect(run.chiSquare.pValue > 1e-4)
    }
}
