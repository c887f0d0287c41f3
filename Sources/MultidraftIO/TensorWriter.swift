import Foundation
import MultidraftSupport

/// Writers of the two tensor formats ``StoredTensor`` reads — for tests, for users preparing batch files from Swift,
/// and for round trips. (The Python side is `Experiments/export/batchfiles.py`.)
public enum TensorWriter {
    /// The little-endian bytes of `values` stored as `type` (``ElementType/littleEndianBytes(_:)``).
    public static func bytes(_ values: [Double], as type: ElementType) -> Data {
        type.littleEndianBytes(values)
    }

    /// A version-1 `.npy` file of a C-order array with the given shape (``NPYFile/data(_:shape:as:)``).
    public static func npy(_ values: [Double], shape: [Int], as type: ElementType) -> Data {
        NPYFile.data(values, shape: shape, as: type)
    }

    /// A safetensors file: tensors as (name, type, shape, values) in order, and string metadata.
    public static func safetensors(
        _ tensors: [(name: String, type: ElementType, shape: [Int], values: [Double])],
        metadata: [String: String] = [:]
    ) -> Data {
        var header: [String: Any] = [:]
        var body = Data()
        for t in tensors {
            let blob = bytes(t.values, as: t.type)
            header[t.name] = [
                "dtype": t.type.rawValue, "shape": t.shape, "data_offsets": [body.count, body.count + blob.count]
            ]
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
