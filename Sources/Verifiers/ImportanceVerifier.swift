import ImportanceSampling
import Distributions

/// Khisti et al.'s canonical two-step importance-sampling verifier (`importance`): an optimised selection of one
/// intermediate token, then single-draft speculative sampling against its law p_I (Khisti, Ebrahimi, Dbouk,
/// Behboodi, Memisevic, Louizos, "Multi-Draft Speculative Sampling: Canonical Architectures and Theoretical
/// Limits", 2024/2025, arXiv 2410.18234; <doc:Theory#Two-step-importance-sampling-schemes>). Built on ``TwoStepScheme``.
///
/// ```
/// scheme optimal (default for i.i.d. drafts): the optimal selection law, block priority + fitted Luce weights, any V
/// scheme lp (default for independent drafts):
/// n = 2:  weights of the K = 2 weight LP (GLPK), or of the truncated LP with parameter s   [reconstructed]
/// n > 2:  pairwise tournament, stage k solves the pair LP for (r_{k−1}, q_{k+1})            [reconstructed]
/// n = 1:  single-draft speculative sampling (p_I = q)
/// accept the selected token y iff U·p_I(y) ≤ p(y), else Y ~ norm((p − p_I)_+)
/// lowerBound = Σ_y min(p(y), p_I(y)) = coin acceptance ≤ membership acceptance ≤ alpha*
/// ```
///
/// `truncate: nil` uses the full LP, and refuses (``VerifierError/tooLarge(verifier:detail:)``) when a stage would have
/// more than ``maxFullLPPairs`` pair variables (V ≳ 140 for dense drafts): pass a truncation s explicitly there. The
/// verifier does not switch to a truncated LP silently, because small s can fall far below single-draft sampling
/// (measured: s = 15 gives acceptance 0.59 where K-SEQ gives 0.94, V = 32,000, n = 4). At n = 2 with the full LP the
/// scheme is optimal: membership = coin = alpha* (to the LP tolerance, about 1e-9 at V ≤ 200).
///
/// ``exactAcceptance`` is the exact membership acceptance by enumerating the Π|supp qᵢ| tuples when there are at
/// most ``maxExactTuples`` of them (O(V²) at n = 2), nil otherwise; ``lowerBound`` is always available.
///
/// Valid laws: i.i.d. and independent. Complexity: building = n − 1 LPs (plus enumeration for the exact value);
/// O(n) per verification.
public struct ImportanceVerifier: Verifier {
    public let name = "importance"
    public let target: Distribution
    public let law: DraftLaw
    /// The underlying two-step scheme (rule, p_I, residual).
    public let twoStep: TwoStepScheme
    /// Which weights were used.
    public let scheme: Scheme
    /// alpha* − coin acceptance for the `optimal` scheme (nil for `lp`).
    public let certifiedGap: Double?
    /// s of the truncated LP, nil for the full weight LP (also nil at n = 1).
    public let truncation: Int?
    /// Σ_y min(p(y), p_I(y)): the coin acceptance, a lower bound on the membership acceptance.
    public let lowerBound: Double
    public let exactAcceptance: Double?

    /// Largest number of pair variables per stage for which `truncate: nil` uses the full LP.
    public static let maxFullLPPairs = 20_000
    /// Largest tuple count for which ``exactAcceptance`` is computed.
    public static let maxExactTuples = 1_000_000

    /// How the selection weights are chosen.
    public enum Scheme: String, Sendable, CaseIterable {
        /// The optimal selection law, realised by block priority + fitted Luce weights (identical drafts, any V).
        case optimal
        /// Khisti et al.'s K = 2 weight LP (truncated LP with `truncate`), pairwise tournament for K > 2.
        case lp
    }

    /// The scheme used when none is asked for: `optimal` for i.i.d. drafts without a truncation, else `lp`.
    public static func defaultScheme(for law: DraftLaw, truncate: Int?) -> Scheme {
        if case .iid = law.kind, truncate == nil { return .optimal }
        return .lp
    }

