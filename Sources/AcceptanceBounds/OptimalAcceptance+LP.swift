import Distributions
import LinearProgramming

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
    /// Default limit on LP variables (Σ_S |S|).
    public static let defaultMaxVariables = 2_000_000

    /// Estimated (sets, variables) of the set-level LP.
    public static func estimatedSize(of law: DraftLaw) -> (sets: Double, variables: Double) {
        let sets = law.estimatedSetCount
        return (sets, sets * Double(min(law.drafts, law.vocabularySize)))   // a set has at most min(n, V) tokens
    }

    /// Solves the LP and returns the repaired transport plan.
    ///
    /// `algorithm: .interior` (the default) runs GLPK's interior-point method and turns its approximate solution
    /// into an exactly feasible, maximum plan by ``repairedPlan(sets:rawFlows:target:law:objective:status:exactConfirmed:tokenDuals:)``
    /// (clip, scale, then Dinic's top-up), so the plan and its minimum cut prove the value whatever the interior
    /// point's accuracy; if the method fails, the simplex runs instead. `.simplex` is GLPK's primal simplex, which
    /// `exact: true` always uses (glp_exact starts from its basis). Measured against scipy's HiGHS on the same LPs
    /// (`Experiments/reference/highs_lp.py`): the interior route is 1.5–10× faster than HiGHS where the simplex was
    /// up to 7× slower.
    public static func solve(
        target p: Distribution, law: DraftLaw, exact: Bool = false, maxVariables: Int = defaultMaxVariables,
        algorithm: LPAlgorithm = .interior
    ) throws -> TransportPlan {
        try law.requireVocabulary(of: p)
        let size = estimatedSize(of: law)
        if size.variables > Double(maxVariables) || (law.kind.enumeratesSubsets && law.vocabularySize > 4096 && size.sets > 1e6) {
            throw AcceptanceError.lpTooLarge(estimatedSets: size.sets, estimatedVariables: size.variables, limit: maxVariables)
        }
        let sets = law.setLaw()
        var lp = LinearProgram(sense: .maximize)
        var tokenRow = [Int](repeating: -1, count: p.vocabularySize)
        var variable: [[Int]] = []
        for set in sets {
            let row = lp.addConstraint([], upper: set.mass)
            var vars: [Int] = []
            for _ in set.tokens { vars.append(lp.addVariable(lower: 0, objective: 1)) }
            for v in vars { lp.addEntry(row: row, variable: v, coefficient: 1) }
            variable.append(vars)
        }
        for (s, set) in sets.enumerated() {
            for (k, j) in set.tokens.enumerated() {
                if tokenRow[j] < 0 { tokenRow[j] = lp.addConstraint([], upper: p[j]) }
                lp.addEntry(row: tokenRow[j], variable: variable[s][k], coefficient: 1)
            }
        }
        let limits = LPLimits(maxVariables: maxVariables + 1)
        var solution = try lp.solve(LPOptions(exact: exact, limits: limits, algorithm: exact ? .simplex : algorithm))
        if solution.status != .optimal && algorithm == .interior && !exact {
            solution = try lp.solve(LPOptions(limits: limits, algorithm: .simplex))
        }
        guard solution.status == .optimal else { throw AcceptanceError.solverFailed(solution.status) }

        let duals = (0..<p.vocabularySize).map { tokenRow[$0] >= 0 ? solution.rowDuals[tokenRow[$0]] : 0 }
        let plan = try repairedPlan(sets: sets, rawFlows: variable.map { vars in vars.map { solution.values[$0] } },
                                    target: p, law: law, objective: solution.objective, status: solution.status,
                                    exactConfirmed: solution.exact, tokenDuals: duals)
        if exact && !plan.exactConfirmed { throw AcceptanceError.exactNotConfirmed }
        return plan
    }

    /// Turns a solver's flows into an exactly feasible, verified plan: clip at 0, scale each set's row down to
    /// Q_set(S), then each token's column down to p(j), then augment along residual paths (``augmented(_:flows:target:)``)
    /// and check the result against its certificate (``TransportPlan/verify(target:law:)``).
    static func repairedPlan(sets: [DraftSet], rawFlows: [[Double]], target p: Distribution, law: DraftLaw,
                             objective: Double, status: LPStatus, exactConfirmed: Bool,
                             tokenDuals duals: [Double]) throws -> TransportPlan {
        var flows = rawFlows.map { $0.map { max(0, $0) } }
        for (s, set) in sets.enumerated() {
            let total = flows[s].reduce(0, +)
            if total > set.mass, total > 0 { flows[s] = flows[s].map { $0 * set.mass / total } }
        }
        var column = [Double](repeating: 0, count: p.vocabularySize)
        for (s, set) in sets.enumerated() { for (k, j) in set.tokens.enumerated() { column[j] += flows[s][k] } }
        var scale = [Double](repeating: 1, count: p.vocabularySize)
        for j in 0..<p.vocabularySize where column[j] > p[j] && column[j] > 0 { scale[j] = p[j] / column[j] }
        for (s, set) in sets.enumerated() { for (k, j) in set.tokens.enumerated() { flows[s][k] *= scale[j] } }
        // Recover accepted mass the solver left below its tolerance (a token with p(j) ≈ 1e-8 can be dropped):
        // augment along residual paths until none carries more than 1e-15, keeping the plan exactly feasible.
        flows = augmented(sets, flows: flows, target: p)
        var accepted = 0.0
        var used = [Double](repeating: 0, count: p.vocabularySize)
        for (s, set) in sets.enumerated() {
            for (k, j) in set.tokens.enumerated() {
                used[j] += flows[s][k]
                accepted += flows[s][k]
            }
        }
        let residual = (0..<p.vocabularySize).map { max(0, p[$0] - used[$0]) }
        let plan = TransportPlan(sets: sets, flows: flows, residualTarget: residual, acceptedMass: accepted,
                                 lpObjective: objective, status: status,
                                 exactConfirmed: exactConfirmed, tokenDuals: duals)
        try plan.verify(target: p, law: law)
        return plan
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
