import Distributions

/// Plain sampling-importance-resampling between two independent tokens, the one implementation behind
/// ``PairWeights/sir(target:first:second:)``, the tournament's ``TournamentSelection/StageMethod/sir`` stages and
/// the `sir` verifier (verifiers.md §7.5–7.6).
///
/// ```
/// ω(x) = p(x)/r(x) (0 where r(x) = 0)          importance weights of a token drawn from r
/// keep(a, b) = ω(a) / (ω(a) + ω'(b)),  1/2 if both are 0;  a = b is forced
/// law of the winner of (A ~ r, B ~ q):
///   r'(y) = r(y)[q(y) + Σ_{b≠y} q(b) keep(y, b)] + q(y) Σ_{a≠y} r(a)(1 − keep(a, y))
/// ```
///
/// - Complexity: O(V) for the weights, O(|supp r|·|supp q| + V) for the winner's law (no V × V table).
public enum SIRStage {
    /// ω = p / r entrywise, 0 where r = 0.
    public static func importanceWeights(target p: [Double], law r: [Double]) -> [Double] {
        zip(p, r).map { $1 > 0 ? $0 / $1 : 0 }
    }

    /// P(keep the incumbent a against the challenger b) at weights (ωa, ωb).
    @inlinable @inline(__always)
    public static func keep(_ wa: Double, _ wb: Double) -> Double {
        let s = wa + wb
        return s > 0 ? wa / s : 0.5
    }

    /// The law of the winner of (A ~ r, B ~ q) with incumbent weights wA and challenger weights wB.
    public static func winnerLaw(_ r: [Double], _ q: [Double], _ wA: [Double], _ wB: [Double]) -> [Double] {
        let v = r.count
        let rSupport = (0..<v).filter { r[$0] > 0 }, qSupport = (0..<v).filter { q[$0] > 0 }
        var out = [Double](repeating: 0, count: v)
        for y in 0..<v {
            var total = 0.0
            if r[y] > 0 {
                var keepMass = q[y]
                for b in qSupport where b != y { keepMass += q[b] * keep(wA[y], wB[b]) }
                total += r[y] * keepMass
            }
            if q[y] > 0 {
                var loseMass = 0.0
                for a in rSupport where a != y { loseMass += r[a] * (1 - keep(wA[a], wB[y])) }
                total += q[y] * loseMass
            }
            out[y] = total
        }
        return out
    }
}
