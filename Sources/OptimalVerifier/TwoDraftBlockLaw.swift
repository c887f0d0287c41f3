import MultidraftNumerics
import Distributions
import Foundation

/// The law r_w that ``BlockLuceSelection`` (block priority, then a Luce choice with weights w among the drafts of the
/// leading block) induces inside one block for **two** drafts without replacement, from the pair law in closed form:
/// no τ integral and no environment.
///
/// With the pair law of ``TwoDraws`` (T = Σ q, c_x the mass left after drawing x, o_x = q_x / c_x), H the tokens of
/// the earlier blocks, B the block and L the later ones: x ∈ B is selected iff it is drafted and the other draft y
/// is in L, or in B and loses the Luce choice (y ∈ H makes the earlier block lead). So, with ρ_x = 1/c_x,
///
/// ```
/// r_w(x)          = (q_x/T) [ ρ_x q(L) + O(L) + Σ_{y∈B∖x} (ρ_x q_y + o_y) · w_x/(w_x + w_y) ],   O(L) = Σ_{y∈L} o_y
/// ∂r_w(x)/∂log w_x = (q_x/T) Σ_{y∈B∖x} (ρ_x q_y + o_y) · w_x w_y/(w_x + w_y)²          (the rivals fixed)
/// ```
///
/// Every term is positive. Routes, all exact but for rounding, except the last (quadrature in s):
/// - equal weights: every Luce factor is ½ (O(m), the in-block sums over B ∖ x from prefix and suffix sums);
/// - at most ``pairwiseLimit`` tokens: the pair sums as written (O(m²));
/// - beyond: w_x/(w_x + w_y) = w_x ∫₀^∞ e^{−s(w_x + w_y)} ds on the race routes' s lattice
///   (``WithoutReplacementBlockLaw/sGrid(wMin:wMax:drafts:lowerEnd:)``, error ≈ 10⁻¹⁸ relative), the sums over y as
///   forward exponential sums F_q(s) = Σ_y q_y e^{−s w_y}, F_o(s) = Σ_y o_y e^{−s w_y} and the integrals as
///   transposed ones (``ExponentialSums``, ~10⁻¹⁵ relative); the squared factor is the first s-moment,
///   w_x²/(w_x + w_y)² = w_x² ∫ s e^{−s(w_x + w_y)} ds. The token's own term (y = x: o_x, and o_x/2 in the moment) is
///   taken off in closed form; a token whose own term is more than 90 % of its sum is summed exactly instead (O(m)
///   each), so no subtraction loses more than one digit of a law (the elastic part, which only preconditions the
///   fit, is clamped at 0).
///
/// - Complexity: O(m) (equal weights), O(m²) (pairs), O((m + bins·G_s)·K) (sums), K ≤ 18 Taylor terms.
/// - Reference: the rule is Khisti et al.'s two-step scheme with block priority (<doc:Theory#Optimal-verifier>); the
///   pair-law form of its realised law for two drafts is derived here.
public enum TwoDraftBlockLaw {
    /// Blocks of at most this many tokens (with unequal weights) take the exact pair sums.
    public static let pairwiseLimit = 256

    /// What a block's law needs besides its tokens and weights.
    public struct Context: Sendable {
        /// T = Σ q over the vocabulary.
        public let total: Double
        /// q(L) and O(L) = Σ_{y∈L} o_y over the later blocks.
        public let laterMass: Double, laterOdds: Double
        public init(total: Double, laterMass: Double, laterOdds: Double) {
            (self.total, self.laterMass, self.laterOdds) = (total, laterMass, laterOdds)
        }
    }

    /// How the Luce factors were summed.
    public enum Route: Sendable, Equatable { case equalWeights, pairs, sums }

    /// r_w on one block (draft masses q, complements c and weights w of its tokens, in one order) and, if asked, the
    /// elasticities ∂ log r_w(x)/∂ log w_x at fixed rivals, clamped to [0.002, 1] as the other evaluators (1 where not
    /// asked). `route` forces a route (tests); by default equal weights, then pairs up to ``pairwiseLimit``, then sums.
    public static func law(
        draftMasses q: [Double], complements c: [Double], weights w: [Double], context: Context,
        elasticity wantElasticity: Bool = false, route forced: Route? = nil
    ) -> (law: [Double], elasticity: [Double], route: Route) {
        let m = q.count
        precondition(c.count == m && w.count == m)
        var law = [Double](repeating: 0, count: m), elasticity = [Double](repeating: 1, count: m)
        let active = (0..<m).filter { q[$0] > 0 && c[$0] > 0 }
        guard !active.isEmpty, context.total > 0 else { return (law, elasticity, forced ?? .equalWeights) }
        let qa = active.map { q[$0] }, ca = active.map { c[$0] }, wa = active.map { w[$0] }
        let odds = zip(qa, ca).map { $0 / $1 }
        let equal = wa.allSatisfy { $0 == wa[0] }
        let route = forced ?? (equal ? .equalWeights : active.count <= pairwiseLimit ? .pairs : .sums)
        // (competing, elastic): Σ_{y∈B∖x} (ρ_x q_y + o_y)·f and ·f(1 − f), f = w_x/(w_x + w_y)
        var sums: [(Double, Double)]
        switch route {
        case .equalWeights:
            precondition(equal, "the equal-weight route needs equal weights")
            sums = equalWeightSums(q: qa, c: ca, odds: odds)
        case .pairs:
            sums = active.indices.map { pairSums(of: $0, q: qa, c: ca, odds: odds, w: wa) }
        case .sums:
            sums = exponentialSums(q: qa, c: ca, odds: odds, w: wa)
        }
        for (i, x) in active.enumerated() {
            let (competing, elastic) = sums[i]
            let own = ca[i] > 0 ? context.laterMass / ca[i] + context.laterOdds : 0
            let bracket = own + competing
            law[x] = qa[i] / context.total * bracket
            if wantElasticity && bracket > 0 { elasticity[x] = min(1, max(0.002, elastic / bracket)) }
        }
        return (law, elasticity, route)
    }

