import Foundation
import Testing
import AcceptanceBounds
@testable import Datasets
import Distributions

/// The shipped real pair (SmolLM2-135M-Instruct, drafts `layerskip` and `rtn3`, sparse top-128 rows at V = 49,152):
/// alpha* of the independent pair (one draft from each model) is bracketed by the two sparse completions, and each
/// completion is certified by submodular minimisation (the subset bound's minimiser with a dual certificate, gap ≤ 1e-12)
/// and agrees with the max-flow route. 24 positions spread over the 1,869; every position with
/// `MULTIDRAFT_REAL_ALL=1` (an opt-in run of about 15 minutes in a debug build).
@Suite struct RealPairCertificationTests {
    @Test func independentPairIsCertifiedOnSpreadPositions() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let file = root.appendingPathComponent("Experiments/data/smollm2-135m/sparse_top128.safetensors").path
        let target = try ModelRows(spec: file + ":target_t1"), a = try ModelRows(spec: file + ":layerskip_t1"),
            b = try ModelRows(spec: file + ":rtn3_t1")
        #expect(target.positions == 1_869)
        func row(_ r: PositionRow) -> SparseRow? {
            guard case .sparse(let s) = r else { return nil }
            return SparseRow(indices: s.indices, values: s.values, rest: s.rest, vocabularySize: 49_152)
        }
        let all = ProcessInfo.processInfo.environment["MULTIDRAFT_REAL_ALL"] == "1"
        var worst = 0.0, routes: [String: Int] = [:]
        for i in stride(from: 0, to: target.positions, by: all ? 1 : 78) {
            guard let t = row(try target.row(i)), let x = row(try a.row(i)), let y = row(try b.row(i)) else {
                Issue.record("position \(i): not sparse"); continue
            }
            let (lower, upper) = try SparseBounds.completions(target: t, drafts: [x, y])
            for (p, qs) in [lower, upper] {
                let law = try DraftLaw.independent(qs)
                let sfm = try SubsetObjective(target: p, law: law).certifiedMinimum(maxIterations: 100_000)
                #expect(sfm.upper - sfm.lower <= 1e-12, "position \(i): SFM gap \(sfm.upper - sfm.lower) (\(sfm.route))")
                worst = max(worst, sfm.upper - sfm.lower)
                routes["\(sfm.route)", default: 0] += 1
                let flow = try BatchEvaluation.alphaStar(target: p, law: law, maxIterations: 100_000)
                #expect(abs((1 + sfm.lower) - flow.lower) <= 1e-11, "position \(i): SFM \(1 + sfm.lower) vs \(flow.method) \(flow.lower)")
            }
        }
        if all { print("real pair: largest SFM gap over every position \(worst); routes \(routes)") }
    }
}
