import Testing
@testable import Verifiers
import Distributions

/// Bad input gives typed errors with one-line descriptions, never a crash.
@Suite struct VerifierErrorTests {
    @Test func typedErrors() throws {
        let p = Fixtures.vd.p, q = Fixtures.vd.q
        let iid2 = try DraftLaw.iid(q, drafts: 2)
        #expect(throws: VerifierError.unknownVerifier("nope", known: VerifierRegistry.standard.names)) {
            try makeVerifier(name: "nope", target: p, law: iid2)
        }
        #expect(throws: VerifierError.unsupportedLaw(verifier: "kseq", law: "greedy", supported: ["iid"])) {
            try makeVerifier(name: "kseq", target: p, law: try DraftLaw.greedy(q, drafts: 2))
        }
        #expect(throws: VerifierError.wrongDraftCount(verifier: "single", expected: 1, found: 2)) {
            try SpeculativeSamplingVerifier(target: p, law: iid2)
        }
        #expect(throws: VerifierError.wrongDraftCount(verifier: "spechub", expected: 2, found: 3)) {
            try SpecHubVerifier(target: p, law: try DraftLaw.iid(q, drafts: 3))
        }
        #expect(throws: VerifierError.unsupportedLaw(verifier: "spechub", law: "iid", supported: ["spechub"])) {
            try SpecHubVerifier(target: p, law: iid2)
        }
        #expect(throws: VocabularyMismatch(what: "the draft law", expected: 3, found: 4)) {
            try RecursiveRejectionVerifier(target: Fixtures.va.p, law: iid2)
        }
        #expect(throws: VerifierError.self) {
            try SIRVerifier(target: p, law: iid2, maxPairEvaluations: 3)
        }
        let big = Distribution.uniform(13)
        #expect(throws: VerifierError.self) {
            try ExactVerification(try RecursiveRejectionVerifier(target: big, law: try DraftLaw.iid(big, drafts: 2)))
        }
        #expect(throws: VerifierError.self) {
            try ExactVerification(try RecursiveRejectionVerifier(target: p, law: iid2), maxTuples: 3)
        }
        #expect(throws: DraftLawError.tooManyTuples(law: "iid", estimated: 16, limit: 10)) {
            try iid2.tupleLaw(maxTuples: 10)
        }
        let errors: [any Error] = [
            VerifierError.unknownVerifier("x", known: ["a"]), VerifierError.duplicateVerifier("a"),
            VerifierError.unsupportedLaw(verifier: "a", law: "b", supported: ["c"]),
            VerifierError.wrongDraftCount(verifier: "a", expected: 1, found: 2),
            VocabularyMismatch(what: "draft 2", expected: 1, found: 2),
            VerifierError.tooLarge(verifier: "sir", detail: "d"), VerifierError.exactCheckTooLarge(detail: "d"),
            VerifierError.noConditionalOutcome(verifier: "a"),
            DraftLawError.tooManyTuples(law: "iid", estimated: 1e7, limit: 10)
        ]
        for e in errors {
            let text = String(describing: e)
            #expect(!text.isEmpty && !text.contains("\n"), "\(text)")
        }
    }

    /// The registry lists every verifier once, with its natural law among its supported laws.
    @Test func registry() throws {
        #expect(
            VerifierRegistry.standard.names == [
                "single", "rrs", "rrs-without-replacement", "kseq", "spechub", "greedy", "sir", "importance", "optimal",
                "naive"
            ])
        for e in VerifierRegistry.standard.entries { #expect(e.supportedLaws.contains(e.naturalLaw), "\(e.name)") }
    }

    /// A registry value takes one more entry (also one that a user's package defines), refuses a taken name, and
    /// checks the entry's laws and draft counts before its factory runs.
    @Test func registryExtension() throws {
        let entry = VerifierRegistry.Entry(name: "mine", laws: [.greedy], drafts: 2...3, summary: "a naive copy") {
            try NaiveVerifier(target: $0, law: $1)
        }
        let registry = try VerifierRegistry.standard.registering(entry)
        #expect(registry.names == VerifierRegistry.standard.names + ["mine"])
        #expect(throws: VerifierError.duplicateVerifier("mine")) { try registry.registering(entry) }
        let p = Fixtures.vd.p, q = Fixtures.vd.q
        #expect(
            try registry.makeVerifier(name: "mine", target: p, law: try DraftLaw.greedy(q, drafts: 2)).name == "naive")
        #expect(throws: VerifierError.unsupportedLaw(verifier: "mine", law: "iid", supported: ["greedy"])) {
            try registry.makeVerifier(name: "mine", target: p, law: try DraftLaw.iid(q, drafts: 2))
        }
        #expect(throws: VerifierError.wrongDraftCount(verifier: "mine", expected: 2, found: 1)) {
            try registry.makeVerifier(name: "mine", target: p, law: try DraftLaw.greedy(q, drafts: 1))
        }
        #expect(entry.defaultDrafts == 2 && entry.naturalLaw == .greedy)
        #expect(throws: VerifierError.unknownVerifier("mine", known: VerifierRegistry.standard.names)) {
            try VerifierRegistry.standard.entry(named: "mine")
        }
    }
}