    /// Equal weights: f = ½ for every pair, so (competing, elastic) = (½, ¼)·(ρ_x q(B ∖ x) + O(B ∖ x)), the sums over
    /// B ∖ x from compensated prefix and suffix sums (no subtraction).
    static func equalWeightSums(q: [Double], c: [Double], odds: [Double]) -> [(Double, Double)] {
        let m = q.count
        var suffixQ = [Double](repeating: 0, count: m + 1), suffixO = suffixQ
        var sq = 0.0, sqc = 0.0, so = 0.0, soc = 0.0
        for i in stride(from: m - 1, through: 0, by: -1) {
            compensatedAdd(&sq, &sqc, q[i])
            compensatedAdd(&so, &soc, odds[i])
            (suffixQ[i], suffixO[i]) = (sq, so)
        }
        var out = [(Double, Double)](repeating: (0, 0), count: m)
        var pq = 0.0, pqc = 0.0, po = 0.0, poc = 0.0
        for i in 0..<m {
            let rest = (pq + suffixQ[i + 1]) / c[i] + (po + suffixO[i + 1])
            out[i] = (0.5 * rest, 0.25 * rest)
            compensatedAdd(&pq, &pqc, q[i])
            compensatedAdd(&po, &poc, odds[i])
        }
        return out
    }

    /// The exact pair sums of token i: O(m).
    static func pairSums(of i: Int, q: [Double], c: [Double], odds: [Double], w: [Double]) -> (Double, Double) {
        let rho = 1 / c[i], wi = w[i]
        var competing = 0.0, elastic = 0.0
        for y in q.indices where y != i {
            let a = rho * q[y] + odds[y]
            let f = wi / (wi + w[y])
            competing += a * f
            elastic += a * (f * (1 - f))
        }
        return (competing, elastic)
    }

    /// The sums route: the s-integrals by forward and transposed exponential sums, the own term taken off.
    static func exponentialSums(q: [Double], c: [Double], odds: [Double], w: [Double]) -> [(Double, Double)] {
        let m = q.count
        let (s, h) = WithoutReplacementBlockLaw.sGrid(wMin: w.min()!, wMax: w.max()!, drafts: 2)
        // bins of 2δ = 0.02 in log w and terms below e^{−50} of their amplitude skipped, as the tail route
        // (``WithoutReplacementBlockLaw/tailIntegrals(env:q:w:threads:first:tolerance:massOrder:)``)
        let sums = ExponentialSums(rates: w, halfWidth: 0.01, terms: 18, cutoff: 50)
        let forward = sums.forward(
            momentSets: [sums.moments(amplitudes: odds), sums.moments(amplitudes: q)], times: s)
        let setO = zip(h, forward[0]).map { $0 * $1 }, setQ = zip(h, forward[1]).map { $0 * $1 }
        // Σ_h h_h (F_o + ρ_x F_q)(s_h) e^{−s_h w_x}, and with an extra factor s_h
        let rho = c.map { 1 / $0 }
        let t = sums.transposedSeries(coefficientSets: [setO, setQ], times: s, variable: rho, firstMoment: true)
        var out = [(Double, Double)](repeating: (0, 0), count: m)
        for x in 0..<m {
            // y = x contributes (o_x + ρ_x q_x)·½ = o_x to the sum and o_x/2 to the squared one
            let full = w[x] * t.zeroth[x], fullSquared = w[x] * w[x] * t.first![x]
            let competing = full - odds[x], squared = fullSquared - 0.5 * odds[x]
            // (the elastic part only preconditions the fit: a rounding below 0 is clamped, not resummed)
            out[x] =
                competing > 0.1 * full
                ? (competing, max(0, competing - squared)) : pairSums(of: x, q: q, c: c, odds: odds, w: w)
        }
        return out
    }
}
