import Testing
@testable import Verifiers
import Distributions

/// test-vectors.md §1 and §2.2: exact acceptance of every verifier to 1e-12, by closed form and by enumeration.
@Suite struct TestVectorTests {
    typealias Row = (
        n: Int, kseq: Double, rho: Double, beta: Double?, rrsW: Double, rrsWO: Double?, hub: Double?, naive: Double?
    )

    static let vectors: [(name: String, p: Distribution, q: Distribution, rows: [Row])] = [
        (
            "VA", Fixtures.va.p, Fixtures.va.q,
            [
                (1, 0.7, 1, 0.7, 0.7, 0.7, nil, 0.29),
                (2, 0.791355287257, 1.456776436283, 0.543223563717, 0.76, 0.82, 0.9, 0.483),
                (3, 0.858518605654, 1.792593028269, 0.478925552044, 0.808, 1.0, nil, 0.6161)
            ]
        ),
        (
            "VB", Fixtures.vb.p, Fixtures.vb.q,
            [
                (1, 0.5, 1, 0.5, 0.5, 0.5, nil, 0.5),
                (2, 0.75, 1.5, 0.5, 0.75, 1.0, 1.0, 0.75),
                (3, 0.875, 1.75, 0.5, 0.875, nil, nil, 0.875)
            ]
        ),
        (
            "VC", Fixtures.vc.p, Fixtures.vc.q,
            [
                (1, 1, 1, 1, 1, 1, nil, 0.52), (2, 1, 1, 1, 1, 1, 1, 0.76), (3, 1, 1, 1, 1, nil, nil, 0.8752)
            ]
        ),
        (
            "VD", Fixtures.vd.p, Fixtures.vd.q,
            [
                (1, 0.6, 1, 0.6, 0.6, 0.6, nil, 0.2),
                (2, 0.75, 1.5, 0.5, 0.72, 107.0 / 140, 23.0 / 30, 0.35),
                (3, 0.793949968308, 1.939499683078, 0.409358132530, 0.768, 14117.0 / 16800, nil, 0.4646)
            ]
        ),
        (
            "VE", Fixtures.ve.p, Fixtures.ve.q,
            [
                (1, 0.3, 1, 0.3, 0.3, 0.3, nil, 0.13),
                (2, 0.448522995464, 1.742614977318, 0.257385022682, 0.44, 899.0 / 1260, 11.0 / 15, 0.226),
                (3, 0.566053268829, 2.330266344147, 0.242913549454, 0.552, 727.0 / 840, nil, 0.3061)
            ]
        ),
        (
            "toy3", Fixtures.toy3.p, Fixtures.toy3.q,
            [
                (2, 0.84, 1.4, nil, 0.82, 7.0 / 8, 0.95, nil), (3, 0.875, 1.75, nil, 0.848, 1.0, nil, nil)
            ]
        ),
        (
            "toy5", Fixtures.toy5.p, Fixtures.toy5.q,
            [
                (2, 0.591696007571, 1.638986691903, nil, 0.58, 557.0 / 800, 0.7, nil),
                (3, 0.710003078713, 2.100030787130, nil, 0.702, 323.0 / 400, nil, nil)
            ]
        )
    ]

    @Test(arguments: 0..<vectors.count) func verifierVector(_ index: Int) throws {
        let (name, p, q, rows) = Self.vectors[index]
        for row in rows {
            let n = row.n, label = "\(name) n=\(n)"
            let iid = try DraftLaw.iid(q, drafts: n)
            // K-SEQ: rho*, beta(rho*), closed form and enumeration (rho and alpha are 12-decimal table values).
            let kseq = try KSeqVerifier(target: p, law: iid)
            #expect(abs(kseq.rho - row.rho) < 1e-11, "\(label) rho \(kseq.rho)")
            if n == 1 { #expect(kseq.rho == 1, "\(label): rho* must be exactly 1") }
            if let b = row.beta { #expect(abs(kseq.beta - b) < 1e-11, "\(label) beta") }
            #expect(abs(kseq.acceptance - row.kseq) < 1e-12, "\(label) kseq \(kseq.acceptance)")
            #expect(abs(try ExactVerification(kseq).membershipAcceptance - row.kseq) < 1e-12, "\(label) kseq enum")
            // RRS with replacement.
            let rrs = try RecursiveRejectionVerifier(target: p, law: iid)
            #expect(abs(rrs.acceptance - row.rrsW) < 1e-12, "\(label) rrs")
            #expect(abs(try ExactVerification(rrs).membershipAcceptance - row.rrsW) < 1e-12, "\(label) rrs enum")
            // RRS without replacement: only by enumeration.
            if let expected = row.rrsWO {
                let wo = try RecursiveRejectionWithoutReplacementVerifier(
                    target: p, law: try DraftLaw.withoutReplacement(q, drafts: n))
                #expect(abs(try ExactVerification(wo).membershipAcceptance - expected) < 1e-12, "\(label) rrs-wo")
            }
            if let expected = row.hub {
                let hub = try SpecHubVerifier(target: p, law: try DraftLaw.specHub(q))
                #expect(abs(hub.acceptance - expected) < 1e-12, "\(label) spechub")
                #expect(
                    abs(try ExactVerification(hub).membershipAcceptance - expected) < 1e-12, "\(label) spechub enum")
            }
            if let expected = row.naive {
                let naive = try NaiveVerifier(target: p, law: iid)
                #expect(abs(naive.exactAcceptance! - expected) < 1e-12, "\(label) naive")
                #expect(
                    abs(try ExactVerification(naive).membershipAcceptance - expected) < 1e-12, "\(label) naive enum")
            }
        }
    }

