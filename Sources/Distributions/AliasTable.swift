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
        var tokens: [Int32] = []
        var w: [Double] = []
        for (i, x) in weights.enumerated() where x > 0 { tokens.append(Int32(i)); w.append(x) }
        precondition(!w.isEmpty, "alias table needs positive total weight")
        let m = w.count
        let total = w.reduce(0, +)
        var scaled = w.map { $0 * Double(m) / total }
        var threshold = [Double](repeating: 1, count: m)
        var alias = [Int32](repeating: 0, count: m)
        var small: [Int] = [], large: [Int] = []
        for i in 0..<m { if scaled[i] < 1 { small.append(i) } else { large.append(i) } }
        while let s = small.popLast() {
            guard let l = large.last else { threshold[s] = 1; alias[s] = Int32(s); continue }
            threshold[s] = scaled[s]
            alias[s] = Int32(l)
            scaled[l] = (scaled[l] + scaled[s]) - 1
            if scaled[l] < 1 { large.removeLast(); small.append(l) }
        }
        for l in large { threshold[l] = 1; alias[l] = Int32(l) }
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
