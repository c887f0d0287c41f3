import MultidraftIO
import Foundation
import MultidraftSupport

// Reading the toolkit's numeric text inputs: timing rows for the cost fit, acceptance laws, and the numeric-row
// parser and file reader they share.

extension CostFit {
    /// Parses `draft_calls,target_calls,seconds` rows (commas, semicolons or white space; `#` comments; one
    /// optional header line of names).
    public static func parse(_ text: String, source: String) throws -> [TimingObservation] {
        let rows = try parseNumericRows(text, source: source)
        return try rows.map { row in
            guard row.values.count == 3 else {
                throw CandidateLengthError.malformedInput(
                    source: source, line: row.line,
                    detail: "expected 3 numbers (draft_calls,target_calls,seconds), found \(row.values.count)")
            }
            return TimingObservation(draftCalls: row.values[0], targetCalls: row.values[1], seconds: row.values[2])
        }
    }
}

/// Rows of finite numbers (``NumericText``: separators `,` `;` space tab; `#` starts a comment; blank lines skipped;
/// the first non-blank line may be a header of names). Throws on empty input or on any non-numeric or non-finite
/// field after the header.
func parseNumericRows(_ text: String, source: String) throws -> [(line: Int, values: [Double])] {
    let parsed: [NumericText.Row]
    do { parsed = try NumericText.rows(text, allowHeader: true).rows } catch {
        throw CandidateLengthError.malformedInput(
            source: source, line: error.line, detail: "'\(error.field)' is not a number")
    }
    var rows: [(line: Int, values: [Double])] = []
    for row in parsed {
        if let k = row.values.firstIndex(where: { !$0.isFinite }) {
            throw CandidateLengthError.malformedInput(
                source: source, line: row.line, detail: "'\(row.fields[k])' is not finite")
        }
        rows.append((row.line, row.values))
    }
    guard !rows.isEmpty else { throw CandidateLengthError.emptyInput(source: source) }
    return rows
}

/// Reads a UTF-8 text file, mapping a missing file to ``CandidateLengthError/fileNotFound(_:)``.
package func readTextFile(_ path: String) throws -> String {
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
            throw CandidateLengthError.malformedInput(
                source: source, line: rows[0].line,
                detail: "expected 1 number (acceptance probability) or 2 (value,weight), found \(width)")
        }
        var values: [Double] = [], weights: [Double] = []
        for row in rows {
            guard row.values.count == width else {
                throw CandidateLengthError.malformedInput(
                    source: source, line: row.line,
                    detail: "expected \(width) numbers like the first row, found \(row.values.count)")
            }
            guard row.values[0] >= 0, row.values[0] <= 1 else {
                throw CandidateLengthError.malformedInput(
                    source: source, line: row.line,
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
        guard bins >= 1 else {
            throw CandidateLengthError.invalidLength(name: "bins", value: bins, detail: "must be >= 1")
        }
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
