import Foundation
import Testing
@testable import Distributions

/// Walker's alias table: the law its columns encode is the normalised weights, exactly up to rounding.
@Suite struct AliasTableTests {
    /// The probability of each token under the table: column c is drawn with probability 1/m, then keeps its own
    /// token with probability threshold[c] and gives the rest to alias[c].
    static func encodedLaw(_ table: AliasTable, vocabulary v: Int) -> [Double] {
        let m = table.threshold.count
        var law = [Double](repeating: 0, count: v)
        for c in 0..<m {
            let keep = min(1, table.threshold[c])
            law[Int(table.tokens[c])] += keep / Double(m)
            law[Int(table.tokens[Int(table.alias[c])])] += (1 - keep) / Double(m)
        }
        return law
    }

    /// Random weights with zeros, one positive weight, equal weights, weights over 15 decades and a vocabulary of
    /// 152,064: the encoded law equals w/Σw (Σ compensated) to 1e-15 absolute (1e-12 relative on the large ones),
    /// and tokens of weight 0 have probability 0. With a plain sum for the total the table missed by 6·10⁻¹⁰
    /// relative on one token at V = 152,064 (the sum's rounding, left on the last column), which this test caught.
    @Test func encodesTheNormalisedWeights() {
        var rng = Xoshiro256(seed: 77)
        var cases: [[Double]] = [[0, 0, 3, 0], [1, 1, 1, 1, 1], [5, 0, 1e-15, 2, 0, 7e-3]]
        cases.append((0..<1000).map { _ in rng.nextUniform() < 0.3 ? 0 : pow(10, -15 * rng.nextUniform()) })
        cases.append((0..<152_064).map { _ in rng.nextUniform() })
        for (index, weights) in cases.enumerated() {
            let total = Distribution.accurateSum(weights)
            let law = Self.encodedLaw(AliasTable(weights: weights), vocabulary: weights.count)
            for (x, w) in weights.enumerated() {
                let expected = w / total
                #expect(
                    abs(law[x] - expected) <= max(1e-15, 1e-12 * expected),
                    "case \(index) token \(x): \(law[x]) vs \(expected)")
                if w == 0 { #expect(law[x] == 0, "case \(index) token \(x) has weight 0") }
            }
        }
    }
}