    /// Builds the verifier; `truncate` (1…V) selects the truncated LP for every stage (scheme `lp` only).
    public init(target p: Distribution, law: DraftLaw, truncate: Int? = nil, scheme: Scheme? = nil) throws {
        try VerifierError.requireSameVocabulary(p, law)
        let qs: [Distribution]
        switch law.kind {
        case .iid(let q): qs = [Distribution](repeating: q, count: law.drafts)
        case .independent(let list): qs = list
        default:
            throw VerifierError.unsupportedLaw(verifier: "importance", law: law.name, supported: ["iid", "independent"])
        }
        let v = p.vocabularySize
        if let s = truncate, s < 1 || s > v {
            throw VerifierError.invalidParameter(
                verifier: "importance", detail: "truncation s = \(s) is outside 1...\(v)")
        }
        let chosen = scheme ?? Self.defaultScheme(for: law, truncate: truncate)
        if chosen == .optimal {
            guard case .iid = law.kind else {
                throw VerifierError.unsupportedLaw(
                    verifier: "importance (optimal scheme)", law: law.name, supported: ["iid"])
            }
            guard truncate == nil else {
                throw VerifierError.invalidParameter(
                    verifier: "importance", detail: "a truncation applies to the LP scheme only",
                    suggesting: [.truncate, .scheme])
            }
        }
        self.scheme = chosen
        var gap: Double? = nil
        do {
            if chosen == .optimal {
                let built = try TwoStepScheme.optimalSelection(target: p, drafts: qs)
                twoStep = built.scheme
                gap = built.selection.certifiedGap
                truncation = nil
            } else if qs.count == 1 {
                twoStep = try TwoStepScheme(target: p, drafts: qs, rule: SoleDraftSelection(vocabularySize: v))
                truncation = nil
            } else {
                let pairs = Double(v) * Double(qs.map(\.supportSize).max()!)
                if truncate == nil && pairs > Double(Self.maxFullLPPairs) {
                    throw VerifierError.tooLarge(
                        verifier: "importance",
                        detail: String(
                            format:
                                "the full weight LP needs about %.3g pair variables per stage (limit %d); choose a truncation s",
                            pairs, Self.maxFullLPPairs), suggesting: [.truncate])
                }
                let s = truncate
                twoStep = try TwoStepScheme.tournament(
                    target: p, drafts: qs, method: s.map { .truncatedLP($0) } ?? .weightLP)
                truncation = s
            }
        } catch let error as ImportanceSamplingError {
            throw VerifierError.schemeFailed(verifier: "importance", cause: error)
        }
        self.target = p
        self.law = law
        self.certifiedGap = gap
        self.lowerBound = twoStep.coinAcceptance
        // Exact membership by enumeration where the tuples are few; otherwise, for the optimal scheme, the exact coin
        // acceptance: membership lies in [coin, alpha*], an interval of width certifiedGap (and equals coin when the
        // gap is 0, the residual then living on blocks no later selection can have drafted).
        self.exactAcceptance =
            (try? twoStep.membershipAcceptance(maxTuples: Self.maxExactTuples))
            ?? (gap != nil ? twoStep.coinAcceptance : nil)
    }

    public init(target p: Distribution, law: DraftLaw) throws {
        try self.init(target: p, law: law, truncate: nil)
    }

    /// p_I, the law of the selected token.
    public var intermediate: [Double] { twoStep.intermediate }

    public func verify(_ drafts: [Int], using rng: inout some RandomNumberGenerator) -> VerificationOutcome {
        let outcome = twoStep.verify(drafts, using: &rng)
        return VerificationOutcome(token: outcome.token, acceptedDraft: outcome.acceptedDraft)
    }

    /// P(Y = · ∣ x) = Σᵢ βᵢ(x) [a(xᵢ) δ_{xᵢ} + (1 − a(xᵢ)) res],  coin = Σᵢ βᵢ(x) a(xᵢ),  a(y) = min(1, p(y)/p_I(y)).
    public func conditionalOutcome(given drafts: [Int]) -> ConditionalOutcome? {
        let (law, coin) = twoStep.step.outputLaw(selecting: twoStep.rule.positionWeights(for: drafts), from: drafts)
        return ConditionalOutcome(outputLaw: law, coinAcceptance: coin)
    }
}