    /// SpecHub bookkeeping of §2.3 (VD): hub, Q(a, ·), R_ia, R_ai.
    @Test func specHubInternals() throws {
        let hub = try SpecHubVerifier(target: Fixtures.vd.p, law: try DraftLaw.specHub(Fixtures.vd.q))
        #expect(hub.hub == 0)
        for (x, e) in zip(hub.hubPairMass, [0, 0.2, 0.133333333333, 0.066666666667]) { #expect(abs(x - e) < 1e-12) }
        #expect(abs(hub.leftoverIA - 0.1) < 1e-12)
        #expect(abs(hub.leftoverAI - 0.233333333333) < 1e-12)
    }

    /// K-SEQ residual on full rejection (§2.3): VE, n = 2 and 3.
    @Test func kseqResidual() throws {
        for (n, expected) in [(2, [0, 0, 0.7719968353, 0.2280031647]), (3, [0, 0, 0.8456645464, 0.1543354536])] {
            let v = try KSeqVerifier(target: Fixtures.ve.p, law: try DraftLaw.iid(Fixtures.ve.q, drafts: n))
            for (x, e) in zip(v.residual.probabilities, expected) { #expect(abs(x - e) < 1e-10, "n=\(n)") }
        }
        // VD n = 3 produces -1e-17 entries before clamping: the residual is (0, 0, 0, 1).
        let vd = try KSeqVerifier(target: Fixtures.vd.p, law: try DraftLaw.iid(Fixtures.vd.q, drafts: 3))
        #expect(vd.residual.probabilities.allSatisfy { $0 >= 0 })
        #expect(abs(vd.residual.probabilities[3] - 1) < 1e-9)
    }

    /// Greedy verifier on VA–VE (alpha*_greedy of §2.1): membership closed form and enumeration; coin = member − p(T).
    @Test func greedyVectors() throws {
        let cases: [(Distribution, Distribution, Int, Double)] = [
            (Fixtures.va.p, Fixtures.va.q, 2, 0.9), (Fixtures.va.p, Fixtures.va.q, 3, 1),
            (Fixtures.vd.p, Fixtures.vd.q, 2, 23.0 / 30), (Fixtures.vd.p, Fixtures.vd.q, 3, 14.0 / 15),
            (Fixtures.ve.p, Fixtures.ve.q, 2, 11.0 / 15), (Fixtures.ve.p, Fixtures.ve.q, 3, 0.9)
        ]
        for (p, q, n, alpha) in cases {
            let law = try DraftLaw.greedy(q, drafts: n)
            let g = try GreedyVerifier(target: p, law: law)
            let exact = try ExactVerification(g)
            #expect(abs(g.acceptance - alpha) < 1e-12)
            #expect(abs(exact.membershipAcceptance - alpha) < 1e-12)
            let pT = p.mass(of: law.deterministicTokens)
            #expect(abs(exact.coinAcceptance - (alpha - pT)) < 1e-12)
            #expect(abs(g.coinAcceptance - (alpha - pT)) < 1e-12)
        }
    }

    /// SIR (two-step scheme with SIR weights), test-vectors §3.3: KB and KE, coin and membership.
    @Test func sirVectors() throws {
        let cases: [(Distribution, Distribution, Double, Double)] = [
            (Fixtures.d([0.5, 0.5]), Fixtures.d([0.9, 0.1]), 0.672, 0.679130434783),
            (Fixtures.d([0.6, 0.4]), Fixtures.d([0.3, 0.7]), 0.816666666667, 0.846)
        ]
        for (p, q, coin, member) in cases {
            let sir = try SIRVerifier(target: p, law: try DraftLaw.iid(q, drafts: 2))
            let exact = try ExactVerification(sir)
            #expect(abs(sir.coinAcceptance - coin) < 1e-12)
            #expect(abs(exact.coinAcceptance - coin) < 1e-12)
            #expect(abs(exact.membershipAcceptance - member) < 1e-12)
            #expect(exact.maxDeviation(from: p) < 1e-12)
        }
    }
}

/// test-vectors §4 baselines on the tournament example: K-SEQ and RRS acceptance for K = 2, 3, 4 i.i.d. drafts
/// (tabulated to 12 decimals: K-SEQ within 1e-9, RRS within 1e-12).
@Test func tournamentExampleBaselines() throws {
    let p = try Distribution([0.35, 0.25, 0.2, 0.1, 0.06, 0.04])
    let q = try Distribution([0.1, 0.15, 0.2, 0.25, 0.2, 0.1])
    for (k, kseq, rrs) in [(2, 0.769917332781, 0.7375), (3, 0.834944145313, 0.803125), (4, 0.868368323144, 0.8309375)] {
        let iid = try DraftLaw.iid(q, drafts: k)
        #expect(abs(try KSeqVerifier(target: p, law: iid).acceptance - kseq) < 1e-9, "K=\(k)")
        #expect(abs(try RecursiveRejectionVerifier(target: p, law: iid).acceptance - rrs) < 1e-12, "K=\(k)")
    }
}
