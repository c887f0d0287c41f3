/// The ratio order of the prefix theorem: tokens sorted by p(i)/q(i) ascending, q(i) = 0 last (ratio +∞), ties
/// to the smaller index (stable).
///
/// Large vocabularies are sorted by a stable least-significant-digit radix sort on the IEEE-754 bit pattern of the
/// ratio (non-negative doubles order like their bit patterns), 16 bits per pass, passes over constant digits
/// skipped: O(V) time, memory-bound.
public enum RatioOrder {
    public static func order(target p: [Double], draft q: [Double]) -> [Int] {
        let v = p.count
        var keys = [UInt64](repeating: 0, count: v)
        for i in 0..<v {
            let ratio = q[i] > 0 ? p[i] / q[i] : Double.infinity
            keys[i] = ratio.bitPattern
        }
        if v < 512 {
            return (0..<v).sorted { keys[$0] != keys[$1] ? keys[$0] < keys[$1] : $0 < $1 }
        }
        var index = [Int32](unsafeUninitializedCapacity: v) { buffer, count in
            for i in 0..<v { buffer[i] = Int32(i) }
            count = v
        }
        var keyTemp = [UInt64](repeating: 0, count: v)
        var indexTemp = [Int32](repeating: 0, count: v)
        var counts = [Int](repeating: 0, count: 65536)
        for shift in stride(from: 0, to: 64, by: 16) {
            for d in 0..<65536 { counts[d] = 0 }
            for k in keys { counts[Int((k >> UInt64(shift)) & 0xFFFF)] += 1 }
            if counts.contains(v) { continue }   // every key has the same digit: the pass would not move anything
            var total = 0
            for d in 0..<65536 { let c = counts[d]; counts[d] = total; total += c }
            for i in 0..<v {
                let d = Int((keys[i] >> UInt64(shift)) & 0xFFFF)
                let slot = counts[d]
                counts[d] = slot + 1
                keyTemp[slot] = keys[i]
                indexTemp[slot] = index[i]
            }
            swap(&keys, &keyTemp)
            swap(&index, &indexTemp)
        }
        return index.map { Int($0) }
    }
}
