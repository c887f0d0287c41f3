import MultidraftIO
import MultidraftSupport
import Foundation

extension Distribution {
    /// Reads a vector of numbers from a command-line argument: an inline comma-separated list (`0.5,0.3,0.2`) or
    /// `@PATH` naming a file. Files ending in `.npy` are read as NumPy arrays (1-D, float32 or float64, either byte
    /// order); any other file as text of numbers separated by commas, semicolons, spaces or newlines, with `#`
    /// comments and an optional one-line header of column names.
    ///
    /// The numbers are returned raw: wrap them in ``init(_:)`` (probabilities) or ``init(logits:temperature:topK:topP:)``.
    public static func readVector(_ argument: String) throws -> [Double] {
        if argument.hasPrefix("@") {
            return try readVector(fromFile: String(argument.dropFirst()))
        }
        return try parseNumbers(argument, source: "'\(argument.prefix(40))'", allowHeader: false)
    }

    /// Reads a vector of numbers from a `.npy` or text/CSV file.
    public static func readVector(fromFile path: String) throws -> [Double] {
        let data: Data
        do {
            data = try InputFile.data(path)
        } catch InputFile.Failure.notFound {
            throw DistributionError.fileNotFound(path)
        } catch {
            throw DistributionError.unsupportedFile(path: path, detail: "\(error)")
        }
        if path.lowercased().hasSuffix(".npy") {
            return try NPYReader.read(data, path: path)
        }
        guard !data.contains(0) else {
            throw DistributionError.unsupportedFile(
                path: path, detail: "a NUL byte in a text file (use .npy for binary arrays)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw DistributionError.unsupportedFile(path: path, detail: "not UTF-8 text (use .npy for binary arrays)")
        }
        return try parseNumbers(text, source: "in '\(path)'", allowHeader: true)
    }

    /// Parses numbers separated by commas, semicolons or white space (``NumericText``); with `allowHeader`, a
    /// first line of one column name is skipped.
    static func parseNumbers(_ text: String, source: String, allowHeader: Bool) throws -> [Double] {
        let parsed: (header: [Substring]?, rows: [NumericText.Row])
        do { parsed = try NumericText.rows(text, allowHeader: allowHeader) } catch {
            throw DistributionError.malformed(
                source: source, detail: "line \(error.line): '\(error.field.prefix(30))' is not a number")
        }
        if let header = parsed.header, header.count != 1 {
            throw DistributionError.malformed(
                source: source, detail: "expected one column of numbers, header has \(header.count) columns")
        }
        let values = parsed.rows.flatMap(\.values)
        guard !values.isEmpty else { throw DistributionError.malformed(source: source, detail: "no numbers found") }
        return values
    }
}

/// Reads NumPy `.npy` files holding a 1-D array of float32 or float64 (format versions 1–3), through the toolkit's
/// one `.npy` reader (``NPYFile``).
enum NPYReader {
    static func read(_ data: Data, path: String) throws -> [Double] {
        func fail(_ detail: String) -> DistributionError { .unsupportedFile(path: path, detail: detail) }
        let header: NPYFile.Header
        do {
            header = try NPYFile.header(size: data.count, dimensions: 1...1) { range in
                data.subdata(in: min(range.lowerBound, data.count)..<min(range.upperBound, data.count))
            }
        } catch {
            throw fail(error.description)
        }
        guard header.elementType == .float32 || header.elementType == .float64 else {
            throw fail("dtype '\(header.descr)' is not float32 or float64")
        }
        return NPYFile.values(data, header: header)
    }
}

extension Distribution {
    /// The bytes of a float64 NumPy `.npy` file holding `values` (``NPYFile/data(_:shape:as:)``).
    public static func npyData(_ values: [Double]) -> Data {
        NPYFile.data(values, shape: [values.count], as: .float64)
    }
}
