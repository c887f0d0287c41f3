import Distributions

/// alpha*, the best acceptance any lossless verifier can reach for target p and the given draft law, with a
/// certificate set H* such that p(H*) + 1 − Q(H*) = alpha*.
///
/// ```
/// alpha* = max_{couplings π of (draft law, p)} P_π[Y ∈ set(x)] = 1 + min_H [p(H) − Q(H)]
/// ```
///
/// - `method: .lp` solves the set-level transport LP with GLPK (any law; sizes refused beyond `maxLPVariables`);
///   `exact: true` confirms it with GLPK's rational simplex. The certificate is a minimum cut of the LP's flow,
///   cross-checked with the LP duals.
/// - `method: .dual` uses ``SubsetBound`` (prefix scan for iid / without replacement, closed form for greedy /
///   SpecHub) and refuses independent and explicit laws, for which no sort order is exact.
/// - `method: .auto` takes `.dual` where it is exact and `.lp` otherwise.
/// - `method: .bruteForce` enumerates all 2^V subsets (V ≤ 20).
///
/// Sources: SpecTr (Sun et al., 2023, arXiv 2310.15141); Hu et al. (2025, arXiv 2502.18779).
public func optimalAcceptance(
    target p: Distribution, law: DraftLaw, method: BoundMethod = .auto, exact: Bool = false,
    maxLPVariables: Int = OptimalTransportLP.defaultMaxVariables, threads: Int = 1
) throws -> AcceptanceBound {
    try law.requireVocabulary(of: p)
    let dualExact: Bool
    switch law.kind {
    case .independent, .explicit: dualExact = false
    default: dualExact = true
    }
    let resolved: BoundMethod = method == .auto ? (dualExact ? .dual : .lp) : method
    switch resolved {
    case .lp, .auto:
        let plan = try optimalCoupling(target: p, law: law, exact: exact, maxLPVariables: maxLPVariables)
        let best = plan.certificate(target: p, law: law)
        return AcceptanceBound(alpha: min(1, max(0, plan.acceptedMass)), method: .lp, certificate: best.set,
                               target: p, law: law, status: plan.status, exactConfirmed: plan.exactConfirmed)
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
        return AcceptanceBound(alpha: result.alpha, method: .dual, certificate: result.minimizer,
                               target: p, law: law, status: nil, exactConfirmed: false)
    case .bruteForce:
        let result = try SubsetBound.bruteForce(target: p, law: law)
        return AcceptanceBound(alpha: result.alpha, method: .bruteForce, certificate: result.minimizer,
                               target: p, law: law, status: nil, exactConfirmed: false)
    }
}

/// The optimal transport plan (the witness of alpha*): the set-level LP solved by GLPK and repaired to exact
/// feasibility. See ``OptimalTransportLP``.
public func optimalCoupling(
    target p: Distribution, law: DraftLaw, exact: Bool = false,
    maxLPVariables: Int = OptimalTransportLP.defaultMaxVariables
) throws -> TransportPlan {
    try OptimalTransportLP.solve(target: p, law: law, exact: exact, maxVariables: maxLPVariables)
}
