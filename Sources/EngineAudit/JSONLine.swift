import Foundation

/// A JSON value as the trace reader needs it: arrays of numbers are kept as one `[Double]` (the laws and token lists
/// of a trace are long arrays of numbers), everything else as a small tree.
enum JSONValue {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    /// An array whose elements are all numbers (empty arrays included).
    case numbers([Double])
    case array([JSONValue])
    /// An object's members in order (a trace's objects have a handful of keys: a linear search beats hashing).
    case object([(key: String, value: JSONValue)])

    subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o.last(where: { $0.key == key })?.value }
        return nil
    }

    /// The elements of an array (a number array gives `.number` elements).
    var elements: [JSONValue]? {
        switch self {
        case .numbers(let x): return x.map { .number($0) }
        case .array(let a): return a
        default: return nil
        }
    }

    var double: Double? { if case .number(let x) = self { return x }; return nil }
    var string: String? { if case .string(let s) = self { return s }; return nil }

    /// An integer within ±2^53 (booleans and fractional numbers are not integers).
    var integer: Int? {
        guard case .number(let x) = self, x == x.rounded(), abs(x) < 9e15 else { return nil }
        return Int(x)
    }

    /// The integers of a number array (nil when any element is not an integer within ±2^53).
    var integers: [Int]? {
        guard case .numbers(let xs) = self else { return nil }
        var out = [Int]()
        out.reserveCapacity(xs.count)
        for x in xs {
            guard x == x.rounded(), abs(x) < 9e15 else { return nil }
            out.append(Int(x))
        }
        return out
    }
}

private let powersOfTen: [Double] = (0...22).map { pow(10, Double($0)) }

/// A strict JSON parser over the bytes of one line (RFC 8259, UTF-8), written for throughput: no Foundation objects,
/// one allocation per array, numbers by Clinger's fast path (a decimal with at most 15 significant digits and a
/// power of ten within 10^±22 is one correctly rounded multiplication or division) and `strtod` otherwise, so every
/// number is the correctly rounded double.
struct JSONLineParser {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var i: Int
    private let end: Int
    /// 10^0 ... 10^22 (exact doubles), held per parser so the hot loop reads no global.
    private let powers: [Double] = powersOfTen

