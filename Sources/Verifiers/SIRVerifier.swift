import MultidraftSupport
import Distributions
import ImportanceSampling

/// Plain sampling-importance-resampling selection followed by speculative sampling against the induced law p_I
/// (`sir`): Khisti et al.'s two-step scheme with SIR weights. For n > 2 the selection is a pairwise tournament.
///
/// ```
/// stage laws:  r₁ = q₁;  for k = 2..n, the pair (W_{k−1} ~ r_{k−1}, X_k ~ q_k) keeps W with probability
///              w(a, b) = ω(a) / (ω(a) + ω'(b)),  ω = p / r_{k−1},  ω' = p / q_k   (1/2 if both are 0; a = b forced)
///              r_k(y) = r_{k−1}(y)[q_k(y) + Σ_{b≠y} q_k(b) w(y, b)] + q_k(y) Σ_{a≠y} r_{k−1}(a)(1 − w(a, y))
/// p_I = r_n;   accept the winner W iff U·p_I(W) ≤ p(W),  else Y ~ norm((p − p_I)_+)
/// coin acceptance = Σ_y min(p(y), p_I(y))  ≤  membership acceptance  ≤ alpha*
/// ```
///
/// Lossless for any weights because step 2 is speculative sampling with the exact law p_I of the selected token,
/// and W_{k−1} depends only on X₁..X_k, so it is independent of X_{k+1}. For n = 2 this is exactly plain SIR
/// between the two drafts; for n > 2 it is the pairwise tournament of SIR selections (verifiers.md §7.5–7.6),
/// not the O(Vⁿ) n-way SIR. Membership acceptance has no closed form here (``exactAcceptance`` is nil); the coin
/// acceptance does (``coinAcceptance``).
///
/// Valid laws: i.i.d. and independent.
///
/// - Complexity: O((n−1)·s²) to build (s = support size; refused beyond ``maxPairEvaluations``), O(n) per
///   verification.
///
/// Source: Khisti, Ebrahimi, Dbouk, Behboodi, Lee, Hua, "Multi-Draft Speculative Sampling: Canonical Decomposition
/// and Theoretical Limits" (2024, arXiv 2410.18234).
public struct SIRVerifier: Verifier {
    public let name = "sir"
    public let target: Distribution
    public let law: DraftLaw
    /// The default limit on (n − 1)·s² pair evaluations while building the stage laws.
    public static let maxPairEvaluations = 6_000_000_000.0
    /// q_k per draft position.
    public let drafts: [Distribution]
    /// stageLaws[k] = r_{k+1}: the law of the winner after draft k (stageLaws[0] = q₁, last = p_I).
    @usableFromInline let stageLaws: [[Double]]
    /// p_I, the law of the selected token.
    public var intermediate: [Double] { stageLaws[stageLaws.count - 1] }
    /// norm((p − p_I)_+).
    public let residual: ResidualLaw
    /// Σ min(p, p_I).
    public let coinAcceptance: Double
    /// ω for the incumbent at stage k (p / r_k), and ω' for the challenger (p / q_{k+1}).
    @usableFromInline let incumbentWeight: [[Double]]
    @usableFromInline let challengerWeight: [[Double]]

    public init(
        target p: Distribution, law: DraftLaw, maxPairEvaluations: Double = SIRVerifier.maxPairEvaluations
    ) throws {
        try VerifierError.requireSameVocabulary(p, law)
        let qs: [Distribution]
        switch law.kind {
        case .iid(let q): qs = [Distribution](repeating: q, count: law.drafts)
        case .independent(let list): qs = list
        default: throw VerifierError.unsupportedLaw(verifier: "sir", law: law.name, supported: ["iid", "independent"])
        }
        let work = qs.dropFirst().reduce(0.0) { $0 + Double($1.supportSize) * Double(p.vocabularySize) }
        guard work <= maxPairEvaluations else {
            throw VerifierError.tooLarge(
                verifier: "sir",
                detail:
                    "building p_I needs about \(Int(work)) pair evaluations (limit \(Int(maxPairEvaluations))); use fewer drafts or a smaller vocabulary"
            )
        }
        func weights(_ r: [Double]) -> [Double] { SIRStage.importanceWeights(target: p.probabilities, law: r) }
        var laws = [qs[0].probabilities]
        var incumbent: [[Double]] = [], challenger: [[Double]] = []
        for k in 1..<max(1, qs.count) {
            let r = laws[k - 1], q = qs[k].probabilities
            let wA = weights(r), wB = weights(q)
            incumbent.append(wA); challenger.append(wB)
            laws.append(SIRStage.winnerLaw(r, q, wA, wB))
        }
        let pI = laws[laws.count - 1]
        self.target = p
        self.law = law
        self.drafts = qs
        self.stageLaws = laws
        self.incumbentWeight = incumbent
        self.challengerWeight = challenger
        self.residual = ResidualLaw(weights: positivePart(p.probabilities, minus: pI).values, fallback: p.probabilities)
        self.coinAcceptance = zip(p.probabilities, pI).reduce(0) { $0 + min($1.0, $1.1) }
    }

    @inlinable
    public func verify(_ x: [Int], using rng: inout some RandomNumberGenerator) -> VerificationOutcome {
        var winner = 0
        for k in 1..<max(1, x.count) {
            let a = x[winner], b = x[k]
            if a == b { continue }
            let wa = incumbentWeight[k - 1][a], wb = challengerWeight[k - 1][b]
            let s = wa + wb
            let keepIt = s > 0 ? rng.nextUniform() * s < wa : rng.nextUniform() < 0.5
            if !keepIt { winner = k }
        }
        let y = x[winner]
        if acceptTest(target[y], intermediate[y], using: &rng) {
            return VerificationOutcome(token: y, acceptedDraft: winner)
        }
        return VerificationOutcome(token: residual.sample(using: &rng), acceptedDraft: nil)
    }

    public func conditionalOutcome(given x: [Int]) -> ConditionalOutcome? {
        var winner = [Double](repeating: 0, count: x.count)
        winner[0] = 1
        for k in 1..<max(1, x.count) {
            for j in 0..<k where winner[j] > 0 {
                let a = x[j], b = x[k]
                if a == b { continue }
                let stay = SIRStage.keep(incumbentWeight[k - 1][a], challengerWeight[k - 1][b])
                winner[k] += winner[j] * (1 - stay)
                winner[j] *= stay
            }
        }
        var out = ConditionalOutcome(outputLaw: [Double](repeating: 0, count: target.vocabularySize), coinAcceptance: 0)
        var rejected = 0.0
        for j in x.indices where winner[j] > 0 {
            let a = acceptProbability(target[x[j]], intermediate[x[j]])
            out.outputLaw[x[j]] += winner[j] * a
            out.coinAcceptance += winner[j] * a
            rejected += winner[j] * (1 - a)
        }
        out.addResidual(residual.probabilities, weight: rejected)
        return out
    }
}
