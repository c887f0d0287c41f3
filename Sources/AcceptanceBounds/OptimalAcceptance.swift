import Foundation
import Distributions
import Solvers

/// alpha*, the best acceptance any lossless verifier can reach for target p and the given draft law, with a
/// certificate set H* such that p(H*) + 1 − Q(H*) = alpha*.
///
/// ```
/// alpha* = max_{couplings π of (draft law, p)} P_π[Y ∈ set(x)] = 1 + min_H [p(H) − Q(H)]
/// ```
///
/// Every size limit comes from `limits` (``Limits``; ``Limits/standard`` by default).
///
/// - `method: .lp` solves the set-level transport LP with GLPK (any law; sizes refused beyond
///   ``Limits/lpVariables``):
///   its interior-point method repaired to an exact maximum plan by default, or the simplex (`lpAlgorithm`);
///   `exact: true` confirms it with GLPK's rational simplex. The certificate is a minimum cut of the LP's flow,
///   cross-checked with the LP duals.
/// - `method: .dual` uses ``SubsetBound`` (prefix scan for iid / without replacement, closed form for greedy /
///   SpecHub) and refuses independent and explicit laws, for which no sort order is exact.
/// - `method: .flow` solves the same LP as a bipartite maximum flow in Swift (``OptimalTransportFlow``), with the
///   minimum cut as certificate; any law whose set law fits in ``Limits/flowArcs``.
/// - `method: .sfm` minimises the submodular F(H) = p(H) − Q(H) (``SubmodularMinimizer``), for independent drafts
///   at any V (the set law is never enumerated) and other laws while their set law fits; it returns only when
///   upper − lower ≤ `sfmTolerance` (for independent drafts the AM–GM dual of ``ProductDualBound`` proves the lower
///   value when it closes the gap, else a base-polytope point does), else throws
///   ``AcceptanceError/notCertified(lower:upper:iterations:)``.
/// - `method: .auto` takes `.dual` where it is exact; for independent drafts `.sfm` (the AM–GM dual, else the
///   minimum-norm point with contraction: milliseconds where the flow takes seconds), falling back to `.flow` when
///   its bracket stays open and the set law fits; for other laws `.flow` where the set law fits, `.sfm` otherwise.
///   ``alphaStarBracket(target:law:limits:)`` is the same routing without the error for an open
///   bracket.
/// - `method: .bruteForce` enumerates all 2^V subsets (V ≤ 20).
///
/// Sources: SpecTr (Sun et al., 2023, arXiv 2310.15141); Hu et al. (2025, arXiv 2502.18779).
public func optimalAcceptance(
    target p: Distribution, law: DraftLaw, method: BoundMethod = .auto, exact: Bool = false,
    limits: Limits = .standard, threads: Int = 1, sfmTolerance: Double = 1e-12, lpAlgorithm: LPAlgorithm = .interior
) throws -> AcceptanceBound {
    try law.requireVocabulary(of: p)
    let dualExact = law.kind.hasExactSortOrder
    switch method.resolved(for: law, limits: limits) {
    case .lp, .auto:
        let plan = try optimalCoupling(target: p, law: law, exact: exact, limits: limits, lpAlgorithm: lpAlgorithm)
        let best = plan.certificate(target: p, law: law)
        return AcceptanceBound(
            alpha: min(1, max(0, plan.acceptedMass)), method: .lp, certificate: best.set,
            target: p, law: law, status: plan.status, exactConfirmed: plan.exactConfirmed,
            lower: plan.acceptedMass, upper: best.value)
    case .flow:
        let solution = try OptimalTransportFlow.bound(target: p, law: law, maxArcs: limits.flowArcs)
        return AcceptanceBound(
            alpha: min(1, max(0, solution.lower)), method: .flow, certificate: solution.cut,
            target: p, law: law, status: .optimal, exactConfirmed: false,
            lower: solution.lower, upper: solution.upper, iterations: solution.phases)
    case .sfm:
        // `.auto` may fall back to the flow when the bracket stays open; an explicit `.sfm` never does.
        let bound = try submodularBracket(
            target: p, law: law, tolerance: sfmTolerance, limits: limits, flowFallback: method == .auto)
        if isClosed(bound, tolerance: sfmTolerance) { return bound }
        throw AcceptanceError.notCertified(lower: bound.lower, upper: bound.upper, iterations: bound.iterations)
    case .dual:
        guard dualExact else { throw AcceptanceError.methodNotExact(method: "dual", law: law.name) }
        let result: SubsetBound.Result
        switch law.kind {
        case .iid(let q): result = SubsetBound.prefixIID(target: p, draft: q, drafts: law.drafts)
        case .withoutReplacement(let q):
            result = SubsetBound.prefixWithoutReplacement(target: p, draft: q, drafts: law.drafts, threads: threads)
        case .greedy(let q), .specHub(let q):
            result = SubsetBound.greedyClosedForm(target: p, draft: q, top: law.deterministicTokens)
        default: fatalError("unreachable: dualExact checked above")
        }
        return AcceptanceBound(
            alpha: result.alpha, method: .dual, certificate: result.minimizer,
            target: p, law: law, status: nil, exactConfirmed: false)
    case .bruteForce:
        let result = try SubsetBound.bruteForce(target: p, law: law)
        return AcceptanceBound(
            alpha: result.alpha, method: .bruteForce, certificate: result.minimizer,
            target: p, law: law, status: nil, exactConfirmed: false)
    }
}

