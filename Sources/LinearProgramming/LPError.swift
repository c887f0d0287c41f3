/// Why a linear program was not solved.
public enum LPError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidNumber(what: String, value: Double)
    case invalidBounds(what: String, lower: Double, upper: Double)
    case indexOutOfRange(what: String, index: Int, count: Int)
    case tooLarge(variables: Int, constraints: Int, nonzeros: Int, limits: LPLimits)
    case solverFailed(code: Int32, detail: String)

    public var description: String {
        switch self {
        case .invalidNumber(let what, let value):
            return "LP \(what) is not a valid number (\(value))"
        case .invalidBounds(let what, let l, let u):
            return "LP \(what) has lower bound \(l) above upper bound \(u)"
        case .indexOutOfRange(let what, let index, let count):
            return "LP \(what) index \(index) is outside 0..<\(count)"
        case .tooLarge(let v, let c, let nz, let limits):
            return "LP too large: \(v) variables, \(c) constraints, \(nz) nonzeros (limit \(limits))"
        case .solverFailed(let code, let detail):
            return "GLPK failed (code \(code)): \(detail)"
        }
    }
}

/// The outcome of a solve.
public enum LPStatus: Sendable, Equatable, CustomStringConvertible {
    case optimal
    case infeasible
    case unbounded
    case iterationLimit
    case timeLimit
    /// GLPK stopped without a usable solution; `code` is its return code (GLP_ESING, GLP_ECOND, …).
    case numericalFailure(code: Int32)

    public var description: String {
        switch self {
        case .optimal: return "optimal"
        case .infeasible: return "infeasible"
        case .unbounded: return "unbounded"
        case .iterationLimit: return "iteration_limit"
        case .timeLimit: return "time_limit"
        case .numericalFailure(let code): return "numerical_failure(\(code))"
        }
    }
}

/// A solved (or failed) linear program: status, objective, primal values and duals.
public struct LPSolution: Sendable {
    public let status: LPStatus
    /// cᵀx at the returned point (meaningful when `status == .optimal`).
    public let objective: Double
    /// Primal values, one per variable.
    public let values: [Double]
    /// Row duals (shadow prices), one per constraint.
    public let rowDuals: [Double]
    /// Reduced costs, one per variable.
    public let reducedCosts: [Double]
    /// Whether GLPK's exact rational simplex (glp_exact) produced or confirmed this solution.
    public let exact: Bool
    /// Simplex iterations used.
    public let iterations: Int
}

/// Options of ``LinearProgram/solve(_:)``.
public struct LPOptions: Sendable {
    /// Confirm the floating-point optimum with GLPK's exact rational simplex (glp_exact), warm-started.
    public var exact = false
    /// Simplex iteration limit (nil: none).
    public var iterationLimit: Int? = nil
    /// Time limit in seconds (nil: none).
    public var timeLimit: Double? = nil
    public var limits = LPLimits()
    /// GLPK's primal feasibility tolerance (tol_bnd; GLPK's default 1e-7).
    public var feasibilityTolerance = 1e-9
    /// GLPK's dual feasibility (reduced-cost) tolerance (tol_dj; GLPK's default 1e-7).
    public var optimalityTolerance = 1e-9

    public init(exact: Bool = false, iterationLimit: Int? = nil, timeLimit: Double? = nil, limits: LPLimits = LPLimits()) {
        self.exact = exact
        self.iterationLimit = iterationLimit
        self.timeLimit = timeLimit
        self.limits = limits
    }
}
