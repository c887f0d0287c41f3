import AcceptanceBounds
import Distributions
import MultidraftSupport
import MultidraftTesting
import PropertyBased
import Testing
import ImportanceSampling
@testable import OptimalVerifier

/// One instance on which the Luce-weight fit of the optimal selection law once stopped short of r*.
struct FitRegression: Sendable, CustomStringConvertible {
    var p: [Double], q: [Double], drafts: Int
    var law: DraftLawName
    /// The certified gap the unsafeguarded fit ended with.
    var gapSeen: Double
    var description: String { "\(law) n=\(drafts) V=\(p.count) (gap once \(gapSeen))" }
}

/// The regression table of the optimal verifier's fit: every instance on which a fit ever ended with a certified gap
/// above 10⁻¹². The first seven are the small without-replacement instances on which the Anderson-accelerated fit
/// (before the record-merit safeguard) converged to a point that does not realise r*, with gaps 1.4e-4 to 0.0116;
/// plain iterative scaling realises r* on all of them. Instances found by the opt-in campaign
/// (`MULTIDRAFT_PROPERTY_CAMPAIGN`) join this table.
@Suite struct FitRegressionTests {
    static let table: [FitRegression] = [
        FitRegression(
            p: [
                0.00015294406966661576, 0.31942408060630084, 0.010617405850230584, 0.4788702150606044,
                0.19093535441319748
            ],
            q: [0.19401520305608702, 0.45810023515370124, 0.027073660283603168, 0.241772264628056, 0.07903863687855248],
            drafts: 2, law: .withoutReplacement, gapSeen: 0.007676771813598604),
        FitRegression(
            p: [0.1589341604271757, 0.5256013751928107, 0.19373677579700446, 0.12172768858300913],
            q: [0.43283721469272285, 0.4429888870971379, 0.07482511062105736, 0.04934878758908181],
            drafts: 2, law: .withoutReplacement, gapSeen: 0.0006613602345904024),
        FitRegression(
            p: [
                0.04420612942397948, 0.2303003302435803, 0.01852218473121172, 0.1812835739028771, 0.2820624525813009,
                0.24362532911705057
            ],
            q: [
                0.1069739706437375, 0.09692055855521016, 0.1282535846048648, 0.0902030586357692, 0.17398805460389846,
                0.40366077295652
            ],
            drafts: 2, law: .withoutReplacement, gapSeen: 0.0056595604878495465),
        FitRegression(
            p: [
                0.022787665130964706, 0.1409545987730434, 0.13580758627424436, 0.08889103976673024, 0.1620101595172452,
                0.4495489505377722
            ],
            q: [
                0.14324731500730967, 0.11633790418146013, 0.3636922024698604, 0.04295157827607855, 0.06400369082710594,
                0.26976730923818526
            ],
            drafts: 2, law: .withoutReplacement, gapSeen: 0.00014120073302847924),
        FitRegression(
            p: [0.26142816971983107, 0.19759834251643132, 0.12690219839200714, 0.41407128937173043],
            q: [0.30448974206007917, 0.08579431458595593, 0.3616739904905183, 0.24804195286344632],
            drafts: 2, law: .withoutReplacement, gapSeen: 0.0009199787804975434),
        FitRegression(
            p: [0.05826538799106557, 0.4392655408645781, 0.20299008358813178, 0.2994789875562246],
            q: [0.44187350644841067, 0.23639886289022852, 0.08547692195476, 0.2362507087066007],
            drafts: 2, law: .withoutReplacement, gapSeen: 0.011631342825386137),
        FitRegression(
            p: [0.16201946647580462, 0.17760500515874217, 0.32863059328854705, 0.04653463010777436, 0.2852103049691319],
            q: [0.23971418680270445, 0.074444161142474, 0.17695977353346568, 0.293378032078663, 0.21550384644269305],
            drafts: 2, law: .withoutReplacement, gapSeen: 0.0035270531066565747),
        // Found by the campaign (seeds 633898784 and 1800089825): the i.i.d. quadrature route's fit stopped at gaps
        // 1.3e-4 and 1.7e-4; small tuple laws are now enumerated.
        FitRegression(
            p: [
                0.00012907750792286423, 0.12789429117314058, 0.5238277533409824, 0.0014409680242927108,
                0.24374559004532254, 0.1029623199083388
            ],
            q: [
                0.08629194911953304, 0.31127896328247096, 0.21179747754693465, 0.026558773808277262,
                0.09427350466560126, 0.26979933157718267
            ],
            drafts: 4, law: .iid, gapSeen: 0.000127271596724432),
        FitRegression(
            p: [0.4404124186632421, 0.2031849522811008, 0.014084247126129597, 0.25101744844766477, 0.09130093348186272],
            q: [0.32929241477364296, 0.10512243202060934, 0.15036084633649202, 0.09388920773854299, 0.3213350991307128],
            drafts: 3, law: .iid, gapSeen: 0.00017124339351082263),
        // Found by a second campaign (seeds 2134067105 and 1962403890): the record-merit safeguard stalled at gaps
        // 1.6e-3 and 1.3e-4 on the enumeration route; the ascent test on the concave likelihood closes them.
        FitRegression(
            p: [0.5647163281490737, 0.04561320530329633, 0.1753004314867303, 0.002789309184592199, 0.21158072587630752],
            q: [0.25476056834870936, 0.2521527903275606, 0.1723293014674126, 0.2669548231930056, 0.05380251666331184],
            drafts: 3, law: .withoutReplacement, gapSeen: 0.0015837137432255233),
        FitRegression(
            p: [0.30103616673242944, 0.04326524465929455, 0.3537262767254076, 0.3019723118828684],
            q: [0.1031664554468692, 0.16808353990735123, 0.6134427159499026, 0.115307288695877],
            drafts: 2, law: .withoutReplacement, gapSeen: 0.000133641349285063),
        // Third campaign (seed 2117055723): closed at 1.003e-12, just above the goal: the per-block tolerance is now
        // 5e-13 of the block's coverage.
        FitRegression(
            p: [
                0.05481701448134303, 8.846988667994494e-07, 0.9137259616514382, 0.0005256653503848115,
                0.03093047381796726
            ],
            q: [0.2002074820095672, 0.019928920694245466, 0.5721723565695179, 0.05942738418435806, 0.14826385654231128],
            drafts: 4, law: .iid, gapSeen: 1.0029754804463664e-12)
    ]

