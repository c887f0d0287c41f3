import Distributions
import Solvers

/// The relaxed optimal-transport LP over draft sets (SpecTr; <doc:Theory#Optimal-acceptance>):
///
/// ```
/// maximise   Σ_S Σ_{j∈S} z(S, j)
/// subject to Σ_{j∈S} z(S, j) ≤ Q_set(S)   for every draft set S
///            Σ_{S∋j}  z(S, j) ≤ p(j)       for every token j,     z ≥ 0
/// ```
///
/// Its optimum is alpha* for any draft law (it has the same value as the full transport LP).
///
/// - Complexity: Σ_S |S| variables and (#sets + V) rows; #sets ≤ Σ_{m≤n} C(V, m). The size is estimated from the
///   law before anything is allocated and refused beyond `maxVariables`.
/// - Sources: Sun et al., "SpecTr: Fast Speculative Decoding via Optimal Transport" (2023, arXiv 2310.15141).
public enum OptimalTransportLP {
    /// Estimated (sets, variables) of the set-level LP.
    public static func estimatedSize(of law: DraftLaw) -> (sets: Double, variables: Double) {
        let sets = law.estimatedSetCount
        return (sets, sets * Double(min(law.drafts, law.vocabularySize))) // a set has at most min(n, V) tokens
    }

    /// Solves the LP and returns the repaired transport plan.
    ///
    /// `algorithm: .interior` (the default) runs GLPK's interior-point method and turns its approximate solution
    /// into an exactly feasible, maximum plan by ``repairedPlan(sets:rawFlows:target:law:objective:status:exactConfirmed:tokenDuals:topUp:)``
    /// (clip, scale, then Dinic's top-up), so the plan and its minimum cut prove the value whatever the interior
    /// point's accuracy; if the method fails, the simplex runs instead. `.simplex` is GLPK's primal simplex, which
    /// `exact: true` always uses (glp_exact starts from its basis). Measured against scipy's HiGHS on the same LPs
    /// (`Experiments/reference/highs_lp.py`, two independent drafts, V = 100–300): the interior route is 1.5–5×
    /// faster than HiGHS on LLM-style pairs and 3.6–10× slower on Dirichlet(0.5) pairs (the Performance article).
    public static func solve(
        target p: Distribution, law: DraftLaw, exact: Bool = false, maxVariables: Int = Limits.standard.lpVariables,
        algorithm: LPAlgorithm = .interior
    ) throws -> TransportPlan {
        try law.requireVocabulary(of: p)
        let size = estimatedSize(of: law)
        if size.variables > Double(maxVariables)
            || (law.kind.enumeratesSubsets && law.vocabularySize > 4096 && size.sets > 1e6)
        {
            throw AcceptanceError.tooLarge(
                .lpVariables, estimatedSets: size.sets, estimatedSize: size.variables, limit: maxVariables)
        }
        let sets = law.setLaw()
        // The interior point solves the LP in the set-relative variables x(S, j) = z(S, j)/Q_set(S) (set rows
        // Σ_j x ≤ 1, token rows Σ_S Q_set(S) x ≤ p(j), objective Σ Q_set(S) x): the same LP with its columns scaled.
        // On draft laws whose set masses span many orders of magnitude (Dirichlet(0.5) pairs at V = 300) GLPK's
        // interior point does not converge in the raw variables and the simplex fallback took ~14× longer.
        let relative = algorithm == .interior && !exact
        let scale = { (s: Int) in relative ? sets[s].mass : 1.0 }
        var lp = LinearProgram(sense: .maximize)
        var tokenRow = [Int](repeating: -1, count: p.vocabularySize)
        var variable: [[Int]] = []
        for (s, set) in sets.enumerated() {
            let row = lp.addConstraint([], upper: relative ? 1 : set.mass)
            var vars: [Int] = []
            for _ in set.tokens { vars.append(lp.addVariable(lower: 0, objective: scale(s))) }
            for v in vars { lp.addEntry(row: row, variable: v, coefficient: 1) }
            variable.append(vars)
        }
        for (s, set) in sets.enumerated() {
            for (k, j) in set.tokens.enumerated() {
                if tokenRow[j] < 0 { tokenRow[j] = lp.addConstraint([], upper: p[j]) }
                lp.addEntry(row: tokenRow[j], variable: variable[s][k], coefficient: scale(s))
            }
        }
        let limits = LPLimits(maxVariables: maxVariables + 1)
        var solution = try lp.solve(LPOptions(exact: exact, limits: limits, algorithm: exact ? .simplex : algorithm))
        if solution.status != .optimal && algorithm == .interior && !exact {
            solution = try lp.solve(LPOptions(limits: limits, algorithm: .simplex))
        }
        guard solution.status == .optimal else { throw AcceptanceError.solverFailed(solution.status) }

        let duals = (0..<p.vocabularySize).map { tokenRow[$0] >= 0 ? solution.rowDuals[tokenRow[$0]] : 0 }
        var raw = FlatFlows(shapeOf: sets)
        for s in variable.indices {
            for (k, v) in variable[s].enumerated() { raw.values[raw.offsets[s] + k] = scale(s) * solution.values[v] }
        }
        let plan = try repairedPlan(
            sets: sets, rawFlows: raw,
            target: p, law: law, objective: solution.objective, status: solution.status,
            exactConfirmed: solution.exact, tokenDuals: duals
        ).plan
        if exact && !plan.exactConfirmed { throw AcceptanceError.exactNotConfirmed }
        return plan
    }

    /// Turns a solver's flows into an exactly feasible, verified plan: clip at 0, scale each set's row down to
    /// Q_set(S), then each token's column down to p(j) (``TransportPlan/repair(flows:target:)``), then (with
    /// `topUp`) augment along residual paths (``augmented(_:flows:target:)``) and check the result against its
    /// certificate (``TransportPlan/verify(target:law:)``). Returns the plan with the certificate that verified it.
    ///
    /// `topUp: false` is for flows that are already maximum (a maximum-flow solver's, which ends with no augmenting
    /// path): clipping and scaling then move them by rounding only, and the certificate check still decides.
    static func repairedPlan(
        sets: [DraftSet], rawFlows: FlatFlows, target p: Distribution, law: DraftLaw,
        objective: Double, status: LPStatus, exactConfirmed: Bool,
        tokenDuals duals: [Double], topUp: Bool = true
    ) throws -> (plan: TransportPlan, certificate: (set: [Int], value: Double)) {
        var flows = rawFlows
        TransportPlan.repair(flows: &flows, target: p)
        // Recover accepted mass the solver left below its tolerance (a token with p(j) ≈ 1e-8 can be dropped):
        // augment along residual paths until none carries more than 1e-15, keeping the plan exactly feasible.
        if topUp { flows = FlatFlows(sets: sets, nested: augmented(sets, flows: flows.nested, target: p)) }
        let (accepted, residual) = TransportPlan.acceptedAndResidual(flows: flows, target: p)
        let certificate = try TransportPlan.verified(
            flows: flows, acceptedMass: accepted, tokenDuals: duals,
            target: p, law: law)
        let plan = TransportPlan(
            sets: sets, flows: flows.nested, residualTarget: residual, acceptedMass: accepted,
            lpObjective: objective, status: status,
            exactConfirmed: exactConfirmed, tokenDuals: duals)
        return (plan, certificate)
    }
}

extension DraftLaw.Kind {
    /// Whether the set law enumerates subsets of the support (i.i.d., without replacement, independent).
    var enumeratesSubsets: Bool {
        switch self {
        case .iid, .withoutReplacement, .independent: return true
        case .greedy, .specHub, .explicit: return false
        }
    }
}