/// alpha* by submodular minimisation with its bracket, open or closed (``SubsetObjective/certifiedMinimum(tolerance:maxIterations:)``).
func submodularBound(
    target p: Distribution, law: DraftLaw, tolerance: Double, maxIterations: Int,
    maxSetArcs: Int
) throws -> AcceptanceBound {
    let objective = try SubsetObjective(target: p, law: law, maxSetArcs: maxSetArcs)
    let result = objective.certifiedMinimum(tolerance: tolerance, maxIterations: maxIterations)
    let upper = subsetBoundValue(target: p, law: law, set: result.minimizer)
    return AcceptanceBound(
        alpha: min(1, max(0, upper)), method: .sfm, certificate: result.minimizer, target: p,
        law: law, status: nil, exactConfirmed: false, lower: 1 + result.lower, upper: upper,
        iterations: result.iterations)
}

/// Whether a bracket is closed: `upper` re-evaluates F(H) from the law instead of the running sum that stopped the
/// iteration; the two differ by rounding only (a few ulps of 1), which is all the slack allowed.
func isClosed(_ bound: AcceptanceBound, tolerance: Double) -> Bool {
    bound.upper - bound.lower <= tolerance + 16 * Double.ulpOfOne
}

/// The submodular bracket after ``Limits/sfmIterations``, then (with `flowFallback`) the exact flow when the bracket
/// stays open and the draft-set graph fits in ``Limits/flowArcs``.
func submodularBracket(
    target p: Distribution, law: DraftLaw, tolerance: Double, limits: Limits, flowFallback: Bool
) throws -> AcceptanceBound {
    let bound = try submodularBound(
        target: p, law: law, tolerance: tolerance, maxIterations: limits.sfmIterations,
        maxSetArcs: limits.flowArcs)
    if !isClosed(bound, tolerance: tolerance), flowFallback,
        OptimalTransportLP.estimatedSize(of: law).variables <= Double(limits.flowArcs)
    {
        return try optimalAcceptance(target: p, law: law, method: .flow, limits: limits)
    }
    return bound
}

/// alpha* by the routing of `optimalAcceptance(method: .auto)`, the one routing the command line, `batch` and the
/// experiments share, except that a bracket submodular minimisation leaves open (and the flow cannot close) is
/// returned rather than thrown: its `lower` and `upper` stay proven bounds.
public func alphaStarBracket(
    target p: Distribution, law: DraftLaw, limits: Limits = .standard
) throws -> AcceptanceBound {
    guard BoundMethod.auto.resolved(for: law, limits: limits) == .sfm else {
        return try optimalAcceptance(target: p, law: law, method: .auto, limits: limits)
    }
    return try submodularBracket(target: p, law: law, tolerance: 1e-12, limits: limits, flowFallback: true)
}

extension BoundMethod {
    /// The first route `optimalAcceptance` takes: `.auto` becomes `.dual` where a sort order is exact, `.sfm` for
    /// independent drafts (with the flow as fallback while the draft-set graph fits in ``Limits/flowArcs``), `.flow`
    /// for other laws whose draft-set graph fits, `.sfm` beyond; every other method is itself.
    public func resolved(for law: DraftLaw, limits: Limits = .standard) -> BoundMethod {
        guard self == .auto else { return self }
        if law.kind.hasExactSortOrder { return .dual }
        if case .independent = law.kind { return .sfm }
        return OptimalTransportLP.estimatedSize(of: law).variables <= Double(limits.flowArcs) ? .flow : .sfm
    }
}

extension DraftLaw.Kind {
    /// Whether one sort order of the tokens is exact for the subset formula (every law but independent and explicit).
    var hasExactSortOrder: Bool {
        switch self {
        case .independent, .explicit: return false
        default: return true
        }
    }
}

/// Which solver computes an optimal transport plan.
public enum CouplingSolver: String, Sendable, CaseIterable {
    /// GLPK's simplex on the set-level LP (``OptimalTransportLP``); `exact` confirms it in rational arithmetic.
    case lp
    /// Dinic's maximum flow on the same network (``OptimalTransportFlow``): far faster, min cut as certificate.
    case flow
}

/// The optimal transport plan (the witness of alpha*): the set-level LP solved by GLPK (`solver: .lp`, refused
/// beyond ``Limits/lpVariables``) or as a maximum flow (`solver: .flow`, refused beyond ``Limits/flowArcs``),
/// repaired to exact feasibility and verified against its certificate. The value function beside it is
/// ``optimalAcceptance(target:law:method:exact:limits:threads:sfmTolerance:lpAlgorithm:)``.
public func optimalCoupling(
    target p: Distribution, law: DraftLaw, exact: Bool = false, limits: Limits = .standard,
    solver: CouplingSolver = .lp, lpAlgorithm: LPAlgorithm = .interior
) throws -> TransportPlan {
    switch solver {
    case .lp:
        return try OptimalTransportLP.solve(
            target: p, law: law, exact: exact, maxVariables: limits.lpVariables, algorithm: lpAlgorithm)
    case .flow: return try OptimalTransportFlow.solve(target: p, law: law, maxArcs: limits.flowArcs).plan
    }
}
