import CGLPK
import Foundation

/// GLPK keeps per-thread (or, in some builds, global) environment state; one process-wide lock keeps every
/// create/solve/delete sequence atomic, so threads that each solve their own problem never interleave GLPK calls.
private let glpkLock = NSLock()

extension LinearProgram {
    /// Solves the program with GLPK's primal simplex (presolver off, terminal output off) or, with
    /// `options.algorithm == .interior`, its interior-point method; with `options.exact` (simplex only), the optimum
    /// is then re-solved by GLPK's exact rational simplex starting from the final basis.
    ///
    /// Every input is validated first (``LPError``), because GLPK aborts the process on invalid calls. The whole
    /// life of the GLPK problem object (create, load, solve, read, delete) happens inside this one synchronous call.
    public func solve(_ options: LPOptions = LPOptions()) throws -> LPSolution {
        let matrix = try validatedEntries(limits: options.limits)
        if columns.isEmpty || rows.isEmpty { return trivialSolution(matrixIsEmpty: matrix.isEmpty) }

        glpkLock.lock()
        defer { glpkLock.unlock() }
        glp_term_out(GLP_OFF)
        guard let lp = glp_create_prob() else {
            throw LPError.solverFailed(code: -1, detail: "glp_create_prob returned nil")
        }
        defer { glp_delete_prob(lp) }

        glp_set_obj_dir(lp, sense == .maximize ? GLP_MAX : GLP_MIN)
        glp_add_rows(lp, Int32(rows.count))
        glp_add_cols(lp, Int32(columns.count))
        for (i, r) in rows.enumerated() {
            let (type, lo, up) = Self.glpkBounds(r.lower, r.upper)
            glp_set_row_bnds(lp, Int32(i + 1), type, lo, up)
        }
        for (j, c) in columns.enumerated() {
            let (type, lo, up) = Self.glpkBounds(c.lower, c.upper)
            glp_set_col_bnds(lp, Int32(j + 1), type, lo, up)
            glp_set_obj_coef(lp, Int32(j + 1), c.objective)
        }
        if !matrix.isEmpty {
            var ia = [Int32](repeating: 0, count: matrix.count + 1)
            var ja = [Int32](repeating: 0, count: matrix.count + 1)
            var ar = [Double](repeating: 0, count: matrix.count + 1)
            for (k, e) in matrix.enumerated() {
                ia[k + 1] = Int32(e.row + 1)
                ja[k + 1] = Int32(e.column + 1)
                ar[k + 1] = e.value
            }
            glp_load_matrix(lp, Int32(matrix.count), &ia, &ja, &ar)
        }
        // GLPK's automatic row and column scaling (the solution it reports is in the original units)
        if options.scaling { glp_scale_prob(lp, GLP_SF_AUTO) }

        var parm = glp_smcp()
        glp_init_smcp(&parm)
        parm.msg_lev = GLP_MSG_OFF
        parm.presolve = GLP_OFF
        // Tighter than GLPK's defaults (1e-7): the toolkit compares LP values with closed forms at 1e-9.
        parm.tol_bnd = options.feasibilityTolerance
        parm.tol_dj = options.optimalityTolerance
        if let it = options.iterationLimit { parm.it_lim = Int32(clamping: it) }
        if let tl = options.timeLimit { parm.tm_lim = Int32(clamping: Int((tl * 1000).rounded())) }
        if options.algorithm == .interior && !options.exact {
            var iparm = glp_iptcp()
            glp_init_iptcp(&iparm)
            iparm.msg_lev = GLP_MSG_OFF
            iparm.ord_alg = GLP_ORD_AMD
            let code = glp_interior(lp, &iparm)
            let status: LPStatus
            if code == 0 {
                switch glp_ipt_status(lp) {
                case GLP_OPT: status = .optimal
                case GLP_NOFEAS, GLP_INFEAS: status = .infeasible
                default: status = .numericalFailure(code: glp_ipt_status(lp))
                }
            } else {
                status = code == GLP_EITLIM ? .iterationLimit : .numericalFailure(code: code)
            }
            let values = (0..<columns.count).map { glp_ipt_col_prim(lp, Int32($0 + 1)) }
            let duals = (0..<rows.count).map { glp_ipt_row_dual(lp, Int32($0 + 1)) }
            let reduced = (0..<columns.count).map { glp_ipt_col_dual(lp, Int32($0 + 1)) }
            return LPSolution(
                status: status, objective: glp_ipt_obj_val(lp), values: values, rowDuals: duals,
                reducedCosts: reduced, exact: false, iterations: 0)
        }
        glp_adv_basis(lp, 0)
        var code = glp_simplex(lp, &parm)
        var exact = false
        if code == 0 && options.exact && glp_get_status(lp) == GLP_OPT {
            var eparm = glp_smcp()
            glp_init_smcp(&eparm)
            eparm.msg_lev = GLP_MSG_OFF
            if let it = options.iterationLimit { eparm.it_lim = Int32(clamping: it) }
            if let tl = options.timeLimit { eparm.tm_lim = Int32(clamping: Int((tl * 1000).rounded())) }
            code = glp_exact(lp, &eparm)
            exact = code == 0
        }
        let status: LPStatus
        switch code {
        case 0:
            switch glp_get_status(lp) {
            case GLP_OPT: status = .optimal
            case GLP_NOFEAS, GLP_INFEAS: status = .infeasible
            case GLP_UNBND: status = .unbounded
            default: status = .numericalFailure(code: glp_get_status(lp))
            }
        case GLP_EITLIM: status = .iterationLimit
        case GLP_ETMLIM: status = .timeLimit
        case GLP_ENOPFS: status = .infeasible
        case GLP_ENODFS: status = .unbounded
        default: status = .numericalFailure(code: code)
        }
        let values = (0..<columns.count).map { glp_get_col_prim(lp, Int32($0 + 1)) }
        let duals = (0..<rows.count).map { glp_get_row_dual(lp, Int32($0 + 1)) }
        let reduced = (0..<columns.count).map { glp_get_col_dual(lp, Int32($0 + 1)) }
        let iterations = Int(glp_get_it_cnt(lp))
        return LPSolution(
            status: status, objective: glp_get_obj_val(lp), values: values, rowDuals: duals,
            reducedCosts: reduced, exact: exact, iterations: iterations)
    }

