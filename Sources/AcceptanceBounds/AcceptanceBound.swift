import Distributions
import Foundation
import Solvers

/// The optimal acceptance alpha* of a target p and draft law, with the certificate that proves it.
///
/// ```
/// alpha* = 1 + min_H [p(H) − Q(H)] = p(H*) + 1 − Q(H*)
/// ```
public struct AcceptanceBound: Sendable {
    /// alpha*, in [0, 1].
    public let alpha: Double
    /// The route that produced `alpha` (never `.auto`).
    public let method: BoundMethod
    /// A minimising set H* (increasing token indices): p(H*) + 1 − Q(H*) = alpha*.
    public let certificate: [Int]
    /// The target and law the bound was computed for.
    public let target: Distribution
    public let law: DraftLaw
    /// p(H*) + 1 − Q(H*), evaluated independently from the law's Q (on demand: for without-replacement drafts
    /// this is one more exponential-race integral); equals `alpha` up to round-off.
    public var certificateValue: Double { subsetBoundValue(target: target, law: law, set: certificate) }
    /// The LP status (`.optimal`) for LP solutions, nil otherwise.
    public let status: LPStatus?
    /// For `--exact`: whether GLPK's rational simplex confirmed the optimum.
    public let exactConfirmed: Bool
    /// A proven lower bound on alpha*: the accepted mass of an exactly feasible plan (lp, flow), 1 + Σ min(0, x) of
    /// a base-polytope point or 1 + the AM–GM dual scan of ``ProductDualBound`` (sfm); equal to `alpha` for the
    /// closed forms and enumeration (exact by theorem).
    public let lower: Double
    /// A proven upper bound: p(H) + 1 − Q(H) of the certificate set (every H gives one).
    public let upper: Double
    /// Iterations of the route (simplex iterations are not counted; Dinic phases for flow, major iterations for sfm).
    public let iterations: Int

    public init(
        alpha: Double, method: BoundMethod, certificate: [Int], target: Distribution, law: DraftLaw,
        status: LPStatus?, exactConfirmed: Bool, lower: Double? = nil, upper: Double? = nil,
        iterations: Int = 0
    ) {
        self.alpha = alpha
        self.method = method
        self.certificate = certificate
        self.target = target
        self.law = law
        self.status = status
        self.exactConfirmed = exactConfirmed
        self.lower = lower ?? alpha
        self.upper = upper ?? alpha
        self.iterations = iterations
    }
}

extension AcceptanceBound {
    /// Whether alpha* = 1 (within `tolerance`); if not, the certificate H has p(H) < Q(H), which proves it
    /// (Khisti et al.'s two-draft condition p(S) ≥ q(S)², generalised to any law: alpha* = 1 ⇔ p(H) ≥ Q(H) ∀H).
    public func acceptanceOneCheck(tolerance: Double = 1e-12) -> (isOne: Bool, violatingSet: [Int]?) {
        alpha >= 1 - tolerance ? (true, nil) : (false, certificate)
    }
}

/// p(H) + 1 − Q(H) for a token list: the value of the subset formula at H (an upper bound on alpha* for every H).
public func subsetBoundValue(target p: Distribution, law: DraftLaw, set tokens: [Int]) -> Double {
    var mask = [Bool](repeating: false, count: p.vocabularySize)
    for t in tokens { mask[t] = true }
    let all = mask.allSatisfy { $0 }
    if tokens.isEmpty || all { return 1 }
    let pH = p.splitMass(ofMask: mask).inside
    switch law.kind {
    case .iid(let q): // 1 − q(H)ⁿ from q(Σ ∖ H), accurate for huge n (see massPower)
        let split = q.splitMass(ofMask: mask)
        return pH + complementOfMassPower(inside: split.inside, outside: split.outside, law.drafts)
    case .independent(let qs) where qs.allSatisfy({ $0.splitMass(ofMask: mask).outside < 0.5 }):
        let logQ = qs.reduce(0.0) { $0 + log1p(-$1.splitMass(ofMask: mask).outside) }
        return pH + -expm1(logQ)
    default:
        return pH + (1 - law.subsetMass(ofMask: mask))
    }
}
