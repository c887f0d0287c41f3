import MultidraftSupport
import Foundation

/// One cell of a tidy CSV table.
public enum CSVValue: Sendable, Equatable, CustomStringConvertible {
    case text(String)
    case integer(Int)
    case real(Double)
    case empty

    /// The cell as written: reals in the shortest form that reads back to the same `Double`, `nan`/`inf` spelled
    /// out, text quoted when it holds a comma, a quote or a newline.
    public var description: String {
        switch self {
        case .text(let s):
            if s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) {
                return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            }
            return s
        case .integer(let i): return String(i)
        case .real(let x):
            if x.isNaN { return "nan" }
            if x.isInfinite { return x > 0 ? "inf" : "-inf" }
            return "\(x)"
        case .empty: return ""
        }
    }
}

extension CSVValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral {
    public init(stringLiteral value: String) { self = .text(value) }
    public init(integerLiteral value: Int) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .real(value) }
}

/// A tidy (long) CSV table: a snake_case header and one observation per row.
///
/// Tables are written atomically: the text goes to a temporary file beside the destination, which is then renamed
/// over it, so a failing run never leaves a partial file behind.
public struct CSVTable: Sendable, Equatable {
    public let header: [String]
    /// The data rows, already rendered as CSV lines (without newline).
    public private(set) var lines: [String] = []

    public init(header: [String]) {
        self.header = header
    }

    /// Appends a row; its length must equal the header's.
    public mutating func append(_ row: [CSVValue]) {
        precondition(row.count == header.count, "CSV row has \(row.count) cells, header has \(header.count)")
        lines.append(row.map(\.description).joined(separator: ","))
    }

    /// Appends rows that are already rendered CSV lines (for example read back from a part file).
    public mutating func appendRaw(_ rendered: [String]) {
        lines += rendered
    }

    /// The number of data rows.
    public var rowCount: Int { lines.count }

    /// Appends every row of `other`, which must have the same header.
    public mutating func append(contentsOf other: CSVTable) {
        precondition(other.header == header, "CSV headers differ")
        lines += other.lines
    }

    /// The table as CSV text, with a trailing newline.
    public var text: String {
        var out = header.joined(separator: ",") + "\n"
        for line in lines { out += line + "\n" }
        return out
    }

    /// Writes the table to `path` atomically (temporary file, then rename).
    public func write(to path: String) throws {
        try writeAtomically(text, to: path)
    }
}

/// Writes `text` to `path` atomically: a temporary file in the (link target's) folder, then `rename(2)`; see
/// ``SafeOutputFile`` for symbolic links, FIFOs, devices and permissions.
package func writeAtomically(_ text: String, to path: String) throws {
    try SafeOutputFile.write(text, to: path)
}

/// Errors of writing output files.
public enum OutputError: Error, Equatable, CustomStringConvertible {
    case missingFolder(String)
    case cannotWrite(String)
    case sameFile(String, String)
    case notAFile(String, kind: String)
    case invalidPath

    public var description: String {
        switch self {
        case .sameFile(let a, let b): return "output files '\(a)' and '\(b)' are the same file"
        case .notAFile(let path, let kind): return "cannot write output '\(path)': it is \(kind)"
        case .invalidPath: return "an output path contains a NUL byte"
        case .missingFolder(let folder): return "output folder '\(folder)' does not exist"
        case .cannotWrite(let path): return "cannot write output file '\(path)'"
        }
    }
}