    static func draftLaw(_ row: FitRegression, _ q: Distribution) throws -> DraftLaw {
        switch row.law {
        case .withoutReplacement: try DraftLaw.withoutReplacement(q, drafts: row.drafts)
        default: try DraftLaw.iid(q, drafts: row.drafts)
        }
    }

    /// Every instance of the table reaches alpha* to a certified gap ≤ 10⁻¹² with every block converged, by the
    /// enumeration route and by the race quadrature, and the realised law is a distribution.
    @Test(arguments: table.indices) func fitReachesAlphaStar(_ index: Int) throws {
        let row = Self.table[index]
        let p = try Distribution(row.p), q = try Distribution(row.q)
        let law = try Self.draftLaw(row, q)
        for enumerate in row.law == .iid ? [true] : [true, false] {
            let fit = try RealisedOptimalSelection(target: p, law: law, enumerateWithoutReplacement: enumerate)
            let label = "\(row) \(fit.method.rawValue)"
            #expect(fit.certifiedGap <= 1e-12, "\(label): certified gap \(fit.certifiedGap)")
            #expect(fit.unconvergedBlocks == 0, "\(label): \(fit.unconvergedBlocks) blocks unconverged")
            #expect(abs(fit.realisedLaw.reduce(0, +) - 1) < 1e-12, "\(label): Σ r_w = \(fit.realisedLaw.reduce(0, +))")
            let alpha = try SubsetBound.bruteForce(target: p, law: law).alpha
            #expect(abs(fit.optimal.alpha - alpha) < 1e-12, "\(label): hull alpha* \(fit.optimal.alpha) vs \(alpha)")
        }
    }

    /// Random instances (V ≤ 8, n ≤ 4, both laws, zero entries, p = q): the fit closes to a certified gap ≤ 10⁻¹²
    /// with every block converged. Fixed seed in `swift test`; `MULTIDRAFT_PROPERTY_CAMPAIGN=K` runs K × 300 fresh
    /// instances (a failing instance joins ``table``).
    @Test func fitCampaign() async throws {
        try await seededPropertyCheck(
            count: 300, input: Gen.int(in: 0...Int(Int32.max)), Gen.int(in: 2...8),
            Gen.int(in: 1...4), Gen.int(in: 0...3)
        ) { seed, v, n, shape in
            var rng = Xoshiro256(seed: UInt64(seed))
            let q = Distribution.dirichlet(v, concentration: 1, zeroFraction: shape == 1 ? 0.3 : 0, using: &rng)
            let p =
                shape == 2
                ? q
                : Distribution.dirichlet(
                    v, concentration: shape == 3 ? 0.3 : 1,
                    zeroFraction: shape == 1 ? 0.3 : 0, using: &rng)
            let laws =
                [try DraftLaw.iid(q, drafts: n)]
                + (q.supportSize >= n ? [try DraftLaw.withoutReplacement(q, drafts: n)] : [])
            for law in laws {
                let fit = try RealisedOptimalSelection(target: p, law: law)
                let label =
                    "\(law.name) seed=\(seed) V=\(v) n=\(n) shape=\(shape) p=\(p.probabilities) q=\(q.probabilities)"
                #expect(fit.certifiedGap <= 1e-12, "\(label): gap \(fit.certifiedGap)")
                #expect(fit.unconvergedBlocks == 0, "\(label): \(fit.unconvergedBlocks) unconverged")
            }
        }
    }
}
