import Foundation
import MultidraftSupport

/// The bytes of an input file, read on demand: a regular file by `pread` at the requested offsets (nothing is kept in
/// memory, so the resident size of a batch run does not grow with the dataset), anything else (a FIFO, a device)
/// read once with ``InputFile/data(_:limit:)``.
final class ByteSource: @unchecked Sendable {
    private let descriptor: Int32?
    private let data: Data?
    let count: Int

    init(path: String) throws {
        var info = stat()
        if stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw InputFile.Failure.unreadable(path) }
            (descriptor, data, count) = (fd, nil, Int(info.st_size))
        } else {
            let bytes = try InputFile.data(path)
            (descriptor, data, count) = (nil, bytes, bytes.count)
        }
    }

    deinit { if let descriptor { close(descriptor) } }

    /// The bytes in `range` (clamped to the file; fewer only if the file shrank while open).
    func bytes(_ range: Range<Int>) -> Data {
        let lower = max(0, min(range.lowerBound, count)), upper = max(lower, min(range.upperBound, count))
        if let data { return data.subdata(in: lower..<upper) }
        var out = Data(count: upper - lower)
        var done = 0
        out.withUnsafeMutableBytes { raw in
            while done < upper - lower {
                let n = pread(descriptor!, raw.baseAddress! + done, upper - lower - done, off_t(lower + done))
                if n <= 0 { break }
                done += n
            }
        }
        return done == out.count ? out : out.prefix(done)
    }
}

/// A 1-D or 2-D tensor stored in a file (NumPy `.npy` or Hugging Face safetensors), read in place: ``row(_:)``
/// reads and decodes one row (one position) at a time, so memory does not grow with the number of positions.
public struct StoredTensor: Sendable {
    public let path: String
    /// The tensor's name in a safetensors file ("" for `.npy`).
    public let name: String
    public let type: ElementType
    /// [positions, width] for 2-D tensors, [width] for 1-D.
    public let shape: [Int]
    let source: ByteSource
    /// Byte offset of element 0 in the file.
    package let offset: Int
    /// Whether the elements are stored big-endian (NumPy `>` dtypes).
    package let bigEndian: Bool

    /// Number of rows (1 for a 1-D tensor).
    public var rowCount: Int { shape.count == 2 ? shape[0] : 1 }
    /// Elements per row.
    public var rowWidth: Int { shape.last ?? 0 }

    /// Row `i` as Doubles (exact conversion from every stored type).
    public func row(_ i: Int) -> [Double] {
        precondition(i >= 0 && i < rowCount)
        let width = rowWidth
        var out = [Double](repeating: 0, count: width)
        let start = offset + i * width * type.width
        let bytes = source.bytes(start..<(start + width * type.width))
        // the file shrank: fails the row checks
        guard bytes.count == width * type.width else { return out.map { _ in .nan } }
        bytes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            guard let base = raw.baseAddress else { return }
            type.loadAll(base, count: width, bigEndian: bigEndian, into: &out)
        }
        return out
    }

    /// Elements `range` of the flattened tensor as Doubles, in one read (exact for every stored type; integers
    /// beyond 2^53 are not exact). Fewer elements only if the file shrank while open.
    public func elements(_ range: Range<Int>) -> [Double] {
        let count = shape.reduce(1, *)
        let lower = max(0, min(range.lowerBound, count)), upper = max(lower, min(range.upperBound, count))
        let bytes = source.bytes((offset + lower * type.width)..<(offset + upper * type.width))
        let n = bytes.count / type.width
        return bytes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> [Double] in
            guard let base = raw.baseAddress else { return [] }
            var out: [Double] = []
            type.loadAll(base, count: n, bigEndian: bigEndian, into: &out)
            return out
        }
    }

    /// The number of elements of the flattened tensor.
    public var elementCount: Int { shape.reduce(1, *) }

    /// Element `i` of a 1-D tensor (or of the flattened tensor).
    public func element(_ i: Int) -> Double {
        let bytes = source.bytes((offset + i * type.width)..<(offset + (i + 1) * type.width))
        guard bytes.count == type.width else { return .nan }
        return bytes.withUnsafeBytes { raw in type.load(raw.baseAddress!, at: 0, bigEndian: bigEndian) }
    }
}

/// Readers for the two tensor file formats.
public enum TensorFile {
    /// Splits `FILE[:TENSOR]`: the whole argument when it names an existing file, else at the last `:`.
    public static func splitSpec(_ spec: String) -> (path: String, tensor: String?) {
        if FileManager.default.fileExists(atPath: spec) { return (spec, nil) }
        guard let colon = spec.lastIndex(of: ":") else { return (spec, nil) }
        let name = String(spec[spec.index(after: colon)...])
        return (String(spec[..<colon]), name.isEmpty ? nil : name)
    }

