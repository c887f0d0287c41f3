import Distributions

/// Explicit K = 2 weights: a dense V × V table of w(a, b) = P(keep X₁ = a | (X₁, X₂) = (a, b)), row a, column b
/// (Khisti et al., arXiv 2410.18234; <doc:Theory#Two-step-importance-sampling-schemes>).
///
/// ```
/// keepFirst[a·V + b] = w(a, b) ∈ [0, 1]   (a ≠ b; the diagonal is ignored)
/// ```
///
/// Produced by the weight LP (``PairWeightLP``), by plain SIR (``sir(target:first:second:)``), or given by the user.
/// Memory O(V²); lookup O(1).
public struct PairWeights: PairSelectionRule, Equatable {
    public let vocabularySize: Int
    /// The row-major table w(a, b); diagonal entries are stored but never used.
    public let table: [Double]

    /// Validated user weights: `table` has V² entries, each finite and in [0, 1] (the diagonal is not checked).
    public init(vocabularySize v: Int, table: [Double]) throws {
        guard v >= 1 else {
            throw ImportanceSamplingError.weightCount(what: "pair weight table", expected: 1, found: 0)
        }
        guard table.count == v * v else {
            throw ImportanceSamplingError.weightCount(what: "pair weight table", expected: v * v, found: table.count)
        }
        try validateOffDiagonalWeights(table, side: v) { "w(\($0), \($1))" }
        self.vocabularySize = v
        self.table = table
    }

    /// Validated user weights given as rows: `rows[a][b]` = w(a, b).
    public init(rows: [[Double]]) throws {
        let v = rows.count
        for (a, row) in rows.enumerated() where row.count != v {
            throw ImportanceSamplingError.weightCount(
                what: "row \(a) of the pair weights", expected: v, found: row.count)
        }
        try self.init(vocabularySize: v, table: rows.flatMap { $0 })
    }

    /// Internal fast path: the caller guarantees V² entries in [0, 1].
    init(unchecked table: [Double], vocabularySize v: Int) {
        self.vocabularySize = v
        self.table = table
    }

    /// Uniform selection, w ≡ 1/2: p_I = (q₁ + q₂)/2 (the safe fallback of verifiers.md §7.4).
    public static func uniform(_ vocabularySize: Int) -> PairWeights {
        PairWeights(
            unchecked: [Double](repeating: 0.5, count: vocabularySize * vocabularySize),
            vocabularySize: vocabularySize)
    }

    public func keepFirst(_ a: Int, _ b: Int) -> Double {
        table[a * vocabularySize + b]
    }
}

extension PairWeights {
    /// Plain sampling-importance-resampling weights for K = 2 (verifiers.md §7.6): keep draft i with probability
    /// proportional to its importance weight ωᵢ(x) = p(x)/qᵢ(x),
    ///
    /// ```
    /// w(a, b) = ω₁(a) / (ω₁(a) + ω₂(b)),   and 1/2 when both weights are 0
    /// ```
    ///
    /// (ωᵢ(x) is taken as 0 where qᵢ(x) = 0; such pairs have probability 0). Feasible, hence lossless with its own
    /// p_I, and sub-optimal in general (example KB: coin 0.672 < optimum 0.69). O(V²).
    public static func sir(
        target p: Distribution, first q1: Distribution, second q2: Distribution
    ) throws -> PairWeights {
        try requireVocabulary(p, [q1, q2])
        let v = p.vocabularySize
        let omega1 = SIRStage.importanceWeights(target: p.probabilities, law: q1.probabilities)
        let omega2 = SIRStage.importanceWeights(target: p.probabilities, law: q2.probabilities)
        var table = [Double](repeating: 0.5, count: v * v)
        for a in 0..<v {
            for b in 0..<v where a != b { table[a * v + b] = SIRStage.keep(omega1[a], omega2[b]) }
        }
        return PairWeights(unchecked: table, vocabularySize: v)
    }
}

/// Throws unless every draft has the target's vocabulary size.
package func requireVocabulary(_ p: Distribution, _ drafts: [Distribution]) throws {
    guard !drafts.isEmpty else { throw ImportanceSamplingError.noDrafts }
    for (i, q) in drafts.enumerated() where q.vocabularySize != p.vocabularySize {
        throw VocabularyMismatch(
            what: "draft \(i + 1)", expected: p.vocabularySize,
            found: q.vocabularySize)
    }
}

/// Checks that every off-diagonal entry of a row-major side × side weight table is finite and in [0, 1]; the error
/// names the first bad entry through `label(row, column)`.
func validateOffDiagonalWeights(_ table: [Double], side: Int, label: (Int, Int) -> String) throws {
    for a in 0..<side {
        for b in 0..<side where a != b {
            let w = table[a * side + b]
            guard w.isFinite, w >= 0, w <= 1 else {
                throw ImportanceSamplingError.invalidWeight(what: label(a, b), value: w)
            }
        }
    }
}
