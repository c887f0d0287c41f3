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
    /// Centred R² = 1 − RSS / Σ (T − mean T)² (reported for comparison; can be negative without an intercept).
    public let centredRSquared: Double

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
            throw CandidateLengthError.singularDesign("draft_calls and target_calls are proportional (e.g. a fixed candidate length); vary the candidate length across runs")
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
        let mean = rows.reduce(0) { $0 + $1.seconds } / Double(rows.count)
        let tss = rows.reduce(0) { $0 + ($1.seconds - mean) * ($1.seconds - mean) }
        rSquared = tss0 > 0 ? 1 - rss / tss0 : 1
        centredRSquared = tss > 0 ? 1 - rss / tss : (rss == 0 ? 1 : -Double.infinity)
    }

    /// Parses `draft_calls,target_calls,seconds` rows (commas, semicolons or white space; `#` comments; one
    /// optional header line of names).
    public static func parse(_ text: String, source: String) throws -> [TimingObservation] {
        let rows = try parseNumericRows(text, source: source)
        return try rows.map { row in
            guard row.values.count == 3 else {
                throw CandidateLengthError.malformedInput(source: source, line: row.line,
                                                          detail: "expected 3 numbers (draft_calls,target_calls,seconds), found \(row.values.count)")
            }
            return TimingObservation(draftCalls: row.values[0], targetCalls: row.values[1], seconds: row.values[2])
        }
    }
}

/// Splits text into rows of numbers: separators `,` `;` space tab; `#` starts a comment; blank lines skipped; the
/// first non-blank line may be a header of names (no field parses as a number). Throws on empty input or on any
/// non-numeric field after the header.
func parseNumericRows(_ text: String, source: String) throws -> [(line: Int, values: [Double])] {
    var rows: [(line: Int, values: [Double])] = []
    var seenContent = false
    for (n, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
        let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let fields = line.split(whereSeparator: { $0 == "," || $0 == ";" || $0 == " " || $0 == "\t" || $0 == "\r" })
        if fields.isEmpty { continue }
        let parsed = fields.map { Double(String($0)) }
        if !seenContent {
            seenContent = true
            if parsed.allSatisfy({ $0 == nil }) { continue }
        }
        var values: [Double] = []
        for (f, v) in zip(fields, parsed) {
            guard let v else {
                throw CandidateLengthError.malformedInput(source: source, line: n + 1, detail: "'\(f)' is not a number")
            }
            guard v.isFinite else {
                throw CandidateLengthError.malformedInput(source: source, line: n + 1, detail: "'\(f)' is not finite")
            }
            values.append(v)
        }
        rows.append((n + 1, values))
    }
    guard !rows.isEmpty else { throw CandidateLengthError.emptyInput(source: source) }
    return rows
}

/// Reads a UTF-8 text file, mapping a missing file to ``CandidateLengthError/fileNotFound(_:)``.
public func readTextFile(_ path: String) throws -> String {
    do {
        return try InputFile.text(path)
    } catch InputFile.Failure.notFound {
        throw CandidateLengthError.fileNotFound(path)
    } catch let failure as InputFile.Failure {
        throw CandidateLengthError.malformedInput(source: "'\(path)'", line: 0, detail: failure.description)
    }
}

extension AcceptanceLaw {
    /// Parses an acceptance law: one probability per line (equal weights), or `value,weight` pairs per line.
    /// All lines must have the same number of fields (1 or 2).
    public static func parse(_ text: String, source: String) throws -> AcceptanceLaw {
        let rows = try parseNumericRows(text, source: source)
        let width = rows[0].values.count
        guard width == 1 || width == 2 else {
            throw CandidateLengthError.malformedInput(source: source, line: rows[0].line,
                                                      detail: "expected 1 number (acceptance probability) or 2 (value,weight), found \(width)")
        }
        var values: [Double] = [], weights: [Double] = []
        for row in rows {
            guard row.values.count == width else {
                throw CandidateLengthError.malformedInput(source: source, line: row.line,
                                                          detail: "expected \(width) numbers like the first row, found \(row.values.count)")
            }
            guard row.values[0] >= 0, row.values[0] <= 1 else {
                throw CandidateLengthError.malformedInput(source: source, line: row.line,
                                                          detail: "acceptance probability \(row.values[0]) is outside [0, 1]")
            }
            values.append(row.values[0])
            weights.append(width == 2 ? row.values[1] : 1)
        }
        return try AcceptanceLaw(values: values, weights: weights)
    }

    /// Merges the support into `bins` equal-width bins of [0, 1]; each bin keeps its total weight at its weighted
    /// mean value, so ā is unchanged. Useful for large sample files (the DP state space is C(K_max + M, M)).
    public func binned(_ bins: Int) throws -> AcceptanceLaw {
        guard bins >= 1 else { throw CandidateLengthError.invalidLength(name: "bins", value: bins, detail: "must be >= 1") }
        var mass = [Double](repeating: 0, count: bins), moment = [Double](repeating: 0, count: bins)
        for (v, w) in zip(values, weights) {
            let b = min(bins - 1, Int(v * Double(bins)))
            mass[b] += w
            moment[b] += w * v
        }
        var vs: [Double] = [], ws: [Double] = []
        for b in 0..<bins where mass[b] > 0 {
            vs.append(min(1, max(0, moment[b] / mass[b])))
            ws.append(mass[b])
        }
        return try AcceptanceLaw(values: vs, weights: ws)
    }
}
