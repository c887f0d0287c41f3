import Dispatch
import Foundation
import MultidraftSupport
import Testing
@testable import Solvers

@Suite struct LinearProgramTests {
    /// max 3x + 2y  s.t.  x + y ≤ 4,  x + 3y ≤ 7,  x ≤ 3,  x, y ≥ 0  →  x = 3, y = 1, value 11; duals (2, 0).
    func textbook() -> LinearProgram {
        var lp = LinearProgram(sense: .maximize)
        let x = lp.addVariable(lower: 0, upper: 3, objective: 3)
        let y = lp.addVariable(lower: 0, objective: 2)
        lp.addConstraint([(x, 1), (y, 1)], upper: 4)
        lp.addConstraint([(x, 1), (y, 3)], upper: 7)
        return lp
    }

    @Test func solvesWithPrimalAndDualValues() throws {
        let s = try textbook().solve()
        #expect(s.status == .optimal)
        #expect(abs(s.objective - 11) < 1e-12)
        #expect(abs(s.values[0] - 3) < 1e-12 && abs(s.values[1] - 1) < 1e-12)
        #expect(abs(s.rowDuals[0] - 2) < 1e-12 && abs(s.rowDuals[1]) < 1e-12)
        #expect(abs(s.reducedCosts[0] - 1) < 1e-12) // x at its upper bound: 3 − 2
    }

    @Test func exactRationalResolveConfirms() throws {
        let s = try textbook().solve(LPOptions(exact: true))
        #expect(s.status == .optimal && s.exact)
        #expect(abs(s.objective - 11) < 1e-12)
    }

    /// GLPK's automatic scaling on the textbook program with its rows and columns rescaled by 10⁻⁶…10⁶ (x = 10⁶ x',
    /// y = 10⁻⁶ y', rows multiplied by 10⁻⁶ and 10⁶): the optimum 11, with values and duals reported in the program's
    /// own units. (Without scaling, GLPK 5's simplex stops at 9 here: y's reduced cost 2e-6 is lost against the
    /// 10¹² entries, which is why the block LP verifier scales.)
    @Test func scalingReportsTheOriginalUnits() throws {
        var lp = LinearProgram(sense: .maximize)
        let x = lp.addVariable(lower: 0, upper: 3e-6, objective: 3e6)
        let y = lp.addVariable(lower: 0, objective: 2e-6)
        lp.addConstraint([(x, 1), (y, 1e-12)], upper: 4e-6)
        lp.addConstraint([(x, 1e12), (y, 3)], upper: 7e6)
        var options = LPOptions()
        options.scaling = true
        let s = try lp.solve(options)
        #expect(s.status == .optimal)
        #expect(abs(s.objective - 11) < 1e-9, "\(s.objective)")
        #expect(abs(s.values[0] - 3e-6) < 1e-15 && abs(s.values[1] - 1e6) < 1e-3, "\(s.values)")
        #expect(abs(s.rowDuals[0] - 2e6) < 1e-3 && abs(s.rowDuals[1]) < 1e-12, "\(s.rowDuals)")
    }

    /// The interior-point method reaches the same optimum (to its tolerance, 1e-7) and reports no basis-based
    /// exactness; asking for `exact` with it runs the simplex instead.
    @Test func interiorPointMatchesSimplex() throws {
        let s = try textbook().solve(LPOptions(algorithm: .interior))
        #expect(s.status == .optimal)
        #expect(abs(s.objective - 11) < 1e-7, "\(s.objective)")
        #expect(abs(s.values[0] - 3) < 1e-6 && abs(s.values[1] - 1) < 1e-6)
        #expect(!s.exact)
        let e = try textbook().solve(LPOptions(exact: true, algorithm: .interior))
        #expect(e.status == .optimal && e.exact && abs(e.objective - 11) < 1e-12)
    }

