/// Numbers in text, the one parser of the toolkit's text inputs (probability vectors, acceptance laws, cost
/// observations, Markov transition files):
///
/// ```
/// separators   ,  ;  space  tab  (and a stray \r)
/// comments     # to the end of the line
/// blank lines  skipped (line numbers still count them)
/// header       with allowHeader, a first non-blank line on which no field parses as a number
/// ```
///
/// Fields parse with Swift's `Double(String)` (decimal and hexadecimal floats, `inf`, `nan`): callers that need
/// finite values check them, with the field's text for their message.
package enum NumericText {
    /// One line of numbers: its 1-based line number, its fields as written and their values.
    package struct Row: Sendable {
        package let line: Int
        package let fields: [Substring]
        package let values: [Double]
    }

    /// A field that is not a number.
    package struct NotANumber: Error, Sendable, Equatable {
        package let line: Int
        package let field: String
    }

    /// The rows of `text`, and the header's fields when `allowHeader` and the first non-blank line is one.
    package static func rows(
        _ text: String, allowHeader: Bool
    ) throws(NotANumber) -> (header: [Substring]?, rows: [Row]) {
        var rows: [Row] = []
        var header: [Substring]?
        var seenContent = false
        for (n, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let fields = line.split(whereSeparator: { $0 == "," || $0 == ";" || $0 == " " || $0 == "\t" || $0 == "\r" })
            if fields.isEmpty { continue }
            let parsed = fields.map { Double(String($0)) }
            if !seenContent {
                seenContent = true
                if allowHeader && parsed.allSatisfy({ $0 == nil }) { header = fields; continue }
            }
            var values: [Double] = []
            values.reserveCapacity(fields.count)
            for (field, value) in zip(fields, parsed) {
                guard let value else { throw NotANumber(line: n + 1, field: String(field)) }
                values.append(value)
            }
            rows.append(Row(line: n + 1, fields: fields, values: values))
        }
        return (header, rows)
    }
}
