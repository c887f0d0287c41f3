/// The ratio order of the prefix theorem: tokens sorted by p(i)/q(i) ascending, q(i) = 0 last (ratio +∞), ties
/// to the smaller index (stable).
///
/// Large vocabularies are sorted by a stable least-significant-digit radix sort on the IEEE-754 bit pattern of the
/// ratio (non-negative doubles order like their bit patterns), upper 32 bits by radix (11-bit digits, histograms in L1), ties of the
/// upper half finished by insertion sort, passes over constant digits
/// skipped: O(V) time, memory-bound.
public enum RatioOrder {
    public static func order(target p: [Double], draft q: [Double]) -> [Int] {
        sorted(target: p, draft: q).order
    }

    /// ``order(target:draft:)`` and the ratios along it (ascending; +∞ for q = 0), which the sort has at hand.
    public static func orderAndRatios(target p: [Double], draft q: [Double]) -> (order: [Int], ratios: [Double]) {
        let (order, keys) = sorted(target: p, draft: q)
        return (order, keys.map { Double(bitPattern: $0) })
    }

    private static func sorted(target p: [Double], draft q: [Double]) -> (order: [Int], keys: [UInt64]) {
        let v = p.count
        var keys = [UInt64](repeating: 0, count: v)
        for i in 0..<v {
            let ratio = q[i] > 0 ? p[i] / q[i] : Double.infinity
            keys[i] = ratio.bitPattern
        }
        if v < 512 {
            let order = (0..<v).sorted { keys[$0] != keys[$1] ? keys[$0] < keys[$1] : $0 < $1 }
            return (order, order.map { keys[$0] })
        }
        var index = [Int32](unsafeUninitializedCapacity: v) { buffer, count in
            for i in 0..<v { buffer[i] = Int32(i) }
            count = v
        }
        var keyTemp = [UInt64](repeating: 0, count: v)
        var indexTemp = [Int32](repeating: 0, count: v)
        // Radix-sort on the upper 32 bits of the key (3 passes of 11, 11, 10 bits, one histogram pass), then
        // finish the rare runs whose upper halves tie by insertion sort on the full key (stable: index order kept).
        let radix = 2048, mask: UInt64 = 2047, passes = 3
        var counts = [Int](repeating: 0, count: radix * passes)
        counts.withUnsafeMutableBufferPointer { c in
            for k in keys {
                for pass in 0..<passes { c[pass * radix + Int((k >> UInt64(32 + 11 * pass)) & mask)] += 1 }
            }
        }
        for pass in 0..<passes {
            let base = pass * radix
            if counts[base..<(base + radix)].contains(v) { continue } // constant digit: nothing would move
            var total = 0
            for d in 0..<radix { let c = counts[base + d]; counts[base + d] = total; total += c }
            let shift = UInt64(32 + 11 * pass)
            keys.withUnsafeBufferPointer { kin in
                index.withUnsafeBufferPointer { iin in
                    keyTemp.withUnsafeMutableBufferPointer { kout in
                        indexTemp.withUnsafeMutableBufferPointer { iout in
                            counts.withUnsafeMutableBufferPointer { c in
                                for i in 0..<v {
                                    let d = base + Int((kin[i] >> shift) & mask)
                                    let slot = c[d]
                                    c[d] = slot + 1
                                    kout[slot] = kin[i]
                                    iout[slot] = iin[i]
                                }
                            }
                        }
                    }
                }
            }
            swap(&keys, &keyTemp)
            swap(&index, &indexTemp)
        }
        var runStart = 0
        for i in 1...v {
            if i < v && keys[i] >> 32 == keys[runStart] >> 32 { continue }
            if i - runStart > 1 {
                for j in (runStart + 1)..<i {
                    let k = keys[j], x = index[j]
                    var m = j
                    while m > runStart && keys[m - 1] > k { keys[m] = keys[m - 1]; index[m] = index[m - 1]; m -= 1 }
                    keys[m] = k; index[m] = x
                }
            }
            runStart = i
        }
        return (index.map { Int($0) }, keys)
    }
}
