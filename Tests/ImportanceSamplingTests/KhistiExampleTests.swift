import Foundation
import Testing
@testable import ImportanceSampling
import Distributions
import AcceptanceBounds

/// <doc:Theory#Test-vectors> (examples KA–KF) and §4 (tournament). Tolerances: closed forms and prefix
/// scans 1e-12; LP-based values 1e-9 (the brief's bound, tighter than the 1e-8 of test-vectors.md).
@Suite struct KhistiExampleTests {
    struct Example: Sendable, CustomStringConvertible {
        let name: String
        let p: [Double], q: [Double]
        let single: Double, opt2: Double, opt3: Double
        let acceptanceOne2: Bool, acceptanceOne3: Bool
        let truncatedS1: Double, truncatedS1Intermediate: [Double]
        let sirCoin: Double, sirMembership: Double
        var description: String { name }
    }

    static let third = 1.0 / 3
    static let examples: [Example] = [
        Example(
            name: "KA", p: [third, third, third], q: [third, third, third], single: 1, opt2: 1, opt3: 1,
            acceptanceOne2: true, acceptanceOne3: true, truncatedS1: 7.0 / 9,
            truncatedS1Intermediate: [5.0 / 9, third, 1.0 / 9],
            sirCoin: 1, sirMembership: 1),
        Example(
            name: "KB", p: [0.5, 0.5], q: [0.9, 0.1], single: 0.6, opt2: 0.69, opt3: 0.771,
            acceptanceOne2: false, acceptanceOne3: false, truncatedS1: 0.69, truncatedS1Intermediate: [0.81, 0.19],
            sirCoin: 0.672, sirMembership: 0.679130434783),
        Example(
            name: "KC", p: [0.5, 0.3, 0.2], q: [0.2, 0.3, 0.5], single: 0.7, opt2: 0.86, opt3: 0.988,
            acceptanceOne2: false, acceptanceOne3: false, truncatedS1: 0.86,
            truncatedS1Intermediate: [0.36, 0.39, 0.25],
            sirCoin: 0.798128078818, sirMembership: 0.814433812487),
        Example(
            name: "KD", p: [0.1, 0.2, 0.3, 0.4], q: [0.4, 0.3, 0.2, 0.1], single: 0.6, opt2: 0.79, opt3: 0.871,
            acceptanceOne2: false, acceptanceOne3: false, truncatedS1: 0.79,
            truncatedS1Intermediate: [0.16, 0.33, 0.32, 0.19], sirCoin: 0.736942469295, sirMembership: 0.745139817250),
        Example(
            name: "KE", p: [0.6, 0.4], q: [0.3, 0.7], single: 0.7, opt2: 0.91, opt3: 1,
            acceptanceOne2: false, acceptanceOne3: true, truncatedS1: 0.91, truncatedS1Intermediate: [0.51, 0.49],
            sirCoin: 0.816666666667, sirMembership: 0.846),
        Example(
            name: "KF", p: [third, third, third], q: [0.5, 0.3, 0.2], single: 0.833333333333, opt2: 1, opt3: 1,
            acceptanceOne2: true, acceptanceOne3: true, truncatedS1: 0.916666666667,
            truncatedS1Intermediate: [0.25, 0.39, 0.36], sirCoin: 0.913690476190, sirMembership: 0.926476595745)
    ]

    /// Closed forms: single draft, prefix-scan optima for K = 2, 3, acceptance-1 flags (with a violating set that
    /// really violates), all against brute force over subsets.
    @Test(arguments: examples)
    func closedForms(_ e: Example) throws {
        let p = try Distribution(e.p), q = try Distribution(e.q)
        #expect(abs(p.overlap(with: q) - e.single) < 1e-12)
        for (k, expected, flag) in [(2, e.opt2, e.acceptanceOne2), (3, e.opt3, e.acceptanceOne3)] {
            let scan = try IdenticalDrafts.optimalAcceptance(target: p, draft: q, drafts: k)
            #expect(abs(scan.alpha - expected) < 1e-12, "\(e.name) K=\(k): \(scan.alpha)")
            let brute = try SubsetBound.bruteForce(target: p, law: try DraftLaw.iid(q, drafts: k))
            #expect(abs(brute.alpha - expected) < 1e-12)
            let check = try IdenticalDrafts.acceptanceOne(target: p, draft: q, drafts: k)
            #expect(check.holds == flag, "\(e.name) K=\(k) acceptance-1 flag")
            if let s = check.violatingSet {
                #expect(p.mass(of: s) < pow(q.mass(of: s), Double(k)) - 1e-12, "\(e.name): \(s) does not violate")
            }
        }
    }