    /// Every tensor of a file: a `.npy` file holds one (named ""), a `.safetensors` file any number. The metadata
    /// of a safetensors header (`__metadata__`, string values) is returned beside them.
    public static func open(_ path: String) throws -> (tensors: [String: StoredTensor], metadata: [String: String]) {
        let data: ByteSource
        do { data = try ByteSource(path: path) } catch {
            throw FileFormatError(path: path, detail: "\(error)")
        }
        let lower = path.lowercased()
        if lower.hasSuffix(".npy") { return (["": try npy(data, path: path)], [:]) }
        if lower.hasSuffix(".safetensors") { return try safetensors(data, path: path) }
        throw FileFormatError(path: path, detail: "unknown tensor format (expected .npy or .safetensors)")
    }

    /// A NumPy `.npy` file (versions 1–3) of a 1-D or 2-D C-order array of float16/32/64 or int32/64
    /// (``NPYFile/header(size:dimensions:bytes:)``).
    static func npy(_ data: ByteSource, path: String) throws -> StoredTensor {
        let header: NPYFile.Header
        do { header = try NPYFile.header(size: data.count, dimensions: 1...2, bytes: data.bytes) } catch {
            throw FileFormatError(path: path, detail: error.description)
        }
        return StoredTensor(
            path: path, name: "", type: header.elementType, shape: header.shape, source: data,
            offset: header.dataOffset, bigEndian: header.bigEndian)
    }

    /// A safetensors file: 8-byte little-endian header length N, N bytes of JSON
    /// `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}`, then the data.
    static func safetensors(
        _ data: ByteSource, path: String
    ) throws -> (tensors: [String: StoredTensor], metadata: [String: String]) {
        func fail(_ detail: String) -> FileFormatError { FileFormatError(path: path, detail: detail) }
        guard data.count >= 8 else { throw fail("truncated: no 8-byte header length") }
        var n: UInt64 = 0
        for (k, b) in data.bytes(0..<8).enumerated() { n |= UInt64(b) << (8 * UInt64(k)) }
        guard n >= 2, n <= UInt64(data.count - 8), n <= 100_000_000 else {
            throw fail("header length \(n) does not fit the file's \(data.count) bytes (not a safetensors file?)")
        }
        let headerEnd = 8 + Int(n)
        guard let json = try? JSONSerialization.jsonObject(with: data.bytes(8..<headerEnd)),
            let object = json as? [String: Any]
        else { throw fail("header is not a JSON object") }
        var tensors: [String: StoredTensor] = [:]
        var metadata: [String: String] = [:]
        let buffer = data.count - headerEnd
        for (name, entry) in object {
            if name == "__metadata__" {
                for (k, v) in entry as? [String: Any] ?? [:] { metadata[k] = v as? String ?? "\(v)" }
                continue
            }
            guard let info = entry as? [String: Any], let dtype = info["dtype"] as? String,
                let shapeAny = info["shape"] as? [Any], let offsetsAny = info["data_offsets"] as? [Any],
                offsetsAny.count == 2
            else { throw fail("tensor '\(name)': malformed header entry") }
            guard let type = ElementType(rawValue: dtype) else {
                throw fail("tensor '\(name)': dtype \(dtype) is not F16, BF16, F32, F64, I32 or I64")
            }
            let shape = shapeAny.compactMap { ($0 as? NSNumber)?.intValue }
            let offsets = offsetsAny.compactMap { ($0 as? NSNumber)?.intValue }
            guard shape.count == shapeAny.count, (1...2).contains(shape.count), shape.allSatisfy({ $0 >= 0 }),
                offsets.count == 2, offsets[0] >= 0, offsets[1] >= offsets[0]
            else {
                throw fail(
                    "tensor '\(name)': shape \(shapeAny) or data_offsets \(offsetsAny) invalid (1-D or 2-D tensors)")
            }
            guard offsets[1] <= buffer else {
                throw fail(
                    "tensor '\(name)': data_offsets end \(offsets[1]) beyond the \(buffer) data bytes (truncated file?)"
                )
            }
            try checkLength(
                shape: shape, type: type, available: offsets[1] - offsets[0], path: path, exact: true,
                name: name)
            tensors[name] = StoredTensor(
                path: path, name: name, type: type, shape: shape, source: data,
                offset: headerEnd + offsets[0], bigEndian: false)
        }
        guard !tensors.isEmpty else { throw fail("no tensors") }
        return (tensors, metadata)
    }

    static func checkLength(
        shape: [Int], type: ElementType, available: Int, path: String, exact: Bool = true,
        name: String = ""
    ) throws {
        var count = 1
        for d in shape {
            let (c, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow else { throw FileFormatError(path: path, detail: "shape \(shape) overflows") }
            count = c
        }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: type.width)
        let label = name.isEmpty ? "" : "tensor '\(name)': "
        guard !overflow, bytes == available else {
            throw FileFormatError(
                path: path,
                detail:
                    "\(label)shape \(shape) of \(type.rawValue) needs \(bytes) bytes, the file holds \(available) (truncated or header lies)"
            )
        }
    }
}

/// A tensor file that cannot be read as what it claims to be: its path and what is wrong (one line).
public struct FileFormatError: Error, Equatable, Sendable, CustomStringConvertible {
    public let path: String
    public let detail: String

    public init(path: String, detail: String) { (self.path, self.detail) = (path, detail) }

    public var description: String { "\(path): \(detail)" }
}
