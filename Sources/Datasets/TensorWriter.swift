import Foundation

/// Writers of the two tensor formats ``StoredTensor`` reads — for tests, for users preparing batch files from Swift,
/// and for round trips. (The Python side is `Experiments/export/batchfiles.py`.)
public enum TensorWriter {
    /// The little-endian bytes of `values` stored as `type`.
    public static func bytes(_ values: [Double], as type: ElementType) -> Data {
        var data = Data(capacity: values.count * type.width)
        for v in values {
            switch type {
            case .float64: withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) }
            case .float32: withUnsafeBytes(of: Float(v).bitPattern.littleEndian) { data.append(contentsOf: $0) }
            case .float16: withUnsafeBytes(of: Float16(Float(v)).bitPattern.littleEndian) { data.append(contentsOf: $0) }
            case .bfloat16:   // round to nearest even on the upper 16 bits of the float32
                let bits = Float(v).bitPattern
                let rounded = UInt16(truncatingIfNeeded: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16)
                withUnsafeBytes(of: rounded.littleEndian) { data.append(contentsOf: $0) }
            case .int32: withUnsafeBytes(of: Int32(v).littleEndian) { data.append(contentsOf: $0) }
            case .int64: withUnsafeBytes(of: Int64(v).littleEndian) { data.append(contentsOf: $0) }
            }
        }
        return data
    }

    /// A version-1 `.npy` file of a C-order array with the given shape (1-D or 2-D).
    public static func npy(_ values: [Double], shape: [Int], as type: ElementType) -> Data {
        let codes: [ElementType: String] = [.float16: "<f2", .float32: "<f4", .float64: "<f8", .int32: "<i4", .int64: "<i8"]
        precondition(codes[type] != nil, "bfloat16 has no .npy dtype")
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(codes[type]!)', 'fortran_order': False, 'shape': \(shapeText), }"
        header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        data.append(contentsOf: Array(header.utf8))
        data.append(bytes(values, as: type))
        return data
    }

    /// A safetensors file: tensors as (name, type, shape, values) in order, and string metadata.
    public static func safetensors(_ tensors: [(name: String, type: ElementType, shape: [Int], values: [Double])],
                                   metadata: [String: String] = [:]) -> Data {
        var header: [String: Any] = [:]
        var body = Data()
        for t in tensors {
            let blob = bytes(t.values, as: t.type)
            header[t.name] = ["dtype": t.type.rawValue, "shape": t.shape, "data_offsets": [body.count, body.count + blob.count]]
            body.append(blob)
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json = try! JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        json.append(contentsOf: [UInt8](repeating: 0x20, count: (8 - json.count % 8) % 8))
        var data = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        data.append(body)
        return data
    }
}
