import MultidraftSupport

/// Walker's alias method (Vose's construction): O(1) sampling from a fixed discrete distribution.
///
/// Built once in O(V) from non-negative weights (they need not sum to 1); each draw then costs one uniform integer,
/// one uniform real and one comparison, independent of V. Tokens with weight 0 are never drawn.
public struct AliasTable: Sendable {
    @usableFromInline let threshold: [Double]
    @usableFromInline let alias: [Int32]
    /// The tokens behind the table's columns (the positive-weight tokens).
    @usableFromInline let tokens: [Int32]

    /// Builds the table; precondition: some weight is positive and all are finite and non-negative.
    public init(weights: [Double]) {
        // The positive-weight tokens and their total, then the scaled weights m·w/total. The total is a compensated
        // sum: the scaled weights must sum to m to about one ulp, because whatever they miss by ends on the last
        // column (a plain sum of 152,064 uniform weights missed by 2·10⁻¹⁴ relative: 3.6·10⁻⁹ of one column).
        var m = 0, sum = NeumaierSum()
        for x in weights where x > 0 {
            m += 1
            sum.add(x)
        }
        let total = sum.value
        precondition(m > 0, "alias table needs positive total weight")
        var tokens = [Int32](repeating: 0, count: m)
        var scaled = [Double](repeating: 0, count: m)
        var j = 0
        for (i, x) in weights.enumerated() where x > 0 {
            tokens[j] = Int32(i)
            scaled[j] = x * Double(m) / total
            j += 1
        }
        var threshold = [Double](repeating: 1, count: m)
        var alias = [Int32](repeating: 0, count: m)
        var small: [Int32] = [], large: [Int32] = []
        small.reserveCapacity(m)
        large.reserveCapacity(m)
        for i in 0..<m { if scaled[i] < 1 { small.append(Int32(i)) } else { large.append(Int32(i)) } }
        while let s32 = small.popLast() {
            let s = Int(s32)
            guard let l32 = large.last else { threshold[s] = 1; alias[s] = s32; continue }
            let l = Int(l32)
            threshold[s] = scaled[s]
            alias[s] = l32
            scaled[l] = (scaled[l] + scaled[s]) - 1
            if scaled[l] < 1 { large.removeLast(); small.append(l32) }
        }
        for l in large { threshold[Int(l)] = 1; alias[Int(l)] = l }
        for i in 0..<m where threshold[i] >= 1 { alias[i] = Int32(i) }
        self.threshold = threshold
        self.alias = alias
        self.tokens = tokens
    }

    /// One draw: a token with probability weight / total.
    @inlinable
    public func sample(using rng: inout some RandomNumberGenerator) -> Int {
        let m = threshold.count
        let column = Int(rng.next(upperBound: UInt64(m)))
        let u = rng.nextUniform()
        let slot = u < threshold[column] ? column : Int(alias[column])
        return Int(tokens[slot])
    }
}
