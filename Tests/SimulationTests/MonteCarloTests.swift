import Testing
@testable import Simulation
import Distributions
import Verifiers

/// Monte Carlo against the exact values: acceptance within 5 standard errors, chi-square does not reject p at 1e-4,
/// identical counts for 1 and 2 threads (fixed seeds).
@Suite struct MonteCarloTests {
    static let cases: [(String, Distribution, Distribution, Int)] = [
        ("VA", try! Distribution([0.5, 0.3, 0.2]), try! Distribution([0.2, 0.3, 0.5]), 2),
        ("VD", try! Distribution([0.1, 0.2, 0.3, 0.4]), try! Distribution([0.4, 0.3, 0.2, 0.1]), 3),
        ("VE", try! Distribution([0.05, 0.05, 0.6, 0.3]), try! Distribution([0.7, 0.1, 0.1, 0.1]), 2),
        ("zeros", try! Distribution([0.3, 0, 0.45, 0.25, 0]), try! Distribution([0, 0.5, 0.2, 0.1, 0.2]), 2)
    ]

    static func verifiers(_ p: Distribution, _ q: Distribution, _ n: Int) -> [any Verifier] {
        var out: [any Verifier] = []
        for entry in VerifierRegistry.standard.entries {
            let drafts = entry.name == "single" ? 1 : (entry.naturalLaw == .specHub ? 2 : n)
            let law = try! DraftLaw.named(entry.naturalLaw, drafts: [q], count: drafts)
            out.append(try! VerifierRegistry.standard.makeVerifier(name: entry.name, target: p, law: law))
        }
        out.append(
            try! VerifierRegistry.standard.makeVerifier(
                name: "optimal", target: p, law: try! DraftLaw.withoutReplacement(q, drafts: 2)))
        return out
    }

    @Test(arguments: 0..<cases.count) func matchesExact(_ index: Int) throws {
        let (name, p, q, n) = Self.cases[index]
        let trials = 100_000
        for verifier in Self.verifiers(p, q, n) {
            let label = "\(name) \(verifier.name)/\(verifier.law.name)"
            let exact = try ExactVerification(verifier)
            let result = MonteCarlo.run(
                anyVerifier: verifier, trials: trials, seed: 2024 + UInt64(index), threads: 2,
                chunkSize: 1 << 14)
            #expect(result.counts.reduce(0, +) == trials)
            let a = exact.membershipAcceptance, c = exact.coinAcceptance
            let se = (a * (1 - a) / Double(trials)).squareRoot(), seCoin = (c * (1 - c) / Double(trials)).squareRoot()
            #expect(abs(result.acceptance - a) <= 5 * se + 1e-12, "\(label): \(result.acceptance) vs \(a)")
            #expect(
                abs(result.coinAcceptance - c) <= 5 * seCoin + 1e-12, "\(label) coin: \(result.coinAcceptance) vs \(c)")
            #expect(result.confidenceInterval95.contains(result.acceptance))
            let chi = result.chiSquare
            #expect(
                chi.pValue > 1e-4,
                "\(label): chi-square p = \(chi.pValue), X² = \(chi.statistic), dof \(chi.degreesOfFreedom)")
        }
    }

    /// The same seed gives identical counts for 1 and 2 threads (several chunks, uneven last chunk); a different
    /// seed gives different counts.
    @Test func threadCountDoesNotMatter() throws {
        let (_, p, q, n) = Self.cases[1]
        for verifier in Self.verifiers(p, q, n) {
            let one = MonteCarlo.run(anyVerifier: verifier, trials: 10_007, seed: 99, threads: 1, chunkSize: 1_000)
            let two = MonteCarlo.run(anyVerifier: verifier, trials: 10_007, seed: 99, threads: 2, chunkSize: 1_000)
            let other = MonteCarlo.run(anyVerifier: verifier, trials: 10_007, seed: 100, threads: 2, chunkSize: 1_000)
            #expect(one.sameCounts(as: two), "\(verifier.name)")
            #expect(!one.sameCounts(as: other), "\(verifier.name): seed ignored")
        }
    }

    /// A deliberately wrong verifier (always outputs its first draft) is rejected by the chi-square test: the test can fail.
    @Test func chiSquareCatchesLossyVerifier() throws {
        struct FirstDraft: Verifier {
            let name = "first-draft"
            let target: Distribution
            let law: DraftLaw
            func verify(_ drafts: [Int], using rng: inout some RandomNumberGenerator) -> VerificationOutcome {
                VerificationOutcome(token: drafts[0], acceptedDraft: 0)
            }
        }
        let (_, p, q, _) = Self.cases[0]
        let result = MonteCarlo.run(
            verifier: FirstDraft(target: p, law: try DraftLaw.iid(q, drafts: 2)), trials: 20_000, seed: 5)
        #expect(result.chiSquare.pValue < 1e-12)
    }
}
