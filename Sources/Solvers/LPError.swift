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
