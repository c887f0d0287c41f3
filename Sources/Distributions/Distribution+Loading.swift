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
            throw DistributionError.unsupportedFile(path: path, detail: "a NUL byte in a text file (use .npy for binary arrays)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw DistributionError.unsupportedFile(path: path, detail: "not UTF-8 text (use .npy for binary arrays)")
        }
        return try parseNumbers(text, source: "in '\(path)'", allowHeader: true)
    }

    /// Parses numbers separated by commas, semicolons or white space.
    static func parseNumbers(_ text: String, source: String, allowHeader: Bool) throws -> [Double] {
        var values: [Double] = []
        var sawData = false
        for (lineNumber, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let fields = line.split(whereSeparator: { $0 == "," || $0 == ";" || $0 == " " || $0 == "\t" || $0 == "\r" })
            if fields.isEmpty { continue }
            let parsed = fields.map { Double(String($0)) }
            if !sawData && allowHeader && parsed.allSatisfy({ $0 == nil }) {
                sawData = true   // a header of column names
                if fields.count != 1 {
                    throw DistributionError.malformed(source: source, detail: "expected one column of numbers, header has \(fields.count) columns")
                }
                continue
            }
            sawData = true
            for (field, value) in zip(fields, parsed) {
                guard let value else {
                    throw DistributionError.malformed(source: source, detail: "line \(lineNumber + 1): '\(field.prefix(30))' is not a number")
                }
                values.append(value)
            }
        }
        guard !values.isEmpty else { throw DistributionError.malformed(source: source, detail: "no numbers found") }
        return values
    }
}

/// Reads NumPy `.npy` files holding a 1-D array of float32 or float64 (format versions 1–3).
enum NPYReader {
    static func read(_ data: Data, path: String) throws -> [Double] {
        func fail(_ detail: String) -> DistributionError { .unsupportedFile(path: path, detail: detail) }
        let bytes = [UInt8](data.prefix(12))
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1...5]) == Array("NUMPY".utf8) else {
            throw fail("not a NumPy .npy file (bad magic)")
        }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("truncated header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw fail("unsupported .npy format version \(major)")
        }
        guard data.count >= headerStart + headerLength else { throw fail("truncated header") }
        let headerData = data.subdata(in: headerStart..<(headerStart + headerLength))
        guard let header = String(data: headerData, encoding: major == 3 ? .utf8 : .isoLatin1) else {
            throw fail("unreadable header")
        }
        guard let descr = field("descr", in: header) else { throw fail("header has no 'descr'") }
        let descrValue = descr.trimmingCharacters(in: CharacterSet(charactersIn: "'\" "))
        let width: Int
        switch descrValue.dropFirst() {
        case "f8": width = 8
        case "f4": width = 4
        default: throw fail("dtype '\(descrValue)' is not float32 or float64")
        }
        let bigEndian: Bool
        switch descrValue.first {
        case "<", "|", "=": bigEndian = false
        case ">": bigEndian = true
        default: throw fail("dtype '\(descrValue)' has no byte order")
        }
        // fortran_order is irrelevant: a 1-D array is the same in either order, and the shape check rejects others.
        guard let shapeText = shape(in: header) else { throw fail("header has no 'shape'") }
        let dims = shapeText.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard dims.count == 1, let count = Int(dims[0]), count >= 0 else {
            throw fail("array must be 1-D, shape is (\(shapeText))")
        }
        let dataStart = headerStart + headerLength
        let (bytesNeeded, overflow) = count.multipliedReportingOverflow(by: width)
        guard !overflow, data.count - dataStart == bytesNeeded else {
            throw fail("expected \(count) values of \(width) bytes, file holds \(data.count - dataStart) data bytes")
        }
        var values = [Double](repeating: 0, count: count)
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let base = raw.baseAddress! + dataStart
            if width == 8 {
                for i in 0..<count {
                    var bits = base.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)
                    bits = bigEndian ? UInt64(bigEndian: bits) : UInt64(littleEndian: bits)
                    values[i] = Double(bitPattern: bits)
                }
            } else {
                for i in 0..<count {
                    var bits = base.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)
                    bits = bigEndian ? UInt32(bigEndian: bits) : UInt32(littleEndian: bits)
                    values[i] = Double(Float(bitPattern: bits))
                }
            }
        }
        return values
    }

    /// The text after `'key':` up to the next comma or closing brace.
    private static func field(_ key: String, in header: String) -> String? {
        guard let range = header.range(of: "'\(key)'") else { return nil }
        let rest = header[range.upperBound...].drop(while: { $0 == " " || $0 == ":" })
        let end = rest.firstIndex(where: { $0 == "," || $0 == "}" }) ?? rest.endIndex
        return String(rest[..<end])
    }

    /// The text between the parentheses of `'shape': (...)`.
    private static func shape(in header: String) -> String? {
        guard let range = header.range(of: "'shape'"),
              let open = header[range.upperBound...].firstIndex(of: "("),
              let close = header[open...].firstIndex(of: ")") else { return nil }
        return String(header[header.index(after: open)..<close])
    }

    /// Encodes a float64 vector as a version-1 `.npy` file (used by tests and experiments).
    static func encode(_ values: [Double]) -> Data {
        var header = "{'descr': '<f8', 'fortran_order': False, 'shape': (\(values.count),), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        data.append(contentsOf: Array(header.utf8))
        for v in values {
            let bits = v.bitPattern.littleEndian
            withUnsafeBytes(of: bits) { data.append(contentsOf: $0) }
        }
        return data
    }
}

extension Distribution {
    /// The bytes of a float64 NumPy `.npy` file holding `values`.
    public static func npyData(_ values: [Double]) -> Data {
        NPYReader.encode(values)
    }
}
