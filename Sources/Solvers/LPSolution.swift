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
    /// Simplex iterations used (0 for the interior-point method, which GLPK does not count).
    public let iterations: Int
}

/// Which GLPK method solves the program.
public enum LPAlgorithm: String, Sendable, CaseIterable {
    /// glp_simplex, primal, from an advanced starting basis: a vertex solution with its basis.
    case simplex
    /// glp_interior (primal–dual interior point, approximate minimum-degree ordering): an interior point close to
    /// the optimal face, to be rounded or repaired by the caller; no basis, so `exact` is refused with it.
    case interior
}

/// Options of ``LinearProgram/solve(_:)``.
public struct LPOptions: Sendable {
    /// Confirm the floating-point optimum with GLPK's exact rational simplex (glp_exact), warm-started.
    public var exact = false
    /// The method (`exact` always uses the simplex: glp_exact needs its basis).
    public var algorithm = LPAlgorithm.simplex
    /// Simplex iteration limit (nil: none).
    public var iterationLimit: Int? = nil
    /// Time limit in seconds (nil: none).
    public var timeLimit: Double? = nil
    public var limits = LPLimits()
    /// Scale rows and columns before solving (GLPK's `glp_scale_prob` with automatic factors; the solution is reported
    /// in the original units): for programs whose coefficients span many orders of magnitude.
    public var scaling = false
    /// GLPK's primal feasibility tolerance (tol_bnd; GLPK's default 1e-7).
    public var feasibilityTolerance = 1e-9
    /// GLPK's dual feasibility (reduced-cost) tolerance (tol_dj; GLPK's default 1e-7).
    public var optimalityTolerance = 1e-9

    public init(
        exact: Bool = false, iterationLimit: Int? = nil, timeLimit: Double? = nil, limits: LPLimits = LPLimits(),
        algorithm: LPAlgorithm = .simplex
    ) {
        self.exact = exact
        self.algorithm = algorithm
        self.iterationLimit = iterationLimit
        self.timeLimit = timeLimit
        self.limits = limits
    }
}
