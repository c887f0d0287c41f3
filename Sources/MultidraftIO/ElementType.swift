import MultidraftSupport
import Foundation

/// The element types of stored tensors: IEEE floats of 16, 32 and 64 bits, bfloat16, and signed integers (sparse
/// indices). Little-endian unless stated otherwise (`.npy` may be big-endian).
public enum ElementType: String, Sendable, CaseIterable {
    case float16 = "F16", bfloat16 = "BF16", float32 = "F32", float64 = "F64", int32 = "I32", int64 = "I64"

    /// Bytes per element.
    public var width: Int {
        switch self {
        case .float16, .bfloat16: return 2
        case .float32, .int32: return 4
        case .float64, .int64: return 8
        }
    }

    public var isFloat: Bool { self != .int32 && self != .int64 }

    /// Unit roundoff u = 2^−(mantissa bits + 1): a value rounded to this type has relative error ≤ u.
    public var unitRoundoff: Double {
        switch self {
        case .float16: return 0x1p-11
        case .bfloat16: return 0x1p-8
        case .float32: return 0x1p-24
        case .float64, .int32, .int64: return 0x1p-53
        }
    }

    /// Tolerance on |Σ p − 1| for a probability row stored in this type over V tokens:
    ///
    /// ```
    /// float64: 1e-9 (the toolkit's strict check)
    /// others:  4 u + √V · 2⁻²⁴
    /// ```
    ///
    /// Rounding each probability to the type moves the sum by at most u · Σ p = u (4u leaves room for the producer's
    /// own rounding), and a softmax computed in float32 before storage carries a summation error that grows like
    /// √V · 2⁻²⁴ (a random walk of V roundings). float32 at V = 32,000: 1.1e-5; float16: 2.0e-3; bfloat16: 1.6e-2.
    /// Rows within the tolerance are renormalised in float64.
    public func sumTolerance(vocabularySize v: Int) -> Double {
        self == .float64 ? 1e-9 : 4 * unitRoundoff + Double(v).squareRoot() * 0x1p-24
    }

    /// The little-endian bytes of `values` stored as this type (float16/bfloat16 rounded to nearest even; integers
    /// truncated toward zero).
    public func littleEndianBytes(_ values: [Double]) -> Data {
        var data = Data(capacity: values.count * width)
        for v in values {
            switch self {
            case .float64: withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) }
            case .float32: withUnsafeBytes(of: Float(v).bitPattern.littleEndian) { data.append(contentsOf: $0) }
            case .float16:
                withUnsafeBytes(of: Float16(Float(v)).bitPattern.littleEndian) { data.append(contentsOf: $0) }
            case .bfloat16: // round to nearest even on the upper 16 bits of the float32
                let bits = Float(v).bitPattern
                let rounded = UInt16(truncatingIfNeeded: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16)
                withUnsafeBytes(of: rounded.littleEndian) { data.append(contentsOf: $0) }
            case .int32: withUnsafeBytes(of: Int32(v).littleEndian) { data.append(contentsOf: $0) }
            case .int64: withUnsafeBytes(of: Int64(v).littleEndian) { data.append(contentsOf: $0) }
            }
        }
        return data
    }

    /// The element at byte offset `offset` of `raw`, as a Double.
    @inline(__always)
    package func load(_ raw: UnsafeRawPointer, at offset: Int, bigEndian: Bool) -> Double {
        switch self {
        case .float64:
            let bits = raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            return Double(bitPattern: bigEndian ? UInt64(bigEndian: bits) : UInt64(littleEndian: bits))
        case .float32:
            let bits = raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
            return Double(Float(bitPattern: bigEndian ? UInt32(bigEndian: bits) : UInt32(littleEndian: bits)))
        case .float16:
            let raw16 = raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self)
            return Self.halfToDouble(bigEndian ? UInt16(bigEndian: raw16) : UInt16(littleEndian: raw16))
        case .bfloat16:
            let raw16 = raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self)
            let bits = bigEndian ? UInt16(bigEndian: raw16) : UInt16(littleEndian: raw16)
            return Double(Float(bitPattern: UInt32(bits) << 16))
        case .int32:
            let bits = raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
            return Double(Int32(bitPattern: bigEndian ? UInt32(bigEndian: bits) : UInt32(littleEndian: bits)))
        case .int64:
            let bits = raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            return Double(Int64(bitPattern: bigEndian ? UInt64(bigEndian: bits) : UInt64(littleEndian: bits)))
        }
    }

    /// Decodes `count` consecutive elements starting at `raw` into `out` (its contents replaced), as ``load(_:at:bigEndian:)``
    /// would one by one, with one dispatch on the type per call instead of per element: the bulk reader of rows
    /// read in place from a mapped file. binary16 goes through a 65,536-entry table.
    package func loadAll(_ raw: UnsafeRawPointer, count: Int, bigEndian: Bool, into out: inout [Double]) {
        if out.count != count { out = [Double](repeating: 0, count: count) }
        out.withUnsafeMutableBufferPointer { target in
            switch self {
            case .float64:
                for i in 0..<count {
                    let bits = raw.loadUnaligned(fromByteOffset: 8 &* i, as: UInt64.self)
                    target[i] = Double(bitPattern: bigEndian ? UInt64(bigEndian: bits) : UInt64(littleEndian: bits))
                }
            case .float32:
                for i in 0..<count {
                    let bits = raw.loadUnaligned(fromByteOffset: 4 &* i, as: UInt32.self)
                    target[i] = Double(
                        Float(bitPattern: bigEndian ? UInt32(bigEndian: bits) : UInt32(littleEndian: bits)))
                }
            case .float16:
                Self.halfTable.withUnsafeBufferPointer { table in
                    for i in 0..<count {
                        let bits = raw.loadUnaligned(fromByteOffset: 2 &* i, as: UInt16.self)
                        target[i] = table[Int(bigEndian ? UInt16(bigEndian: bits) : UInt16(littleEndian: bits))]
                    }
                }
            case .int32:
                for i in 0..<count {
                    let bits = raw.loadUnaligned(fromByteOffset: 4 &* i, as: UInt32.self)
                    target[i] = Double(
                        Int32(bitPattern: bigEndian ? UInt32(bigEndian: bits) : UInt32(littleEndian: bits)))
                }
            case .int64:
                for i in 0..<count {
                    let bits = raw.loadUnaligned(fromByteOffset: 8 &* i, as: UInt64.self)
                    target[i] = Double(
                        Int64(bitPattern: bigEndian ? UInt64(bigEndian: bits) : UInt64(littleEndian: bits)))
                }
            case .bfloat16:
                for i in 0..<count { target[i] = load(raw, at: 2 &* i, bigEndian: bigEndian) }
            }
        }
    }

    /// Every binary16 bit pattern as a Double (``halfToDouble(_:)``), built once.
    static let halfTable: [Double] = (0...0xFFFF).map { halfToDouble(UInt16($0)) }

    /// IEEE binary16 → Double, exactly (subnormals, ±∞ and NaN included), without relying on `Float16`.
    package static func halfToDouble(_ h: UInt16) -> Double {
        let sign: Double = (h & 0x8000) != 0 ? -1 : 1
        let exponent = Int((h >> 10) & 0x1F)
        let fraction = Double(h & 0x3FF)
        switch exponent {
        case 0: return sign * fraction * 0x1p-24
        case 31: return fraction == 0 ? sign * .infinity : .nan
        default: return sign * (1 + fraction / 1024) * pow(2, Double(exponent - 15))
        }
    }
}