    /// The weight LP (both forms) reaches the optimum; its scheme's coin = membership = optimum; output law = p.
    @Test(arguments: examples)
    func weightLPReachesTheOptimum(_ e: Example) throws {
        let p = try Distribution(e.p), q = try Distribution(e.q)
        let identical = try PairWeightLP.solveIdentical(target: p, draft: q)
        let ordered = try PairWeightLP.solve(target: p, first: q, second: q)
        #expect(abs(identical.value - e.opt2) < 1e-9, "\(e.name) identical LP \(identical.value)")
        #expect(abs(ordered.value - e.opt2) < 1e-9, "\(e.name) ordered LP \(ordered.value)")
        #expect(abs(identical.lpObjective - e.opt2) < 1e-9)
        let scheme = try TwoStepScheme.optimal(target: p, drafts: [q, q])
        let exact = try scheme.exact()
        #expect(abs(scheme.coinAcceptance - e.opt2) < 1e-9)
        #expect(abs(exact.membershipAcceptance - e.opt2) < 1e-9, "\(e.name) membership at optimal weights")
        #expect(maxDeviation(exact.outputLaw, e.p) < 1e-12)
    }

    /// Truncated LP with s = 1: coin acceptance and p_I of the table; at s = V the optimum.
    @Test(arguments: examples)
    func truncatedLP(_ e: Example) throws {
        let p = try Distribution(e.p), q = try Distribution(e.q)
        let s1 = try TruncatedWeightLP.solve(target: p, first: q, second: q, truncate: 1)
        #expect(abs(s1.value - e.truncatedS1) < 1e-12, "\(e.name) s=1 value \(s1.value)")
        #expect(
            maxDeviation(s1.intermediate, e.truncatedS1Intermediate) < 1e-12, "\(e.name) s=1 p_I \(s1.intermediate)")
        let full = try TruncatedWeightLP.solve(target: p, first: q, second: q, truncate: e.p.count)
        #expect(abs(full.value - e.opt2) < 1e-9)
    }

    /// Plain SIR (test-vectors §3.3): coin and exact membership; output law = p; and the §7.1 K = 2 membership
    /// formula written out independently here agrees with the library's enumeration.
    @Test(arguments: examples)
    func sirCoinAndMembership(_ e: Example) throws {
        let p = try Distribution(e.p), q = try Distribution(e.q)
        let scheme = try TwoStepScheme.sir(target: p, drafts: [q, q])
        let exact = try scheme.exact()
        #expect(abs(scheme.coinAcceptance - e.sirCoin) < 1e-12, "\(e.name) SIR coin \(scheme.coinAcceptance)")
        #expect(abs(exact.coinAcceptance - e.sirCoin) < 1e-12)
        #expect(abs(exact.membershipAcceptance - e.sirMembership) < 1e-12, "\(e.name) SIR membership")
        #expect(maxDeviation(exact.outputLaw, e.p) < 1e-12)
        let formula = pairMembershipFormula(p: e.p, q1: e.q, q2: e.q, rule: scheme.rule as! PairWeights)
        #expect(abs(formula - e.sirMembership) < 1e-12)
    }

    /// The s = 1 pitfall (verifiers.md §7.4): p = q uniform on 3 tokens gives coin 7/9 and membership 13/15.
    @Test func smallTruncationPitfall() throws {
        let u = Distribution.uniform(3)
        let scheme = try TwoStepScheme.truncated(target: u, drafts: [u, u], truncate: 1)
        let exact = try scheme.exact()
        #expect(abs(scheme.coinAcceptance - 7.0 / 9) < 1e-12)
        #expect(abs(exact.membershipAcceptance - 13.0 / 15) < 1e-12)
        #expect(maxDeviation(exact.outputLaw, u.probabilities) < 1e-12)
        // Both below single-draft speculative sampling, which accepts with probability 1 here.
        #expect(exact.membershipAcceptance < u.overlap(with: u) - 0.1)
    }

    /// test-vectors §4: tournament (s = 6) coin acceptance ≤ optimum exactly, tabulated values within 1e-9; the
    /// optimum by the prefix scan; the tournament is lossless by enumeration.
    @Test func tournamentExample() throws {
        let p = try Distribution([0.35, 0.25, 0.2, 0.1, 0.06, 0.04])
        let q = try Distribution([0.1, 0.15, 0.2, 0.25, 0.2, 0.1])
        let table: [(k: Int, optimum: Double, tournament: Double)] = [
            (2, 0.8375, 0.8375), (3, 0.921, 0.91875), (4, 0.9939, 0.991875)
        ]
        for row in table {
            let drafts = [Distribution](repeating: q, count: row.k)
            let optimum = try IdenticalDrafts.optimalAcceptance(target: p, draft: q, drafts: row.k).alpha
            #expect(abs(optimum - row.optimum) < 1e-12)
            for method in [TournamentSelection.StageMethod.truncatedLP(6), .weightLP] {
                let scheme = try TwoStepScheme.tournament(target: p, drafts: drafts, method: method)
                #expect(scheme.coinAcceptance <= optimum, "K=\(row.k) \(method): above the optimum")
                #expect(
                    abs(scheme.coinAcceptance - row.tournament) < 1e-9, "K=\(row.k) \(method): \(scheme.coinAcceptance)"
                )
                let exact = try scheme.exact()
                #expect(maxDeviation(exact.outputLaw, p.probabilities) < 1e-12)
                #expect(maxDeviation(exact.selectionLaw, scheme.intermediate) < 1e-12)
                #expect(exact.membershipAcceptance >= scheme.coinAcceptance - 1e-12)
                #expect(exact.membershipAcceptance <= optimum + 1e-9)
            }
        }
    }
}

