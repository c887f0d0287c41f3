import FirstDraftVerifier
import MultidraftTesting
import Testing

/// The toolkit's conformance checks, applied to the user's verifier on the laws it claims.
@Test func firstDraftConforms() async throws {
    let report = try await VerifierConformance.check(
        laws: [.iid, .withoutReplacement], drafts: 1...3, vocabulary: 2...6, instances: 200, seed: 1
    ) { target, law in try FirstDraftVerifier(target: target, law: law) }
    #expect(report.passed, "\(report)")
}

/// The same exact properties as a property-based test, with shrinking of failing cases.
@Test func firstDraftConformsWithShrinking() async {
    await VerifierConformance.propertyCheck(laws: [.iid, .withoutReplacement], drafts: 1...3, vocabulary: 2...6) {
        try FirstDraftVerifier(target: $0, law: $1)
    }
}
