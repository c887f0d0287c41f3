import MultidraftSupport
import Solvers
import Distributions

/// Why an optimal-acceptance computation was refused or failed.
public enum AcceptanceError: Error, Equatable, Sendable, CustomStringConvertible, ParameterSuggesting {
    /// A problem beyond one of the ``Limits``: which limit, the estimated draft sets and size (variables, arcs or
    /// entries, Σ_S |S|), and the limit in force.
    case tooLarge(Limits.Kind, estimatedSets: Double, estimatedSize: Double, limit: Int)
    case methodNotExact(method: String, law: String)
    case bruteForceTooLarge(vocabularySize: Int, limit: Int)
    case solverFailed(LPStatus)
    case lpUnverified(detail: String)
    case exactNotConfirmed
    case notCertified(lower: Double, upper: Double, iterations: Int)

    public var description: String {
        switch self {
        case .tooLarge(let kind, let sets, let size, let limit):
            let sizes = String(format: "about %.3g draft sets and %.3g", sets, size)
            return
                "\(kind.problem) too large: \(sizes) \(kind.unit) (limit \(limit) \(kind.unit)); use a smaller vocabulary or fewer drafts, or raise the limit"
        case .methodNotExact(let method, let law):
            return
                "method \(method) is not exact for the \(law) law (no single sort order exists); use the flow, sfm, lp or auto method"
        case .bruteForceTooLarge(let v, let limit):
            return "brute force over all subsets needs V <= \(limit), got V = \(v)"
        case .lpUnverified(let detail):
            return "the LP result failed its own check: \(detail); its number cannot be trusted"
        case .exactNotConfirmed:
            return "GLPK's exact rational simplex did not confirm the LP optimum in exact arithmetic"
        case .notCertified(let lower, let upper, let iterations):
            return String(
                format:
                    "submodular minimisation stopped after %d iterations with alpha* in [%.17g, %.17g] (gap %.3g); raise the iteration budget",
                iterations, lower, upper, upper - lower)
        case .solverFailed(let status):
            return "the LP solver did not reach an optimum (status \(status))"
        }
    }

    public var suggestedParameters: [SuggestedParameter] {
        switch self {
        case .methodNotExact: return [.method]
        case .exactNotConfirmed: return [.exactConfirmation]
        case .notCertified: return [.maxIterations]
        case .tooLarge(let kind, _, _, _): return [kind.parameter]
        case .bruteForceTooLarge, .solverFailed, .lpUnverified: return []
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
    /// `dual` wherever it is exact; otherwise `flow` while the set law fits, then `sfm`.
    case auto
    /// The same LP as a bipartite maximum flow (Dinic, in Swift) with the minimum cut as certificate.
    case flow
    /// Exact submodular minimisation of p(H) − Q(H) (Fujishige–Wolfe) with a base-polytope certificate.
    case sfm
    /// Enumeration of all 2^V subsets H (tests, V ≤ 20).
    case bruteForce = "brute-force"
}