/// max_y |a(y) − b(y)|.
func maxDeviation(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count)
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

/// Test-side oracle: the K = 2 membership formula of verifiers.md §7.1, written out from the definitions
/// (p_I by a direct double sum, res = norm((p − p_I)_+)).
func pairMembershipFormula(p: [Double], q1: [Double], q2: [Double], rule: some PairSelectionRule) -> Double {
    let v = p.count
    var pI = [Double](repeating: 0, count: v)
    for a in 0..<v {
        for b in 0..<v {
            let m = q1[a] * q2[b]
            if a == b { pI[a] += m } else { pI[a] += m * rule.keepFirst(a, b); pI[b] += m * (1 - rule.keepFirst(a, b)) }
        }
    }
    let excess = (0..<v).map { max(0, p[$0] - pI[$0]) }
    let total = excess.reduce(0, +)
    let res = total > 0 ? excess.map { $0 / total } : p
    var value = (0..<v).reduce(0.0) { $0 + min(p[$1], pI[$1]) }
    for a in 0..<v {
        for b in 0..<v {
            let m = q1[a] * q2[b]
            guard m > 0 else { continue }
            let resSet = a == b ? res[a] : res[a] + res[b]
            let choices: [(Int, Double)] =
                a == b ? [(a, 1)] : [(a, rule.keepFirst(a, b)), (b, 1 - rule.keepFirst(a, b))]
            for (y, beta) in choices where beta > 0 {
                let accept = pI[y] > 0 ? min(1, p[y] / pI[y]) : 1
                value += m * beta * (1 - accept) * resSet
            }
        }
    }
    return value
}
