import Foundation
import Testing
@testable import CandidateLength
import MultidraftSupport
import Distributions

@Suite("Cost-model regression (LAPACK dgels)")
struct CostRegressionTests {
    @Test("exact data is recovered to 1e-12 and R^2 = 1")
    func exactRecovery() throws {
        let rows = [(10.0, 2.0), (20, 3), (5, 5), (40, 10), (7, 1)].map {
            TimingObservation(draftCalls: $0.0, targetCalls: $0.1, seconds: 0.021 * $0.0 + 0.1 * $0.1)
        }
        let fit = try CostFit(rows)
        #expect(abs(fit.draftTime - 0.021) < 1e-12)
        #expect(abs(fit.targetTime - 0.1) < 1e-12)
        #expect(abs(fit.rSquared - 1) < 1e-12)
        #expect(fit.residuals.allSatisfy { abs($0) < 1e-12 })
    }

    @Test("dgels equals the 2x2 normal equations solved by hand, residuals orthogonal to the columns (1e-9 relative)")
    func normalEquations() async throws {
        var rng = Xoshiro256(seed: 7, stream: 0)
        for _ in 0..<50 {
            let n = 2 + Int(rng.next(upperBound: UInt64(30)))
            var rows: [TimingObservation] = []
            for _ in 0..<n {
                let d = Double(rng.next(upperBound: UInt64(200)))
                let t = Double(1 + rng.next(upperBound: UInt64(40)))
                rows.append(
                    TimingObservation(
                        draftCalls: d, targetCalls: t, seconds: 0.02 * d + 0.1 * t + 0.5 * rng.nextUniform()))
            }
            guard let fit = try? CostFit(rows) else { continue } // a random design can be proportional
            var g11 = 0.0, g12 = 0.0, g22 = 0.0, b1 = 0.0, b2 = 0.0, yy = 0.0
            for r in rows {
                g11 += r.draftCalls * r.draftCalls; g12 += r.draftCalls * r.targetCalls;
                g22 += r.targetCalls * r.targetCalls
                b1 += r.draftCalls * r.seconds; b2 += r.targetCalls * r.seconds; yy += r.seconds * r.seconds
            }
            let det = g11 * g22 - g12 * g12
            let td = (g22 * b1 - g12 * b2) / det, tt = (g11 * b2 - g12 * b1) / det
            #expect(abs(fit.draftTime - td) <= 1e-9 * max(1, abs(td)))
            #expect(abs(fit.targetTime - tt) <= 1e-9 * max(1, abs(tt)))
            let dot1 = zip(rows, fit.residuals).reduce(0) { $0 + $1.0.draftCalls * $1.1 }
            let dot2 = zip(rows, fit.residuals).reduce(0) { $0 + $1.0.targetCalls * $1.1 }
            #expect(abs(dot1) < 1e-8 * sqrt(g11 * yy) && abs(dot2) < 1e-8 * sqrt(g22 * yy))
            let rss = fit.residuals.reduce(0) { $0 + $1 * $1 }
            #expect(abs(fit.rSquared - (1 - rss / yy)) < 1e-12)
            #expect(fit.rSquared <= 1 && fit.rSquared >= 0)
        }
    }

    @Test("errors: too few rows, proportional or zero columns, negative or non-finite values")
    func errors() throws {
        let ok = TimingObservation(draftCalls: 3, targetCalls: 1, seconds: 1)
        #expect(throws: CandidateLengthError.tooFewRows(found: 1, needed: 2)) { try CostFit([ok]) }
        #expect(throws: CandidateLengthError.tooFewRows(found: 0, needed: 2)) { try CostFit([]) }
        let proportional = [1.0, 2, 5].map { TimingObservation(draftCalls: 4 * $0, targetCalls: $0, seconds: $0) }
        #expect { try CostFit(proportional) } throws: { error in
            guard case CandidateLengthError.singularDesign = error else { return false }
            return "\(error)".contains("proportional")
        }
        let zeroDraft = [1.0, 2].map { TimingObservation(draftCalls: 0, targetCalls: $0, seconds: $0) }
        #expect { try CostFit(zeroDraft) } throws: {
            ($0 as? CandidateLengthError).map { if case .singularDesign = $0 { true } else { false } } ?? false
        }
        #expect(throws: CandidateLengthError.negativeCount(row: 2, name: "draft_calls", value: -1)) {
            try CostFit([ok, TimingObservation(draftCalls: -1, targetCalls: 1, seconds: 1)])
        }
        #expect { try CostFit([ok, TimingObservation(draftCalls: 1, targetCalls: .nan, seconds: 1)]) } throws: {
            ($0 as? CandidateLengthError).map { if case .notFinite = $0 { true } else { false } } ?? false
        }
    }

    @Test("parsing: header allowed, comments, wrong width and non-numbers rejected with a line number")
    func parsing() throws {
        let rows = try CostFit.parse("draft_calls,target_calls,seconds\n# run 1\n10,2,1.5\n20 3 2.5\n", source: "x")
        #expect(rows.count == 2 && rows[1].seconds == 2.5)
        #expect(
            throws: CandidateLengthError.malformedInput(
                source: "x", line: 2, detail: "expected 3 numbers (draft_calls,target_calls,seconds), found 2")
        ) {
            try CostFit.parse("1,2,3\n1,2\n", source: "x")
        }
        #expect(throws: CandidateLengthError.emptyInput(source: "x")) {
            try CostFit.parse("# nothing\n\n", source: "x")
        }
        #expect(throws: CandidateLengthError.malformedInput(source: "x", line: 2, detail: "'a' is not a number")) {
            try CostFit.parse("1,2,3\na,2,3\n", source: "x")
        }
    }
}
