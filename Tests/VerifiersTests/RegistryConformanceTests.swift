import MultidraftTesting
import Testing
import Verifiers
import Distributions
import AcceptanceBounds
import MultidraftSupport

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

/// Registry settings: an entry built with a settings-reading factory (trailing closure, as the WritingAVerifier
/// article shows) receives the settings it declares; a setting it does not declare is refused with its name and the
/// suggested parameter; the standard `importance` entry takes a truncation and `optimal` a plan limit, `rrs` neither.
@Test func registrySettingsReachOnlyTheEntriesThatDeclareThem() throws {
    let p = try Distribution([0.1, 0.2, 0.3, 0.4]), q = try Distribution([0.4, 0.3, 0.2, 0.1])
    let law = try DraftLaw.iid(q, drafts: 2)
    let entry = VerifierRegistry.Entry(
        name: "truncated-importance", laws: [.iid], summary: "importance with a truncation",
        settings: [.truncation]
    ) { target, law, settings in
        try ImportanceVerifier(target: target, law: law, truncate: settings.truncation ?? 2)
    }
    let registry = try VerifierRegistry.standard.registering(entry)
    let built = try registry.makeVerifier(
        name: "truncated-importance", target: p, law: law,
        settings: VerifierSettings(truncation: 3))
    #expect((built as? ImportanceVerifier)?.truncation == 3)
    #expect(
        (try registry.makeVerifier(name: "truncated-importance", target: p, law: law) as? ImportanceVerifier)?
            .truncation == 2)
    #expect {
        try registry.makeVerifier(
            name: "truncated-importance", target: p, law: law,
            settings: VerifierSettings(limits: Limits(planEntries: 10)))
    } throws: { error in
        guard let error = error as? VerifierError else { return false }
        return error.description.contains("truncated-importance") && error.suggestedParameters == [.maxPlanVariables]
    }
    #expect(throws: VerifierError.self) {
        try VerifierRegistry.standard.makeVerifier(
            name: "rrs", target: p, law: law, settings: VerifierSettings(truncation: 2))
    }
    let importance = try VerifierRegistry.standard.makeVerifier(
        name: "importance", target: p, law: law,
        settings: VerifierSettings(truncation: 2))
    #expect((importance as? ImportanceVerifier)?.truncation == 2)
    _ = try VerifierRegistry.standard.makeVerifier(
        name: "optimal", target: p, law: law,
        settings: VerifierSettings(limits: Limits(planEntries: 1_000)))
}

/// One `Limits` value routes the optimal verifier the same way wherever it is built: two independent drafts at
/// V = 6 have 21 draft sets, estimated at 42 plan entries (21 × 2), so a plan limit of 42 builds the transport plan and 41 the
/// certified priority mixture (no plan), through `makeOptimalVerifier` and through the registry's settings; both
/// reach the same alpha* (flow vs submodular minimisation, 1e-12). The plan verifier itself refuses a plan beyond
/// its limit with the typed size error naming the plan limit, its estimate and the parameter that raises it.
@Test func oneLimitsValueRoutesTheOptimalVerifier() throws {
    let p = try Distribution([0.05, 0.1, 0.15, 0.2, 0.2, 0.3])
    let q1 = try Distribution([0.3, 0.25, 0.2, 0.1, 0.1, 0.05]), q2 = try Distribution([0.1, 0.1, 0.2, 0.2, 0.2, 0.2])
    let law = try DraftLaw.independent([q1, q2])
    #expect(OptimalTransportLP.estimatedSize(of: law).variables == 42)
    let planned = try makeOptimalVerifier(target: p, law: law, limits: Limits(planEntries: 42))
    let mixture = try makeOptimalVerifier(target: p, law: law, limits: Limits(planEntries: 41))
    #expect(planned is OptimalCouplingVerifier && mixture is PriorityMixtureVerifier)
    let viaRegistry = try VerifierRegistry.standard.makeVerifier(
        name: "optimal", target: p, law: law, settings: VerifierSettings(limits: Limits(planEntries: 41)))
    #expect(viaRegistry is PriorityMixtureVerifier)
    let alpha = try optimalAcceptance(target: p, law: law, method: .flow).alpha
    #expect(abs(try #require(planned.exactAcceptance) - alpha) < 1e-12)
    #expect(abs(try #require(mixture.exactAcceptance) - alpha) < 1e-12)
    #expect {
        try OptimalCouplingVerifier(target: p, law: law, limits: Limits(planEntries: 41))
    } throws: { error in
        guard case AcceptanceError.tooLarge(.planEntries, _, 42, 41) = error else { return false }
        return (error as! AcceptanceError).suggestedParameters == [.maxPlanVariables]
            && "\(error)".hasPrefix("transport plan too large")
    }
}
