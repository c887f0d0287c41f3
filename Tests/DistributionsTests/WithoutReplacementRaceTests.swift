import Foundation
import Testing
@testable import Distributions
import MultidraftSupport

/// The exponential-race integral against exact ordered sums (theory §6.3.1), test-vectors §6.4: within 1e-12 (the
/// theory's tolerance is 1e-10; the worst case measured is 1.5e-13, the same with the lattice started at
/// (1e-17)^{1/(n+1)}/Σq as with its continuation from 0.05/(n + 1)/Σq).
@Suite struct WithoutReplacementRaceTests {
    /// Exact Q(H) for n ≤ 3: 1 − P(some of the first n draws leaves H), split by the first such draw; every
    /// complement is a sum of remaining masses (q(H∖{i,j}) = q(H∖{larger}) − smaller).
    static func exactQ(_ q: [Double], inside h: [Int], drafts n: Int) -> Double {
        precondition(n <= 3)
        var isIn = [Bool](repeating: false, count: q.count)
        for i in h { isIn[i] = true }
        var r = 0.0
        for i in q.indices where !isIn[i] { r += q[i] }
        let qh = h.reduce(0.0) { $0 + q[$1] }
        let total = r + qh
        // q(H ∖ {i}) as (sum before i) + (sum after i) along h: sums of remaining masses, O(|H|).
        var before = [Double](repeating: 0, count: h.count + 1), after = [Double](repeating: 0, count: h.count + 1)
        for (k, i) in h.enumerated() { before[k + 1] = before[k] + q[i] }
        for (k, i) in h.enumerated().reversed() { after[k] = after[k + 1] + q[i] }
        var without1: [Int: Double] = [:]
        for (k, i) in h.enumerated() { without1[i] = before[k] + after[k + 1] }
        var leave = r / total
        if n >= 2 {
            for i in h { leave += q[i] / total * r / (r + without1[i]!) }
        }
        if n >= 3 {
            for i in h {
                let rest1 = r + without1[i]!
                for j in h where j != i {
                    let larger = q[i] >= q[j] ? i : j, smaller = q[i] >= q[j] ? j : i
                    let rest2 = r + (without1[larger]! - q[smaller])
                    leave += q[i] / total * q[j] / rest1 * r / rest2
                }
            }
        }
        return 1 - leave
    }

    func check(_ q: [Double], p: [Double], drafts n: Int, prefixes: [Int]) -> Double {
        let order = q.indices.sorted {
            (q[$0] > 0 ? p[$0] / q[$0] : .infinity, $0) < (q[$1] > 0 ? p[$1] / q[$1] : .infinity, $1)
        }
        let race = WithoutReplacementRace.prefixMasses(q, order: order, drafts: n)
        var worst = 0.0
        for k in prefixes where k >= 1 && k < q.count {
            worst = max(worst, abs(race[k] - Self.exactQ(q, inside: Array(order.prefix(k)), drafts: n)))
        }
        return worst
    }

    @Test func dirichletV400() {
        var rng = Xoshiro256(seed: 2024)
        let v = 400
        let d = Distribution.dirichlet(v, concentration: 0.2, using: &rng).probabilities.map {
            0.97 * $0 + 0.03 / Double(v)
        }
        let p = Distribution.dirichlet(v, concentration: 0.2, using: &rng).probabilities
        let error = check(d, p: p, drafts: 3, prefixes: [1, 2, 5, 20, 100, 200, 398, 399])
        #expect(error < 1e-12, "max error \(error)")
    }

    @Test(arguments: [1.0, 0.3, 0.1, 0.03])
    func softmaxLowTemperature(temperature: Double) throws {
        var rng = Xoshiro256(seed: 7)
        let v = 600
        let lq = (0..<v).map { _ in 2 * Distribution.gaussian(using: &rng) }
        let lp = lq.map { $0 + Distribution.gaussian(using: &rng) }
        let q = try Distribution(logits: lq, temperature: temperature).probabilities
        let p = try Distribution(logits: lp, temperature: temperature).probabilities
        for n in [2, 3] {
            let error = check(q, p: p, drafts: n, prefixes: [1, 2, 5, 20, 100, 300, 598, 599])
            #expect(error < 1e-12, "T = \(temperature), n = \(n): max error \(error)")
        }
    }

    @Test func flatV20000() throws {
        var rng = Xoshiro256(seed: 3)
        let v = 20_000
        let lq = (0..<v).map { _ in 0.5 * Distribution.gaussian(using: &rng) }
        let lp = lq.map { $0 + 0.5 * Distribution.gaussian(using: &rng) }
        let q = try Distribution(logits: lq).probabilities
        let p = try Distribution(logits: lp).probabilities
        let error = check(q, p: p, drafts: 2, prefixes: [1, 2, 5, 20, 100, 10_000, 19_998, 19_999])
        #expect(error < 1e-12, "max error \(error)")
    }

    /// The result does not depend on the number of threads (fixed-order reduction of grid blocks).
    @Test func threadCountInvariance() {
        var rng = Xoshiro256(seed: 9)
        let q = Distribution.dirichlet(500, concentration: 0.5, using: &rng).probabilities
        let order = Array(0..<500)
        let one = WithoutReplacementRace.prefixMasses(q, order: order, drafts: 4, threads: 1)
        let two = WithoutReplacementRace.prefixMasses(q, order: order, drafts: 4, threads: 2)
        #expect(one == two)
    }

    /// The race's (1 − e^{−x}, e^{−x}) against expm1 and exp across the series branch (x < 10⁻³) and beyond: both
    /// parts to 4·10⁻¹⁶ relative. The 4-term series used before was 8·10⁻¹⁵ off at x = 10⁻³.
    @Test func oneMinusExpMatchesExpm1() {
        var x = 1e-9
        while x < 60 {
            let (a, e) = WithoutReplacementRace.oneMinusExpAndExp(x)
            let exactA = -expm1(-x), exactE = exp(-x)
            #expect(abs(a - exactA) <= 4e-16 * exactA, "x = \(x): 1 − e^{−x}")
            #expect(abs(e - exactE) <= 4e-16 * exactE, "x = \(x): e^{−x}")
            x *= 1.07
        }
    }
}