    @Test func infeasibleAndUnbounded() throws {
        var infeasible = LinearProgram(sense: .minimize)
        let x = infeasible.addVariable(lower: 0, objective: 1)
        infeasible.addConstraint([(x, 1)], lower: 2, upper: 1.5 + 0.5)
        infeasible.addConstraint([(x, 1)], upper: 1)
        #expect(try infeasible.solve().status == .infeasible)

        var unbounded = LinearProgram(sense: .maximize)
        let y = unbounded.addVariable(lower: 0, objective: 1)
        let z = unbounded.addVariable(lower: 0, objective: 0)
        unbounded.addConstraint([(y, 1), (z, -1)], upper: 1)
        #expect(try unbounded.solve().status == .unbounded)
    }

    @Test func duplicateEntriesAreSummed() throws {
        var lp = LinearProgram(sense: .maximize)
        let x = lp.addVariable(lower: 0, objective: 1)
        lp.addConstraint([(x, 1), (x, 1)], upper: 4) // 2x ≤ 4
        let s = try lp.solve()
        #expect(abs(s.objective - 2) < 1e-12)
    }

    @Test func trivialProgramsNeverReachGLPK() throws {
        var noRows = LinearProgram(sense: .maximize)
        noRows.addVariable(lower: 0, upper: 2, objective: 1)
        #expect(abs(try noRows.solve().objective - 2) < 1e-15)
        var open = LinearProgram(sense: .maximize)
        open.addVariable(lower: 0, objective: 1)
        #expect(try open.solve().status == .unbounded)
        var noColumns = LinearProgram(sense: .maximize)
        noColumns.addConstraint([], lower: 1, upper: 2)
        #expect(try noColumns.solve().status == .infeasible)
    }

    /// Everything GLPK would abort on is refused before any glp_* call.
    @Test func invalidInputsAreTypedErrors() {
        var nan = textbook(); nan.addEntry(row: 0, variable: 0, coefficient: .nan)
        #expect(throws: LPError.self) { try nan.solve() }
        var badRow = textbook(); badRow.addEntry(row: 7, variable: 0, coefficient: 1)
        #expect(throws: LPError.indexOutOfRange(what: "row", index: 7, count: 2)) { try badRow.solve() }
        var badColumn = textbook(); badColumn.addEntry(row: 0, variable: -1, coefficient: 1)
        #expect(throws: LPError.indexOutOfRange(what: "variable", index: -1, count: 2)) { try badColumn.solve() }
        var bounds = textbook(); bounds.addVariable(lower: 2, upper: 1, objective: 0)
        #expect(throws: LPError.invalidBounds(what: "variable 2", lower: 2, upper: 1)) { try bounds.solve() }
        var objective = textbook(); objective.addVariable(lower: 0, upper: 1, objective: .infinity)
        #expect(throws: LPError.self) { try objective.solve() }
        let small = LPLimits(maxVariables: 1, maxConstraints: 10, maxNonzeros: 10)
        #expect(throws: LPError.tooLarge(variables: 2, constraints: 2, nonzeros: 4, limits: small)) {
            try textbook().solve(LPOptions(limits: small))
        }
    }

    /// Random transportation problems solved from two threads at once give the same values as alone.
    @Test func threadSafety() throws {
        @Sendable func problem(_ seed: Int) -> LinearProgram {
            var lp = LinearProgram(sense: .maximize)
            let m = 12
            var vars: [[Int]] = []
            for i in 0..<m {
                vars.append(
                    (0..<m).map { j in lp.addVariable(lower: 0, objective: Double((i * 7 + j * 3 + seed) % 5)) })
            }
            for i in 0..<m { lp.addConstraint(vars[i].map { ($0, 1.0) }, upper: Double(i + 1)) }
            for j in 0..<m { lp.addConstraint((0..<m).map { (vars[$0][j], 1.0) }, upper: Double(m - j)) }
            return lp
        }
        let alone = try (0..<40).map { try problem($0).solve().objective }
        let together = parallelMap(count: 40, threads: 4) { k in (try? problem(k).solve().objective) ?? .nan }
        #expect(alone == together)
    }
}
