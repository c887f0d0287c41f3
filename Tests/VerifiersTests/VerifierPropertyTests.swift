import MultidraftTesting
import PropertyBased
import Testing
@testable import Verifiers
import Distributions
import AcceptanceBounds

/// Property-based checks over random (p, q, n), V ≤ 6, including zero entries, p = q and disjoint supports
/// (test-vectors.md §11.1, items 10–16).
@Suite struct VerifierPropertyTests {
    /// The generic properties (lossless, ≤ alpha*, coin ≤ membership, closed form = enumeration) of every verifier
    /// are checked by `RegistryConformanceTests` through `MultidraftTesting`; here the relations that single out
    /// particular verifiers: coin = membership where proven, greedy and optimal reach alpha* of their law, SIR's coin
    /// closed form, SpecHub = the greedy two-draft bound.
    @Test func verifierSpecificRelations() async {
        await seededPropertyCheck(count: 50, input: Gen.int(in: 0...1_000_000), Gen.int(in: 2...6), Gen.int(in: 1...3))
        { seed, v, n in
            let (p, q, q2) = Fixtures.instance(seed, vocabulary: v)
            let verifiers = Fixtures.verifiers(p, q, q2, drafts: n)
            #expect(verifiers.count >= 5)
            for verifier in verifiers {
                let label = "\(verifier.name)/\(verifier.law.name) seed=\(seed) V=\(v) n=\(n)"
                let exact = try! ExactVerification(verifier)
                let alpha = try! optimalAcceptance(target: p, law: verifier.law, method: .auto).alpha
                switch verifier.name {
                case "single", "rrs", "rrs-without-replacement", "spechub":
                    #expect(
                        abs(exact.coinAcceptance - exact.membershipAcceptance) < 1e-12, "\(label): coin != membership")
                case "kseq":
                    #expect(
                        abs(exact.coinAcceptance - exact.membershipAcceptance) < 1e-10, "\(label): coin != membership")
                case "greedy", "optimal":
                    // Both reach alpha* of their law exactly (the LP one to 1e-9).
                    #expect(
                        abs(exact.membershipAcceptance - alpha) < (verifier.name == "greedy" ? 1e-12 : 1e-9),
                        "\(label): not optimal")
                    if verifier.name == "greedy" {
                        let pT = p.mass(of: verifier.law.deterministicTokens)
                        #expect(abs(exact.coinAcceptance - (exact.membershipAcceptance - pT)) < 1e-12, "\(label) coin")
                    }
                case "sir":
                    let sir = verifier as! SIRVerifier
                    #expect(abs(exact.coinAcceptance - sir.coinAcceptance) < 1e-12, "\(label): coin closed form")
                default: break
                }
                if verifier.name == "spechub" {
                    let greedy = try! optimalAcceptance(
                        target: p, law: try! DraftLaw.greedy(q, drafts: 2), method: .dual
                    ).alpha
                    #expect(
                        abs(exact.membershipAcceptance - greedy) < 1e-12, "\(label): SpecHub != greedy two-draft bound")
                }
            }
        }
    }

    /// Must-hold relations: n = 1 reduces to speculative sampling with rho* = 1 exactly; p = q gives 1; disjoint
    /// supports give 0; SD ≤ RRS-W; RRS-W ≥ naive; K-SEQ ≥ (1 − (1 − 1/n)^n) alpha*_iid.
    @Test func relations() async {
        await seededPropertyCheck(count: 50, input: Gen.int(in: 0...1_000_000), Gen.int(in: 2...6), Gen.int(in: 1...4))
        { seed, v, n in
            let (p, q, _) = Fixtures.instance(seed, vocabulary: v)
            let sd = p.overlap(with: q)
            let iid = try! DraftLaw.iid(q, drafts: n)
            let rrs = try! RecursiveRejectionVerifier(target: p, law: iid)
            let kseq = try! KSeqVerifier(target: p, law: iid)
            let naive = try! NaiveVerifier(target: p, law: iid)
            let alpha = try! optimalAcceptance(target: p, law: iid, method: .dual).alpha
            #expect(rrs.acceptance >= sd - 1e-12)
            #expect(rrs.acceptance >= naive.exactAcceptance! - 1e-12)
            #expect(kseq.acceptance >= (1 - integerPower(1 - 1 / Double(n), n)) * alpha - 1e-12)
            #expect(kseq.rho >= 1 && kseq.rho <= Double(n))
            if n == 1 {
                #expect(kseq.rho == 1)
                #expect(abs(kseq.acceptance - sd) < 1e-12)
                #expect(abs(rrs.acceptance - sd) < 1e-12)
                let single = try! SpeculativeSamplingVerifier(target: p, law: iid)
                #expect(abs(single.acceptance - sd) < 1e-12)
                for law in [try! DraftLaw.withoutReplacement(q, drafts: 1), try! DraftLaw.greedy(q, drafts: 1)] {
                    let name = law.name == "greedy" ? "greedy" : "rrs-without-replacement"
                    let verifier = try! VerifierRegistry.standard.makeVerifier(name: name, target: p, law: law)
                    #expect(abs(try! ExactVerification(verifier).membershipAcceptance - sd) < 1e-12, "\(name) n=1")
                }
            }
            if p == q {
                #expect(kseq.rho == 1 && abs(kseq.acceptance - 1) < 1e-12 && abs(rrs.acceptance - 1) < 1e-12)
            }
            if sd == 0 { #expect(kseq.acceptance == 0 && abs(rrs.acceptance) < 1e-12) }
        }
    }

    /// K-SEQ internals (§11.1 item 16): f non-increasing on [1, n], f(1) ≥ 0 ≥ f(n); the residual formula is ≥ 0
    /// for ρ ≥ ρ* and equals norm((p − ρ* q)_+) at the root.
    @Test func kseqInternals() async {
        await seededPropertyCheck(count: 50, input: Gen.int(in: 0...1_000_000), Gen.int(in: 2...8), Gen.int(in: 2...5))
        { seed, v, n in
            let (p, q, _) = Fixtures.instance(seed, vocabulary: v)
            var previous = Double.infinity
            for k in 0...20 {
                let rho = 1 + Double(n - 1) * Double(k) / 20
                let f = KSeqRoot.f(target: p, draft: q, drafts: n, rho: rho)
                #expect(f <= previous + 1e-14, "f increases at rho=\(rho)")
                previous = f
            }
            #expect(KSeqRoot.f(target: p, draft: q, drafts: n, rho: 1) >= -1e-15)
            #expect(KSeqRoot.f(target: p, draft: q, drafts: n, rho: Double(n)) <= 1e-15)
            let kseq = try! KSeqVerifier(target: p, law: try! DraftLaw.iid(q, drafts: n))
            #expect(KSeqRoot.f(target: p, draft: q, drafts: n, rho: kseq.rho) <= KSeqRoot.exactOneTolerance)
            if kseq.rho > 1 && kseq.acceptance < 1 {
                // At the root: residual = norm((p − ρ* q)_+), and 1 − (1 − β)^n = ρ* β.
                let plain = p.probabilities.indices.map { max(0, p[$0] - kseq.rho * q[$0]) }
                let total = plain.reduce(0, +)
                // ρ is the feasible end of a bisection bracket of width ≤ 1e-13, so the general-formula residual
                // and norm((p − ρq)_+) differ by O(n·1e-13 / normaliser): the tolerance scales with 1/normaliser.
                let tolerance = 1e-9 + 1e-11 / total
                for (a, b) in zip(kseq.residual.probabilities, plain) { #expect(abs(a - b / total) < tolerance) }
                #expect(abs(kseq.acceptance - kseq.rho * kseq.beta) < 1e-11)
            }
        }
    }

    /// The greedy and optimal verifiers reach alpha* and SpecHub matches the greedy law at n = 2 on a law-by-law basis;
    /// also on a low-temperature draft (one token with almost all mass).
    @Test func lowTemperatureDraft() throws {
        let q = try Distribution([1 - 3e-12, 1e-12, 1e-12, 1e-12])
        let p = try Distribution([0.4, 0.3, 0.2, 0.1])
        for verifier in Fixtures.verifiers(p, q, q, drafts: 2) {
            let exact = try ExactVerification(verifier)
            #expect(exact.maxDeviation(from: p) < 1e-12, "\(verifier.name)/\(verifier.law.name)")
        }
        let hub = try SpecHubVerifier(target: p, law: try DraftLaw.specHub(q))
        // alpha*_hub = p(a) + Σ_{i≠a} min(p(i), q(i)/q(Σ∖a)) = 0.4 + 0.6 · ... with q' = 1/3 each: 0.4 + 0.3 + 0.2 + 0.1.
        #expect(abs(hub.acceptance - 1) < 1e-12)
    }
}

/// Regression: the LP solver drops a token of mass 5.8e-8 (below its tolerance); the optimal verifier's top-up pass
/// must recover it so that acceptance = alpha* = 1 to 1e-9 (p = q here).
@Test func optimalVerifierRecoversTinyMass() throws {
    let (p, q, _) = Fixtures.instance(907816, vocabulary: 5)
    #expect(p == q && p.probabilities.contains { $0 > 0 && $0 < 1e-7 })
    let verifier = try OptimalCouplingVerifier(target: p, law: try DraftLaw.iid(q, drafts: 2))
    let exact = try ExactVerification(verifier)
    #expect(abs(exact.membershipAcceptance - 1) < 1e-9)
    #expect(abs(verifier.acceptedMass - 1) < 1e-9)
    #expect(exact.maxDeviation(from: p) < 1e-12)
}
