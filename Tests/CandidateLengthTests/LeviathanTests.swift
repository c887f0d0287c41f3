import Foundation
import Testing
@testable import CandidateLength

/// test-vectors.md §7: (α, c, K*, f(K*), f(1), h*), tolerance 1e-12.
let leviathanTable: [(alpha: Double, cost: Double, best: Int, f: Double, f1: Double, h: Double)] = [
    (0.5, 0.05, 3, 1.630434782609, 1.428571428571, 0.836956521739),
    (0.5, 0.2, 1, 1.250000000000, 1.250000000000, 0.500000000000),
    (0.6, 0.1, 3, 1.673846153846, 1.454545454545, 0.721025641026),
    (0.7, 0.05, 6, 2.352937692308, 1.619047619048, 0.831933021978),
    (0.7, 0.1, 4, 1.980785714286, 1.545454545455, 0.717030612245),
    (0.8, 0.01, 14, 4.231647490838, 1.782178217822, 0.947104406365),
    (0.8, 0.05, 8, 3.092079542857, 1.714285714286, 0.806745028571),
    (0.8, 0.1, 6, 2.469640000000, 1.636363636364, 0.691295000000),
    (0.8, 0.2, 4, 1.867555555556, 1.500000000000, 0.533111111111),
    (0.82, 0.2, 4, 1.942160977778, 1.516666666667, 0.526302200542),
    (0.9, 0.05, 13, 4.674133790608, 1.809523809524, 0.740325900522),
    (0.9, 0.1, 10, 3.430947019550, 1.727272727273, 0.618783664494),
    (0.9, 0.2, 7, 2.373053291667, 1.583333333333, 0.472654824074),
    (0.95, 0.1, 15, 4.478986650786, 1.772727272727, 0.528527720970)
]

@Suite("Leviathan fixed length")
struct LeviathanTests {
    @Test("test-vectors §7: K*, f(K*), f(1), h*, K(h*) to 1e-12 (table values are rounded to 12 decimals)")
    func table() throws {
        for row in leviathanTable {
            let best = try Leviathan.bestLength(alpha: row.alpha, cost: row.cost)
            #expect(best.length == row.best, "alpha \(row.alpha) c \(row.cost)")
            #expect(abs(best.improvement - row.f) < 1e-12)
            let f1 = try Leviathan.improvementFactor(alpha: row.alpha, cost: row.cost, length: 1)
            #expect(abs(f1 - row.f1) < 1e-12)
            #expect(abs(f1 - (1 + row.alpha) / (1 + row.cost)) < 1e-15)
            let h = try Leviathan.threshold(alpha: row.alpha, cost: row.cost)
            #expect(abs(h - row.h) < 1e-12)
            let k = try Leviathan.length(forThreshold: h, alpha: row.alpha, maxLength: 10_000)
            #expect(k == row.best)
        }
    }

    @Test("the scan's K* equals the argmax of f over 0...300 (f unimodal)")
    func scanEqualsFullArgmax() throws {
        for alpha in stride(from: 0.0, through: 0.99, by: 0.03) {
            for cost in [0.005, 0.02, 0.1, 0.3, 0.7, 1.2] {
                let scan = try Leviathan.bestLength(alpha: alpha, cost: cost)
                var argmax = 0, fmax = 1.0
                var drops = 0, previous = 1.0
                for g in 1...300 {
                    let f = try Leviathan.improvementFactor(alpha: alpha, cost: cost, length: g)
                    if f > fmax { argmax = g; fmax = f }
                    if f < previous {
                        drops += 1
                    } else if drops > 0, f > previous * (1 + 1e-12) {
                        Issue.record("f not unimodal at alpha \(alpha) c \(cost) gamma \(g)")
                    }
                    previous = f
                }
                #expect(scan.length == argmax, "alpha \(alpha) c \(cost)")
                #expect((scan.length == 0) == (alpha <= cost))
            }
        }
    }

    @Test("E[G] closed form equals the capped-geometric sum; edge values at alpha 0 and 1")
    func expectedTokens() throws {
        for alpha in [0.0, 0.1, 0.5, 0.82, 0.999, 1.0] {
            for g in 0...12 {
                var direct = 0.0, second = 0.0
                for j in 1...(g + 1) {
                    let pj = j <= g ? pow(alpha, Double(j - 1)) * (1 - alpha) : pow(alpha, Double(g))
                    direct += Double(j) * pj
                    second += Double(j * j) * pj
                }
                #expect(abs(try Leviathan.expectedTokens(alpha: alpha, length: g) - direct) < 1e-12)
                #expect(abs(try Leviathan.secondMomentTokens(alpha: alpha, length: g) - second) < 1e-10)
            }
        }
        #expect(try Leviathan.expectedTokens(alpha: 1, length: 5) == 6)
        #expect(try Leviathan.expectedTokens(alpha: 0, length: 5) == 1)
        #expect(try Leviathan.improvementFactor(alpha: 0.7, cost: 0.3, length: 0) == 1)
    }

    @Test("K(h) edge cases: h <= 0 gives k_min, h near 1 gives K_max, integer boundary 1 - 0.5^2 = 0.75")
    func lengthForThreshold() throws {
        #expect(try Leviathan.length(forThreshold: 0, alpha: 0.8, maxLength: 20) == 1)
        #expect(try Leviathan.length(forThreshold: 0.5, alpha: 0.8, minLength: 5, maxLength: 20) == 5)
        #expect(try Leviathan.length(forThreshold: 0.99999, alpha: 0.8, maxLength: 20) == 20)
        #expect(try Leviathan.length(forThreshold: 0.75, alpha: 0.5, maxLength: 20) == 2)
        #expect(try Leviathan.length(forThreshold: 1, alpha: 1, maxLength: 7) == 7)
    }
}
