import Foundation
import Distributions

/// Explicit weights for any number K of drafts: one selection distribution over the K positions for every tuple
/// (Khisti et al., arXiv 2410.18234; <doc:Theory#Two-step-importance-sampling-schemes>). For small V only: memory O(Vᴷ·K).
///
/// ```
/// table[index(x)·K + i] = P(select position i | x),   index(x) = Σᵢ xᵢ·V^{K−1−i}   (x₁ most significant)
/// ```
///
/// Selecting position i outputs xᵢ; duplicated tokens merge their weight into β_y(x).
public struct TupleWeights: SelectionRule, Equatable {
    public let vocabularySize: Int
    public let draftCount: Int
    /// Position weights, Vᴷ blocks of K entries.
    public let table: [Double]

    /// Largest Vᴷ accepted (4·10⁶ tuples).
    public static let maxTuples = 4_000_000

    /// Builds the table from `weights(tuple)`, which must return K finite non-negative numbers summing to 1
    /// (within 1e-9) for every tuple.
    public init(vocabularySize v: Int, drafts k: Int, weights: ([Int]) -> [Double]) throws {
        guard k >= 1 else {
            throw ImportanceSamplingError.wrongDraftCount(what: "tuple weights", expected: ">= 1", found: k)
        }
        guard v >= 1 else { throw ImportanceSamplingError.weightCount(what: "vocabulary", expected: 1, found: v) }
        let tuples = pow(Double(v), Double(k))
        guard tuples <= Double(Self.maxTuples) else {
            throw ImportanceSamplingError.enumerationTooLarge(tuples: tuples, limit: Self.maxTuples)
        }
        let count = Int(tuples)
        var table = [Double](repeating: 0, count: count * k)
        var tuple = [Int](repeating: 0, count: k)
        for index in 0..<count {
            var rest = index
            for i in stride(from: k - 1, through: 0, by: -1) { tuple[i] = rest % v; rest /= v }
            let w = weights(tuple)
            guard w.count == k else {
                throw ImportanceSamplingError.weightCount(
                    what: "weights of tuple \(tuple)", expected: k, found: w.count)
            }
            var sum = 0.0
            for (i, x) in w.enumerated() {
                guard x.isFinite, x >= 0 else {
                    throw ImportanceSamplingError.invalidWeight(
                        what: "weight of position \(i) in tuple \(tuple)", value: x)
                }
                sum += x
                table[index * k + i] = x
            }
            guard abs(sum - 1) <= 1e-9 else {
                throw ImportanceSamplingError.weightsNotNormalized(tuple: tuple, sum: sum)
            }
        }
        self.vocabularySize = v
        self.draftCount = k
        self.table = table
    }

    public func positionWeights(for tuple: [Int]) -> [Double] {
        var index = 0
        for x in tuple { index = index * vocabularySize + x }
        return Array(table[(index * draftCount)..<((index + 1) * draftCount)])
    }
}

extension TupleWeights {
    /// Plain SIR for K drafts (verifiers.md §7.6): select position i with probability ∝ p(xᵢ)/qᵢ(xᵢ), uniformly
    /// when every weight is 0 (ratios where qᵢ(xᵢ) = 0 count as 0; such tuples have probability 0). O(Vᴷ·K).
    public static func sir(target p: Distribution, drafts qs: [Distribution]) throws -> TupleWeights {
        try requireVocabulary(p, qs)
        let k = qs.count
        return try TupleWeights(vocabularySize: p.vocabularySize, drafts: k) { tuple in
            let omega = (0..<k).map { qs[$0][tuple[$0]] > 0 ? p[tuple[$0]] / qs[$0][tuple[$0]] : 0 }
            let total = omega.reduce(0, +)
            return total > 0 ? omega.map { $0 / total } : [Double](repeating: 1 / Double(k), count: k)
        }
    }
}
