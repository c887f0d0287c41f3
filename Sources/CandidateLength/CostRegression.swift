import CLAPACKE
import Foundation

/// One timed run: its counts of draft and target passes and its wall-clock seconds.
public struct TimingObservation: Sendable, Hashable {
    public let draftCalls: Double
    public let targetCalls: Double
    public let seconds: Double

    public init(draftCalls: Double, targetCalls: Double, seconds: Double) {
        self.draftCalls = draftCalls
        self.targetCalls = targetCalls
        self.seconds = seconds
    }
}

/// Least-squares fit of the SpecDec++ linear time model without intercept (candidate-length.md §3):
///
/// ```
/// T_r ≈ t_d N_draft,r + t_t N_target,r,      (t_d, t_t) = argmin Σ_r (T_r − t_d N_d,r − t_t N_t,r)²
/// R² (uncentred, the usual definition for a no-intercept fit) = 1 − Σ e_r² / Σ T_r²
/// ```
///
/// Solved by LAPACK `dgels` (QR). Rank deficiency (a zero column, or proportional columns such as a fixed candidate
/// length with N_draft = K N_target) is refused before the solve: the Gram matrix G = XᵀX must satisfy
/// det G > 1e-12 · G₁₁ G₂₂ (i.e. sin² of the angle between the columns > 1e-12). O(n) for n rows.
public struct CostFit: Sendable {
    public let draftTime: Double
    public let targetTime: Double
    /// e_r = T_r − fitted_r.
    public let residuals: [Double]
    /// Uncentred R² = 1 − RSS / Σ T².
    public let rSquared: Double

    public init(_ rows: [TimingObservation]) throws {
        guard rows.count >= 2 else { throw CandidateLengthError.tooFewRows(found: rows.count, needed: 2) }
        for (i, r) in rows.enumerated() {
            for (name, v) in [("draft_calls", r.draftCalls), ("target_calls", r.targetCalls), ("seconds", r.seconds)] {
                guard v.isFinite else { throw CandidateLengthError.notFinite(name: "row \(i + 1) \(name)", value: v) }
                guard v >= 0 else { throw CandidateLengthError.negativeCount(row: i + 1, name: name, value: v) }
            }
        }
        // The Gram matrix of the columns scaled by their largest entries, so that tiny (1e-300) or huge (1e300)
        // counts neither underflow to a false "zero column" nor overflow.
        let scale1 = rows.map(\.draftCalls).max() ?? 0, scale2 = rows.map(\.targetCalls).max() ?? 0
        var g11 = 0.0, g22 = 0.0, g12 = 0.0
        if scale1 > 0 && scale2 > 0 {
            for r in rows {
                let d = r.draftCalls / scale1, t = r.targetCalls / scale2
                g11 += d * d
                g22 += t * t
                g12 += d * t
            }
        } else {
            g11 = scale1; g22 = scale2
        }
        if rows.allSatisfy({ $0.seconds == 0 }) {
            throw CandidateLengthError.singularDesign("seconds is zero in every row: there is no time to explain")
        }
        if g11 == 0 { throw CandidateLengthError.singularDesign("draft_calls is zero in every row") }
        if g22 == 0 { throw CandidateLengthError.singularDesign("target_calls is zero in every row") }
        let det = g11 * g22 - g12 * g12
        guard det > 1e-12 * g11 * g22 else {
            throw CandidateLengthError.singularDesign(
                "draft_calls and target_calls are proportional (e.g. a fixed candidate length); vary the candidate length across runs"
            )
        }
        var a = [Double](repeating: 0, count: 2 * rows.count)
        var b = rows.map(\.seconds)
        for (i, r) in rows.enumerated() {
            a[2 * i] = r.draftCalls
            a[2 * i + 1] = r.targetCalls
        }
        let m = Int32(rows.count)
        let info = LAPACKE_dgels(LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "N")), m, 2, 1, &a, 2, &b, 1)
        if info > 0 { throw CandidateLengthError.singularDesign("the design matrix does not have full rank") }
        if info < 0 { throw CandidateLengthError.lapackFailure(routine: "dgels", info: info) }
        draftTime = b[0]
        targetTime = b[1]
        residuals = rows.map { $0.seconds - (b[0] * $0.draftCalls + b[1] * $0.targetCalls) }
        let rss = residuals.reduce(0) { $0 + $1 * $1 }
        let tss0 = rows.reduce(0) { $0 + $1.seconds * $1.seconds }
        rSquared = tss0 > 0 ? 1 - rss / tss0 : 1
    }
}
