import Distributions
import MultidraftTesting
import Testing
import Verifiers

/// The conformance check fails each lossy verifier with a named property and an instance that reproduces the
/// failure. (That it passes every verifier of the toolkit is checked in `VerifiersTests/RegistryConformanceTests`.)
@Suite struct LossyVerifierTests {
    /// (a) A coin of exactly 0 accepts a draft of target probability 0: only the pinned-coin property sees it (the
    /// event has probability 2⁻⁵³ per coin), and its instance reproduces it.
    @Test func siblingScanAcceptingZeroProbabilityDraftFails() async throws {
        let report = try await VerifierConformance.check(
            laws: [.iid], drafts: 1...3, vocabulary: 2...6, instances: 60, seed: 3
        ) { try Lossy.UnguardedSiblingScan(target: $0, law: $1) }
        #expect(report.failedProperties == [.targetSupport], "\(report)")
        let failure = try #require(report.failures.first)
        #expect(failure.detail.contains("has p = 0"), "\(failure)")
        // Reproduce: the reported instance has a drafted token outside supp(p), and the exact law is still p.
        let p = try failure.instance.makeTarget(), law = try failure.instance.makeLaw()
        let q = try #require(law.draftDistribution)
        #expect((0..<p.vocabularySize).contains { p[$0] == 0 && q[$0] > 0 })
        let again = VerifierConformance.checkExactly(failure.instance, seed: 1) {
            try Lossy.UnguardedSiblingScan(target: $0, law: $1)
        }
        #expect(again.map(\.property) == [.targetSupport])
        let exact = try ExactVerification(try Lossy.UnguardedSiblingScan(target: p, law: law))
        #expect(exact.maxDeviation(from: p) < 1e-12)
    }

    /// (b) Resampling from p after a rejection: the exact law differs from p, and the Monte-Carlo test rejects it.
    @Test func resampleFromTargetFails() async throws {
        let report = try await VerifierConformance.check(
            laws: [.iid], drafts: 1...3, vocabulary: 2...6, instances: 60, seed: 4
        ) { try Lossy.ResampleFromTarget(target: $0, law: $1) }
        #expect(report.failedProperties.contains(.lossless), "\(report)")
        #expect(report.failedProperties.contains(.monteCarloLaw), "\(report)")
        try Self.expectReproduces(report) { try Lossy.ResampleFromTarget(target: $0, law: $1) }
    }

    /// (c) Recursive rejection that keeps testing against p: lossy from two drafts on.
    @Test func forgetfulRecursiveRejectionFails() async throws {
        let report = try await VerifierConformance.check(
            laws: [.iid], drafts: 1...3, vocabulary: 2...6, instances: 60, seed: 5
        ) { try Lossy.ForgetfulRecursiveRejection(target: $0, law: $1) }
        #expect(report.failedProperties.contains(.lossless), "\(report)")
        #expect(report.failedProperties.contains(.monteCarloLaw), "\(report)")
        let failure = try #require(report.failures.first { $0.property == .lossless })
        #expect(failure.instance.draftCount >= 2, "one draft is plain speculative sampling, which is lossless")
        try Self.expectReproduces(report) { try Lossy.ForgetfulRecursiveRejection(target: $0, law: $1) }
    }

    /// (d) A speculative step told the draft was top-2 processed while it was sampled from raw q.
    @Test func draftLawMismatchFails() async throws {
        let report = try await VerifierConformance.check(
            laws: [.iid], drafts: 1...1, vocabulary: 3...6, instances: 60, seed: 6
        ) { try Lossy.TopKMismatch(target: $0, law: $1) }
        #expect(report.failedProperties.contains(.lossless), "\(report)")
        #expect(report.failedProperties.contains(.monteCarloLaw), "\(report)")
        try Self.expectReproduces(report) { try Lossy.TopKMismatch(target: $0, law: $1) }
    }

    /// The reported smallest `lossless` failure rebuilds from its instance and deviates from p by more than 1e-12.
    static func expectReproduces(_ report: VerifierConformance.Report, make: VerifierConformance.Factory) throws {
        let failure = try #require(report.failures.first { $0.property == .lossless })
        let p = try failure.instance.makeTarget()
        let exact = try ExactVerification(try make(p, try failure.instance.makeLaw()))
        #expect(exact.maxDeviation(from: p) > 1e-12, "\(failure)")
        #expect(failure.description.hasPrefix("lossless failed"), "\(failure)")
        #expect(failure.description.contains("p: \(failure.instance.target)"))
    }

    /// The property-based entry point records no issue for a lossless verifier (the lossy ones are caught by the
    /// report above; a failing property check cannot be asserted from inside a passing test).
    @Test func propertyBasedEntryPoint() async {
        await VerifierConformance.propertyCheck(laws: [.iid, .independent], drafts: 1...3, vocabulary: 2...5, count: 30)
        {
            try RecursiveRejectionVerifier(target: $0, law: $1)
        }
    }

    /// Bad ranges are refused with a typed error; the same seed gives the same report.
    @Test func configurationAndDeterminism() async throws {
        await #expect(throws: VerifierConformance.ConfigurationError.noLaws) {
            try await VerifierConformance.check(laws: [], drafts: 1...2, vocabulary: 2...4, instances: 1, seed: 1) {
                try NaiveVerifier(target: $0, law: $1)
            }
        }
        await #expect(throws: VerifierConformance.ConfigurationError.self) {
            try await VerifierConformance.check(laws: [.iid], drafts: 1...2, vocabulary: 2...40, instances: 1, seed: 1)
            {
                try NaiveVerifier(target: $0, law: $1)
            }
        }
        var options = VerifierConformance.Options()
        options.monteCarloTrials = 0
        let run = {
            try VerifierConformance.checkSynchronously(
                laws: [.iid], drafts: 2...3, vocabulary: 2...5, instances: 20, seed: 9, options: options
            ) { try Lossy.ForgetfulRecursiveRejection(target: $0, law: $1) }
        }
        let first = try run(), second = try run()
        #expect(first.failures.map(\.description) == second.failures.map(\.description))
        #expect(first.monteCarloInstances == 0 && !first.passed)
    }
}
