import MultidraftSupport
import Foundation

/// The NumPy `.npy` format (versions 1–3), read and written in one place for the whole toolkit: the probability
/// vectors of `Distribution.readVector`, the tensors of batch files, and every `.npy` the toolkit writes.
///
/// ```
/// \x93NUMPY  major minor  header length (2 bytes in v1, 4 in v2/v3, little-endian)
/// header: a Python dict literal {'descr': '<f8', 'fortran_order': False, 'shape': (n,), } padded with spaces and
///         a newline so the data starts at a multiple of 64 bytes; then the raw C-order elements
/// ```
///
/// Element types: float16/32/64 and int32/64 (`descr` codes f2, f4, f8, i4, i8), either byte order ('<', '>', '|',
/// '='). Fortran-order arrays are accepted only where the order cannot matter (one dimension).
package enum NPYFile {
    /// What the header says, checked: the type, the byte order, the shape and where the data starts; the data
    /// length is checked against the shape.
    package struct Header: Sendable, Equatable {
        package let elementType: ElementType
        package let bigEndian: Bool
        package let shape: [Int]
        /// Byte offset of element 0.
        package let dataOffset: Int
        /// The `descr` string as written (for messages).
        package let descr: String

        package var elementCount: Int { shape.reduce(1, *) }
    }

    /// A malformed or unsupported file; `description` is the detail, to which callers add the path.
    package struct FormatError: Error, CustomStringConvertible, Equatable {
        package let description: String
        init(_ description: String) { self.description = description }
    }

    /// Parses and checks the header of a file of `size` bytes, read through `bytes` (which may return fewer bytes
    /// than asked at the end of the file), for arrays of `dimensions` dimensions.
    package static func header(
        size: Int, dimensions: ClosedRange<Int>, bytes: (Range<Int>) -> Data
    ) throws(FormatError)
        -> Header
    {
        let lead = [UInt8](bytes(0..<min(size, 12)))
        guard lead.count >= 10, lead[0] == 0x93, Array(lead[1...5]) == Array("NUMPY".utf8) else {
            throw FormatError("not a NumPy .npy file (bad magic)")
        }
        let headerStart: Int, headerLength: Int
        switch lead[6] {
        case 1: (headerStart, headerLength) = (10, Int(lead[8]) | Int(lead[9]) << 8)
        case 2, 3:
            guard lead.count >= 12 else { throw FormatError("truncated header") }
            headerStart = 12
            headerLength = Int(lead[8]) | Int(lead[9]) << 8 | Int(lead[10]) << 16 | Int(lead[11]) << 24
        default: throw FormatError("unsupported .npy format version \(lead[6])")
        }
        guard size >= headerStart + headerLength else { throw FormatError("truncated header") }
        guard
            let text = String(
                data: bytes(headerStart..<(headerStart + headerLength)),
                encoding: lead[6] == 3 ? .utf8 : .isoLatin1)
        else {
            throw FormatError("unreadable header")
        }
        guard let descr = value(of: "descr", in: text), descr.count >= 3 else {
            throw FormatError("header has no 'descr'")
        }
        let codes: [Substring: ElementType] = [
            "f2": .float16, "f4": .float32, "f8": .float64, "i4": .int32, "i8": .int64
        ]
        guard let type = codes[descr.dropFirst()], let order = descr.first, "<>|=".contains(order) else {
            throw FormatError("dtype '\(descr)' is not float16/32/64 or int32/64")
        }
        guard let shapeText = value(of: "shape", in: text) else { throw FormatError("header has no 'shape'") }
        let dims = shapeText.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
            !$0.isEmpty
        }
        let shape = dims.compactMap { Int($0) }
        guard shape.count == dims.count, dimensions.contains(shape.count), shape.allSatisfy({ $0 >= 0 }) else {
            let wanted = (dimensions.lowerBound...dimensions.upperBound).map { "\($0)-D" }.joined(separator: " or ")
            throw FormatError("array must be \(wanted), shape is (\(shapeText))")
        }
        if shape.count > 1, value(of: "fortran_order", in: text) == "True" {
            throw FormatError("Fortran-order arrays are not supported (save with C order)")
        }
        var count = 1
        for d in shape {
            let (c, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow else { throw FormatError("shape \(shape) overflows") }
            count = c
        }
        let dataOffset = headerStart + headerLength
        let (needed, overflow) = count.multipliedReportingOverflow(by: type.width)
        guard !overflow, size - dataOffset == needed else {
            throw FormatError(
                "shape \(shape) of \(type.rawValue) needs \(overflow ? "too many" : String(needed)) bytes, the file holds \(size - dataOffset) (truncated or header lies)"
            )
        }
        return Header(
            elementType: type, bigEndian: order == ">", shape: shape, dataOffset: dataOffset,
            descr: descr)
    }

    /// The elements of a whole file held in memory, as Doubles (exact for every type; integers beyond 2^53 are not).
    package static func values(_ data: Data, header: Header) -> [Double] {
        let width = header.elementType.width, count = header.elementCount
        return data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> [Double] in
            guard count > 0, let base = raw.baseAddress else { return [] }
            return (0..<count).map {
                header.elementType.load(base, at: header.dataOffset + $0 * width, bigEndian: header.bigEndian)
            }
        }
    }

    /// A version-1 `.npy` file of a C-order array of `shape` (any number of dimensions) holding `values` as `type`
    /// (little-endian). bfloat16 has no `.npy` dtype. The shape is written as given (tests write files whose header
    /// lies); readers check it against the data length.
    package static func data(_ values: [Double], shape: [Int], as type: ElementType) -> Data {
        let codes: [ElementType: String] = [
            .float16: "<f2", .float32: "<f4", .float64: "<f8", .int32: "<i4", .int64: "<i8"
        ]
        precondition(codes[type] != nil, "bfloat16 has no .npy dtype")
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(codes[type]!)', 'fortran_order': False, 'shape': \(shapeText), }"
        header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        data.append(contentsOf: Array(header.utf8))
        data.append(type.littleEndianBytes(values))
        return data
    }

    /// The value of `'key':` in a header dict: the text inside its parentheses for a tuple, else up to the next
    /// comma or closing brace without quotes.
    static func value(of key: String, in header: String) -> String? {
        guard let r = header.range(of: "'\(key)'") else { return nil }
        let rest = header[r.upperBound...].drop { $0 == ":" || $0 == " " }
        if rest.first == "(" {
            guard let close = rest.firstIndex(of: ")") else { return nil }
            return String(rest[rest.index(after: rest.startIndex)..<close])
        }
        let end = rest.firstIndex { $0 == "," || $0 == "}" } ?? rest.endIndex
        return rest[..<end].trimmingCharacters(in: CharacterSet(charactersIn: "'\" "))
    }
}
