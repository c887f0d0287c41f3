import MultidraftNumerics

/// Two draws without replacement from q (successive sampling, n = 2) in closed form: the pair law, the subset mass
/// Q(H) of every prefix of an order, and a block's coverage, with no quadrature.
///
/// With T = Σ q, c_i = q(Σ ∖ {i}) (the mass left after drawing i, summed over the other tokens, never formed as
/// 1 − q_i) and the odds o_i = q_i / c_i:
///
/// ```
/// P(S = {x, y})          = (q_x q_y / T) (1/c_x + 1/c_y)
/// Q(H) = P(S ⊆ H)        = Σ_{i∈H} (q_i/T) q(H ∖ i)/c_i,   along a prefix order by positive increments
///                          Q(H ∪ j) = Q(H) + (q_j/T) (Σ_{i∈H} o_i + q(H)/c_j)
/// Δf = P(S ∩ H = ∅, S ∩ B ≠ ∅) = Σ_{x∈B} (q_x/T) q((B ∪ L) ∖ x)/c_x + (q(B)/T) Σ_{i∈L} o_i     (L = Σ ∖ (H ∪ B))
/// ```
///
/// Every formula is a sum of positive terms (compensated), so Q and Δf are exact to a few ulps, at any V and any
/// temperature. The exponential race (``WithoutReplacementRace``) computes the same Q(H) by a quadrature in t
/// (absolute error ~10⁻¹³) for any n; for n = 2 it takes these sums instead.
///
/// - Complexity: O(V) for every prefix of an order; O(|B|) for a block's coverage.
/// - Reference: successive sampling (the draft law of multi-draft speculative decoding without replacement,
///   Hu et al. 2025, arXiv 2502.18779); the closed forms are elementary and derived here.
public enum TwoDraws {
    /// T = Σ q (compensated) and c_i = T − q_i for every token; the one token that may hold more than half the mass
    /// takes the compensated sum of the others instead (no cancellation).
    public static func complements(_ q: [Double]) -> (total: Double, complements: [Double]) {
        var total = 0.0, comp = 0.0
        for x in q { compensatedAdd(&total, &comp, x) }
        var c = q.map { total - $0 }
        if let heavy = q.indices.first(where: { 2 * q[$0] > total }) {
            var rest = 0.0, restComp = 0.0
            for (i, x) in q.enumerated() where i != heavy { compensatedAdd(&rest, &restComp, x) }
            c[heavy] = rest
        }
        return (total, c)
    }

    /// Δf = P(S ∩ H = ∅, S ∩ B ≠ ∅) for a block B of consecutive positions of an order: its tokens' masses and
    /// complements, the mass after each of its positions (`massAfter`: q of every later position, L included) and the
    /// odds O(L) = Σ_{y∈L} o_y after the block:
    /// Σ_{x∈B} (q_x/T) q((B ∪ L) ∖ x)/c_x + (q(B)/T) O(L), with q((B ∪ L) ∖ x) = (in-block mass before x) + massAfter_x
    /// (positive terms only, no allocation). O(|B|).
    public static func coverage(
        draftMasses q: ArraySlice<Double>, complements c: ArraySlice<Double>, massAfter: ArraySlice<Double>,
        laterOdds: Double, total: Double
    ) -> Double {
        precondition(q.count == c.count && q.count == massAfter.count)
        guard total > 0 else { return 0 }
        var value = 0.0, valueComp = 0.0, before = 0.0, beforeComp = 0.0
        for (i, (j, k)) in zip(q.indices, zip(c.indices, massAfter.indices)) {
            let x = q[i], cx = c[j]
            if x > 0 && cx > 0 { compensatedAdd(&value, &valueComp, x * ((before + massAfter[k]) / cx)) }
            compensatedAdd(&before, &beforeComp, x)
        }
        compensatedAdd(&value, &valueComp, before * laterOdds)
        return min(1, value / total)
    }

    /// Q(H_k) = P(both draws lie in H_k) for k = 0…V, H_k the first k tokens of `order` (a permutation of 0..<V), by
    /// positive increments. Q(H_V) = 1 when at least two tokens have q > 0.
    /// - Parameter known: T and the complements when the caller has them (``complements(_:)``), else computed here.
    public static func prefixMasses(
        _ q: [Double], order: [Int], complements known: (total: Double, complements: [Double])? = nil
    ) -> [Double] {
        let (total, c) = known ?? complements(q)
        var out = [Double](repeating: 0, count: order.count + 1)
        guard total > 0 else { return out }
        var mass = 0.0, massComp = 0.0 // q(H)
        var odds = 0.0, oddsComp = 0.0 // Σ_{i∈H} o_i
        var value = 0.0, valueComp = 0.0 // Q(H)·T
        for (k, j) in order.enumerated() {
            let x = q[j]
            if x > 0 && c[j] > 0 {
                compensatedAdd(&value, &valueComp, x * odds)
                compensatedAdd(&value, &valueComp, x * (mass / c[j]))
                compensatedAdd(&odds, &oddsComp, x / c[j])
            }
            compensatedAdd(&mass, &massComp, x)
            out[k + 1] = min(1, value / total)
        }
        // A prefix that holds the whole support (of at least two tokens) holds both draws: exactly 1, as the race.
        if let last = order.lastIndex(where: { q[$0] > 0 }), q.lazy.filter({ $0 > 0 }).count >= 2 {
            for k in (last + 1)...order.count { out[k] = 1 }
        }
        return out
    }
}
