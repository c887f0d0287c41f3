import MultidraftTesting
import Testing
import Verifiers

/// Every verifier of the registry passes `VerifierConformance` on the laws and draft counts its entry claims: exact
/// output law = p (1e-12), membership ≤ alpha*, coin ≤ membership, `exactAcceptance` = enumeration, outputs in
/// supp(p) under pinned coins, reproducibility, and the Monte-Carlo chi-square and acceptance tests at V = 32.
@Suite struct RegistryConformanceTests {
    static let registry = VerifierRegistry.standard

    @Test(arguments: VerifierRegistry.standard.names)
    func verifierConforms(_ name: String) async throws {
        let entry = try Self.registry.entry(named: name)
        let drafts = entry.drafts.lowerBound...min(3, entry.drafts.upperBound)
        var options = VerifierConformance.Options()
        if name == "optimal" {
            // Its acceptance is an LP value (GLPK, tolerance 1e-9); the set-level LP at V = 32 would be large.
            options.exactAcceptanceTolerance = 1e-9
            options.monteCarloVocabulary = 10
        }
        let report = try await VerifierConformance.check(
            laws: entry.supportedLaws, drafts: drafts, vocabulary: 2...6, instances: 60, seed: 11, options: options
        ) { target, law in try Self.registry.makeVerifier(name: name, target: target, law: law) }
        #expect(report.passed, "\(name): \(report)")
        #expect(report.exactInstances >= 30, "\(name): only \(report.exactInstances) instances could be built")
        #expect(report.monteCarloInstances == entry.supportedLaws.count, "\(name)")
    }
}
