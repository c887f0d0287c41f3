import MultidraftTesting
import PropertyBased
import Testing
@testable import Verifiers
import Distributions

/// Naive multi-candidate sampling: closed form and test vector.
@Suite struct NaiveVerifierTests {
    /// Exact enumeration: lossless, and the closed form Σ p(1 − (1 − q)ⁿ) equals the enumerated acceptance.
    @Test func closedFormEqualsEnumeration() async {
        await seededPropertyCheck(count: 50, input: Gen.int(in: 0...1_000_000), Gen.int(in: 2...6), Gen.int(in: 1...3))
        { seed, v, n in
            let (p, q, _) = Fixtures.instance(seed, vocabulary: v)
            let naive = try! NaiveVerifier(target: p, law: try! DraftLaw.iid(q, drafts: n))
            let exact = try! ExactVerification(naive)
            #expect(exact.maxDeviation(from: p) < 1e-12)
            #expect(abs(naive.exactAcceptance! - exact.membershipAcceptance) < 1e-12)
            #expect(abs(exact.coinAcceptance - exact.membershipAcceptance) < 1e-12)
            // Never better than recursive rejection sampling (SpecInfer's theorem).
            let rrs = try! RecursiveRejectionVerifier(target: p, law: try! DraftLaw.iid(q, drafts: n))
            #expect(exact.membershipAcceptance <= rrs.acceptance + 1e-12)
        }
    }

    /// Test vector VA (test-vectors.md §2.2): 0.29, 0.483, 0.6161 for n = 1, 2, 3.
    @Test func vectorVA() throws {
        for (n, expected) in [(1, 0.29), (2, 0.483), (3, 0.6161)] {
            let naive = try NaiveVerifier(target: Fixtures.va.p, law: try DraftLaw.iid(Fixtures.va.q, drafts: n))
            #expect(abs(naive.exactAcceptance! - expected) < 1e-12)
        }
    }
}
