import Distributions

/// Step 1 of the canonical two-step scheme of Khisti et al.: a **weight function** β that picks one intermediate
/// token from the drafted tuple (Khisti, Ebrahimi, Dbouk, Behboodi, Memisevic, Louizos, "Multi-Draft Speculative
/// Sampling: Canonical Architectures and Theoretical Limits", 2024/2025, arXiv 2410.18234; theory:
/// <doc:Theory#Two-step-importance-sampling-schemes>).
///
/// A rule gives, for every tuple x = (x₁, …, x_K), a distribution over the K *positions*; selecting position i
/// outputs Y' = xᵢ. Duplicated tokens merge their weight, so this is exactly a weight function
///
/// ```
/// β_y(x) = Σ_{i : xᵢ = y} positionWeights(x)[i],   β_y(x) ≥ 0,  β_y(x) = 0 unless y ∈ set(x),  Σ_y β_y(x) = 1
/// ```
///
/// and, for independent drafts xᵢ ~ qᵢ, it induces the intermediate distribution
///
/// ```
/// p_I(y) = Σ_x (Πᵢ qᵢ(xᵢ)) β_y(x)
/// ```
///
/// Any rule is lossless once step 2 (speculative sampling of Y' against p with draft p_I) uses the p_I of the rule
/// actually used; see ``TwoStepScheme``.
///
/// Conforming types: ``PairWeights`` (K = 2, dense, user weights / LP / SIR), ``RankedPairWeights`` (K = 2,
/// truncated LP and priority rules), ``TupleWeights`` (any K, explicit per-tuple weights for small V),
/// ``TournamentSelection`` (K > 2 by pairwise stages). Users may conform their own types.
public protocol SelectionRule: Sendable {
    /// K, the number of drafts in a tuple.
    var draftCount: Int { get }
    /// V, the vocabulary size.
    var vocabularySize: Int { get }
    /// The selection probability of each position of `tuple` (length K, non-negative, summing to 1).
    /// `tuple` has K tokens in 0..<V.
    func positionWeights(for tuple: [Int]) -> [Double]
    /// p_I for independent drafts xᵢ ~ `drafts[i]` (K distributions over V tokens).
    /// The default enumerates all tuples with positive probability: O(Π|supp qᵢ| · K).
    func intermediate(drafts: [Distribution]) -> [Double]
    /// Draws a position i (so Y' = tuple[i]) with the probabilities of ``positionWeights(for:)``.
    func selectPosition(_ tuple: [Int], using rng: inout some RandomNumberGenerator) -> Int
}

extension SelectionRule {
    public func intermediate(drafts: [Distribution]) -> [Double] {
        var pI = [Double](repeating: 0, count: vocabularySize)
        TupleEnumeration.forEach(drafts) { tuple, mass in
            let weights = positionWeights(for: tuple)
            for (i, w) in weights.enumerated() where w > 0 { pI[tuple[i]] += mass * w }
        }
        return pI
    }

    public func selectPosition(_ tuple: [Int], using rng: inout some RandomNumberGenerator) -> Int {
        let weights = positionWeights(for: tuple)
        let u = rng.nextUniform()
        var cumulative = 0.0
        var last = 0
        for (i, w) in weights.enumerated() where w > 0 {
            cumulative += w
            last = i
            if u < cumulative { return i }
        }
        return last
    }
}

/// Enumeration of the draft tuples of independent drafts with positive probability (tests and small V).
enum TupleEnumeration {
    /// Π |supp qᵢ|, the number of tuples ``forEach(_:_:)`` visits (as a Double, to avoid overflow).
    static func count(_ drafts: [Distribution]) -> Double {
        drafts.reduce(1.0) { $0 * Double($1.supportSize) }
    }

    /// Calls `body(tuple, Πᵢ qᵢ(xᵢ))` for every tuple whose probability is positive, in lexicographic order.
    static func forEach(_ drafts: [Distribution], _ body: ([Int], Double) -> Void) {
        let supports = drafts.map(\.support)
        guard !supports.isEmpty, supports.allSatisfy({ !$0.isEmpty }) else { return }
        let k = drafts.count
        var digits = [Int](repeating: 0, count: k)
        var tuple = supports.map { $0[0] }
        while true {
            var mass = 1.0
            for i in 0..<k { mass *= drafts[i][tuple[i]] }
            body(tuple, mass)
            var position = k - 1
            while position >= 0 {
                digits[position] += 1
                if digits[position] < supports[position].count {
                    tuple[position] = supports[position][digits[position]]
                    break
                }
                digits[position] = 0
                tuple[position] = supports[position][0]
                position -= 1
            }
            if position < 0 { return }
        }
    }
}