    /// Parses `bytes[range]` as exactly one JSON value (surrounding whitespace allowed); nil when it is not valid JSON.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> JSONValue? {
        var parser = JSONLineParser(bytes: bytes, i: range.lowerBound, end: range.upperBound)
        parser.skipSpace()
        guard let value = parser.value() else { return nil }
        parser.skipSpace()
        return parser.i == parser.end ? value : nil
    }

    static func parse(_ text: String) -> JSONValue? {
        var text = text
        return text.withUTF8 { parse($0, 0..<$0.count) }
    }

    private mutating func skipSpace() {
        while i < end {
            let c = bytes[i]
            guard c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D else { return }
            i += 1
        }
    }

    private mutating func value(depth: Int = 0) -> JSONValue? {
        guard i < end, depth < 64 else { return nil }
        switch bytes[i] {
        case UInt8(ascii: "{"): return object(depth: depth)
        case UInt8(ascii: "["): return array(depth: depth)
        case UInt8(ascii: "\""): return string().map { .string($0) }
        case UInt8(ascii: "t"): return literal("true") ? .bool(true) : nil
        case UInt8(ascii: "f"): return literal("false") ? .bool(false) : nil
        case UInt8(ascii: "n"): return literal("null") ? .null : nil
        default: return number().map { .number($0) }
        }
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let n = word.utf8CodeUnitCount
        guard end - i >= n else { return false }
        for k in 0..<n where bytes[i + k] != word.utf8Start[k] { return false }
        i += n
        return true
    }

    private mutating func object(depth: Int) -> JSONValue? {
        i += 1
        var out: [(key: String, value: JSONValue)] = []
        skipSpace()
        if i < end && bytes[i] == UInt8(ascii: "}") { i += 1; return .object(out) }
        while true {
            skipSpace()
            guard i < end, bytes[i] == UInt8(ascii: "\""), let key = string() else { return nil }
            skipSpace()
            guard i < end, bytes[i] == UInt8(ascii: ":") else { return nil }
            i += 1
            skipSpace()
            guard let v = value(depth: depth + 1) else { return nil }
            out.append((key, v))
            skipSpace()
            guard i < end else { return nil }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(out) }
            return nil
        }
    }

    private mutating func array(depth: Int) -> JSONValue? {
        i += 1
        skipSpace()
        if i < end && bytes[i] == UInt8(ascii: "]") { i += 1; return .numbers([]) }
        var numbers: [Double] = []
        var values: [JSONValue]? = nil
        while true {
            skipSpace()
            guard i < end else { return nil }
            let c = bytes[i]
            if values == nil && (c == UInt8(ascii: "-") || (c >= 0x30 && c <= 0x39)) {
                guard let x = number() else { return nil }
                numbers.append(x)
            } else {
                if values == nil { values = numbers.map { .number($0) } }
                guard let v = value(depth: depth + 1) else { return nil }
                values!.append(v)
            }
            skipSpace()
            guard i < end else { return nil }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "]") { i += 1; break }
            return nil
        }
        return values.map { .array($0) } ?? .numbers(numbers)
    }

    private mutating func string() -> String? {
        i += 1
        let start = i
        var escaped = false
        while i < end {
            let c = bytes[i]
            if c == UInt8(ascii: "\"") {
                let raw = UnsafeBufferPointer(rebasing: bytes[start..<i])
                i += 1
                if !escaped { return String(decoding: raw, as: UTF8.self) }
                return Self.unescape(raw)
            }
            if c < 0x20 { return nil }
            if c == UInt8(ascii: "\\") { escaped = true; i += 2; continue }
            i += 1
        }
        return nil
    }

    /// The text of a string body with escapes (rare in traces): decoded with Foundation.
    private static func unescape(_ raw: UnsafeBufferPointer<UInt8>) -> String? {
        var data = Data([UInt8(ascii: "\"")])
        data.append(contentsOf: raw)
        data.append(UInt8(ascii: "\""))
        return (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) as? String
    }

    private mutating func number() -> Double? {
        let start = i
        var negative = false
        if i < end && bytes[i] == UInt8(ascii: "-") { negative = true; i += 1 }
        guard i < end, bytes[i] >= 0x30, bytes[i] <= 0x39 else { return nil }
        if bytes[i] == 0x30, i + 1 < end, bytes[i + 1] >= 0x30, bytes[i + 1] <= 0x39 { return nil } // leading zero
        var mantissa: UInt64 = 0, digits = 0, exponent = 0
        while i < end, bytes[i] >= 0x30, bytes[i] <= 0x39 {
            if digits < 19 {
                mantissa = mantissa &* 10 &+ UInt64(bytes[i] - 0x30); if mantissa > 0 { digits += 1 }
            } else {
                exponent += 1
            }
            i += 1
        }
        if i < end && bytes[i] == UInt8(ascii: ".") {
            i += 1
            guard i < end, bytes[i] >= 0x30, bytes[i] <= 0x39 else { return nil }
            while i < end, bytes[i] >= 0x30, bytes[i] <= 0x39 {
                if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(bytes[i] - 0x30); if mantissa > 0 { digits += 1 }; exponent -= 1
                }
                i += 1
            }
        }
        if i < end && (bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E")) {
            i += 1
            var sign = 1
            if i < end && (bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-")) {
                if bytes[i] == UInt8(ascii: "-") { sign = -1 }
                i += 1
            }
            guard i < end, bytes[i] >= 0x30, bytes[i] <= 0x39 else { return nil }
            var e = 0
            while i < end, bytes[i] >= 0x30, bytes[i] <= 0x39 {
                if e < 100_000 { e = e * 10 + Int(bytes[i] - 0x30) }
                i += 1
            }
            exponent += sign * e
        }
        // Clinger's fast path: the mantissa and the power of ten are exact doubles, one IEEE operation rounds once.
        if digits <= 15 && mantissa < (1 << 53) && abs(exponent) <= 22 {
            let m = Double(mantissa)
            let x = exponent >= 0 ? m * powers[exponent] : m / powers[-exponent]
            return negative ? -x : x
        }
        if mantissa == 0 { return negative ? -0.0 : 0 }
        // Otherwise the C library's correctly rounded conversion of the literal.
        let length = i - start
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { buffer -> Double? in
            for k in 0..<length { buffer[k] = CChar(bitPattern: bytes[start + k]) }
            buffer[length] = 0
            var stop: UnsafeMutablePointer<CChar>? = nil
            let x = strtod(buffer.baseAddress!, &stop)
            return stop == buffer.baseAddress! + length ? x : nil
        }
    }
}
