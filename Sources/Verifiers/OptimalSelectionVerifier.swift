import OptimalVerifier
import Distributions
import MultidraftSupport
import AcceptanceBounds
import ImportanceSampling

/// The optimal verifier at any vocabulary size (`optimal` for i.i.d. and without-replacement drafts): the canonical
/// two-step scheme with the optimal selection law realised by block priority and fitted Luce weights
/// (``RealisedOptimalSelection``; <doc:Theory#Optimal-verifier>).
///
/// ```
/// 1. select Z among the drafts of the earliest hull block that holds one, with probability ∝ w(Z)   (law r_w)
/// 2. output Z if U·r_w(Z) ≤ p(Z), else Y ~ norm((p − r_w)_+)
/// coin acceptance = Σ min(p, r_w) = alpha* − certifiedGap
/// ```
///
/// Lossless for any weights, because step 2 uses the law r_w the rule induces [proven]. Membership acceptance lies in
/// [coin acceptance, alpha*], an interval of width ``certifiedGap``; when the gap is 0 the residual is supported on
/// the under-supplied blocks, which no later-block selection can have drafted, so membership = coin exactly.
/// ``exactAcceptance`` reports the coin acceptance.
///
/// - Complexity: setup = the dual scan's order and prefix values, the hull (O(V)), and the fit: per iteration
///   O(|B|·G) exponentials per block with more than one token (i.i.d.); without replacement, an enumeration of the
///   tuple law (small V) or the race quadrature (O(|B|·n·G_τ·G_s) per iteration, less on large blocks through the
///   tail expansion of ``WithoutReplacementBlockLaw``). Verification O(n): one block lookup per draft, a Luce draw, one coin, and an
///   O(1) alias draw on rejection.
///
/// Sources: Khisti et al., "Multi-Draft Speculative Sampling: Canonical Architectures and Theoretical Limits"
/// (2025, arXiv 2410.18234) for the two-step scheme; Fujishige (1980) for the lexicographically optimal base.
public struct OptimalSelectionVerifier: Verifier {
    public let name = "optimal"
    public let target: Distribution
    public let law: DraftLaw
    /// r*, the rule, r_w and the certified gap.
    public let selection: RealisedOptimalSelection
    /// Step 2: speculative sampling of Z against p with draft law r_w.
    public let step: SpeculativeStep

    public init(target p: Distribution, law: DraftLaw) throws {
        try self.init(target: p, law: law, threads: 1)
    }

    /// Builds r*, fits the weights and precomputes the residual's alias table; `threads` parallelises the setup
    /// (the result does not depend on it). `enumerateWithoutReplacement: false` makes without-replacement drafts take
    /// the race quadrature even where their tuple law is small (for tests of that route against enumeration).
    public init(
        target p: Distribution, law: DraftLaw, threads: Int,
        maxIterations: Int = RealisedOptimalSelection.defaultMaxIterations,
        enumerateWithoutReplacement: Bool = true
    ) throws {
        try VerifierError.requireSameVocabulary(p, law)
        switch law.kind {
        case .iid, .withoutReplacement: break
        default:
            throw VerifierError.unsupportedLaw(
                verifier: "optimal", law: law.name, supported: ["iid", "without-replacement"])
        }
        // Built into a local first: no stored property is set before the last point that can throw.
        let selection: RealisedOptimalSelection
        do {
            selection = try RealisedOptimalSelection(
                target: p, law: law, maxIterations: maxIterations, threads: threads,
                enumerateWithoutReplacement: enumerateWithoutReplacement)
        } catch let error as ImportanceSamplingError {
            throw VerifierError.tooLarge(verifier: "optimal", detail: error.description)
        }
        self.selection = selection
        self.target = p
        self.law = law
        self.step = SpeculativeStep(target: p, draft: selection.realisedLaw)
    }

    /// alpha* − Σ min(p, r_w).
    public var certifiedGap: Double { selection.certifiedGap }

    /// The coin acceptance Σ min(p, r_w) (equal to the membership acceptance when the gap is 0).
    public var exactAcceptance: Double? { selection.coinAcceptance }

    @inlinable
    public func verify(_ drafts: [Int], using rng: inout some RandomNumberGenerator) -> VerificationOutcome {
        let i = selection.rule.selectPosition(drafts, using: &rng)
        let z = drafts[i]
        if step.accepts(z, using: &rng) { return VerificationOutcome(token: z, acceptedDraft: i) }
        return VerificationOutcome(token: step.sampleResidual(using: &rng), acceptedDraft: nil)
    }

    /// P(Y = · ∣ x) = Σᵢ βᵢ(x) [a(xᵢ) δ_{xᵢ} + (1 − a(xᵢ)) res],  a(y) = min(1, p(y)/r_w(y)).
    public func conditionalOutcome(given drafts: [Int]) -> ConditionalOutcome? {
        let (law, coin) = step.outputLaw(selecting: selection.rule.positionWeights(for: drafts), from: drafts)
        return ConditionalOutcome(outputLaw: law, coinAcceptance: coin)
    }
}
