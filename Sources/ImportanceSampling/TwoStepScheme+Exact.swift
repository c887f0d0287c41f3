import Distributions

/// Exact evaluation of a two-step scheme by enumerating the draft tuples (Khisti et al., arXiv 2410.18234;
/// <doc:Theory#Two-step-importance-sampling-schemes>).
///
/// With a(y) = min(1, p(y)/p_I(y)) the accept probability and res = norm((p − p_I)_+):
///
/// ```
/// P(Y = y)        = Σ_x P(x) Σᵢ βᵢ(x) [ a(xᵢ) 1[y = xᵢ] + (1 − a(xᵢ)) res(y) ]              (= p(y) for any β)
/// P(Y ∈ set(x))   = Σ_y min(p, p_I) + Σ_x P(x) Σᵢ βᵢ(x) (1 − a(xᵢ)) res(set(x))           (membership)
/// P(Y' = y)       = Σ_x P(x) β_y(x)                                                       (= p_I(y))
/// ```
///
/// For K = 2 this is the paper-style formula of §7.1 at cost O(V²). In general the cost is O(Π|supp qᵢ|·K²);
/// enumeration is refused beyond `maxTuples`.
public struct TwoStepExactResult: Sendable {
    /// P(Y = y) for every token; equals p up to round-off (losslessness).
    public let outputLaw: [Double]
    /// P(Y ∈ set(x)).
    public let membershipAcceptance: Double
    /// P(the selected draft passes the accept test), by enumeration; equals Σ min(p, p_I).
    public let coinAcceptance: Double
    /// The law of the selected token Y', by enumeration; equals the scheme's p_I.
    public let selectionLaw: [Double]
}

extension TwoStepScheme {
    /// Default enumeration limit: 4·10⁶ tuples.
    public static let defaultMaxTuples = 4_000_000

    /// Exact output law, membership and coin acceptance by enumeration. Throws
    /// ``ImportanceSamplingError/enumerationTooLarge(tuples:limit:)`` beyond `maxTuples`.
    public func exact(maxTuples: Int = TwoStepScheme.defaultMaxTuples) throws -> TwoStepExactResult {
        let tuples = TupleEnumeration.count(drafts)
        guard tuples <= Double(maxTuples) else {
            throw ImportanceSamplingError.enumerationTooLarge(tuples: tuples, limit: maxTuples)
        }
        let v = target.vocabularySize
        var accepted = [Double](repeating: 0, count: v)
        var selection = [Double](repeating: 0, count: v)
        var rejected = 0.0, residualHits = 0.0
        let residual = step.residual
        let acceptProbability = (0..<v).map { step.acceptProbability($0) }
        var seen: [Int] = []
        TupleEnumeration.forEach(drafts) { tuple, mass in
            let weights = rule.positionWeights(for: tuple)
            // res(set(x)) over the distinct tokens of the tuple.
            seen.removeAll(keepingCapacity: true)
            var residualOnSet = 0.0
            for x in tuple where !seen.contains(x) { seen.append(x); residualOnSet += residual[x] }
            for (i, w) in weights.enumerated() where w > 0 {
                let y = tuple[i], m = mass * w
                selection[y] += m
                let a = acceptProbability[y]
                accepted[y] += m * a
                rejected += m * (1 - a)
                residualHits += m * (1 - a) * residualOnSet
            }
        }
        var coin = 0.0
        for y in 0..<v { coin += accepted[y] }
        let law = (0..<v).map { accepted[$0] + rejected * residual[$0] }
        return TwoStepExactResult(
            outputLaw: law, membershipAcceptance: coin + residualHits, coinAcceptance: coin,
            selectionLaw: selection)
    }

    /// Exact membership acceptance P(Y ∈ set(x)) (see ``exact(maxTuples:)``).
    public func membershipAcceptance(maxTuples: Int = TwoStepScheme.defaultMaxTuples) throws -> Double {
        try exact(maxTuples: maxTuples).membershipAcceptance
    }
}