    private static func glpkBounds(_ lower: Double?, _ upper: Double?) -> (Int32, Double, Double) {
        let l = lower.flatMap { $0 == -.infinity ? nil : $0 }
        let u = upper.flatMap { $0 == .infinity ? nil : $0 }
        switch (l, u) {
        case (nil, nil): return (GLP_FR, 0, 0)
        case (let lo?, nil): return (GLP_LO, lo, 0)
        case (nil, let up?): return (GLP_UP, 0, up)
        case (let lo?, let up?): return lo == up ? (GLP_FX, lo, up) : (GLP_DB, lo, up)
        }
    }

    /// Programs without rows or without columns are solved here (GLPK is never called for them).
    private func trivialSolution(matrixIsEmpty: Bool) -> LPSolution {
        // No rows: each variable independently at its best bound. No columns: feasible iff every row admits 0.
        var values = [Double](repeating: 0, count: columns.count)
        var status = LPStatus.optimal
        for r in rows where (r.lower.map { $0 > 0 } ?? false) || (r.upper.map { $0 < 0 } ?? false) {
            status = .infeasible
        }
        for (j, c) in columns.enumerated() {
            let gain = sense == .maximize ? c.objective : -c.objective
            let bound: Double? = gain > 0 ? c.upper : (gain < 0 ? c.lower : (c.lower ?? c.upper ?? 0))
            if let b = bound, b.isFinite {
                values[j] = b
            } else if gain != 0 {
                status = .unbounded
            } else {
                values[j] = 0
            }
        }
        let objective = zip(columns, values).reduce(0) { $0 + $1.0.objective * $1.1 }
        return LPSolution(
            status: status, objective: objective, values: values,
            rowDuals: [Double](repeating: 0, count: rows.count),
            reducedCosts: columns.map { $0.objective }, exact: false, iterations: 0)
    }
}
