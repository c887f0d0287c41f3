import LinearProgramming

/// Why an optimal-acceptance computation was refused or failed.
public enum AcceptanceError: Error, Equatable, Sendable, CustomStringConvertible {
    case lpTooLarge(estimatedSets: Double, estimatedVariables: Double, limit: Int)
    case methodNotExact(method: String, law: String)
    case bruteForceTooLarge(vocabularySize: Int, limit: Int)
    case solverFailed(LPStatus)
    case lpUnverified(detail: String)
    case exactNotConfirmed

    public var description: String {
        switch self {
        case .lpTooLarge(let sets, let vars, let limit):
            return String(format: "LP too large: about %.3g draft sets and %.3g variables (limit %d variables); use a smaller vocabulary or fewer drafts", sets, vars, limit)
        case .methodNotExact(let method, let law):
            return "--method \(method) is not exact for the \(law) law (no single sort order exists); use --method lp or --method auto"
        case .bruteForceTooLarge(let v, let limit):
            return "brute force over all subsets needs V <= \(limit), got V = \(v)"
        case .lpUnverified(let detail):
            return "the LP result failed its own check: \(detail); its number cannot be trusted"
        case .exactNotConfirmed:
            return "GLPK's exact rational simplex did not confirm the LP optimum (--exact)"
        case .solverFailed(let status):
            return "the LP solver did not reach an optimum (status \(status))"
        }
    }
}

/// How alpha* was computed.
public enum BoundMethod: String, Sendable, CaseIterable {
    /// The relaxed optimal-transport LP over draft sets, solved by GLPK.
    case lp
    /// The subset formula by the fastest exact route: prefix scan (iid, without replacement) or closed form (greedy,
    /// SpecHub).
    case dual
    /// `dual` wherever it is exact, otherwise `lp`.
    case auto
    /// Enumeration of all 2^V subsets H (tests, V ≤ 20).
    case bruteForce = "brute-force"
}
