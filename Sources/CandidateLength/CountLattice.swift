import Foundation

/// The count vectors c ∈ ℕ^M with |c| = k, for k = 0…K_max, grouped by level k, with links to c + e_m.
///
/// For an i.i.d. finite acceptance law the product π(c) = Π_m v_m^{c_m} is all a stopping rule can depend on, so the
/// lattice is the state space of both the exact policy evaluation (forward frontier) and the DP (backward sweep).
///
/// Size: Σ_k C(k+M−1, M−1) = C(K_max+M, M) vectors; building it is O(M · size).
struct CountLattice: Sendable {
    /// levels[k][i] = the i-th count vector of level k.
    let levels: [[[Int]]]
    /// child[k][i][m] = index in level k+1 of levels[k][i] + e_m (only for k < K_max).
    let child: [[[Int]]]
    let maxLength: Int
    let dimension: Int

    /// Default cap on the number of count vectors.
    static let defaultLimit = 3_000_000

    /// C(K_max + M, M) as a Double (for the size check before building).
    static func size(dimension m: Int, maxLength k: Int) -> Double {
        var s = 1.0
        for i in 0..<m { s = s * (Double(k) + Double(m - i)) / Double(i + 1) } // in Double: k can be Int.max
        return s
    }

    init(dimension m: Int, maxLength: Int, limit: Int = CountLattice.defaultLimit) throws {
        let estimated = CountLattice.size(dimension: m, maxLength: maxLength)
        guard estimated <= Double(limit) else {
            throw CandidateLengthError.stateSpaceTooLarge(states: estimated, limit: limit)
        }
        var levels: [[[Int]]] = [[[Int](repeating: 0, count: m)]]
        var child: [[[Int]]] = []
        for k in 0..<maxLength {
            var index: [[Int]: Int] = [:]
            var next: [[Int]] = []
            var links: [[Int]] = []
            links.reserveCapacity(levels[k].count)
            for c in levels[k] {
                var row = [Int](repeating: 0, count: m)
                for j in 0..<m {
                    var c2 = c
                    c2[j] += 1
                    if let found = index[c2] {
                        row[j] = found
                    } else {
                        index[c2] = next.count
                        row[j] = next.count
                        next.append(c2)
                    }
                }
                links.append(row)
            }
            child.append(links)
            levels.append(next)
        }
        self.levels = levels
        self.child = child
        self.maxLength = maxLength
        self.dimension = m
    }

    /// Π_m values[m]^{c_m} for every vector of every level.
    func products(of values: [Double]) -> [[Double]] {
        levels.map { level in
            level.map { c in
                var p = 1.0
                for j in 0..<dimension where c[j] > 0 { p *= pow(values[j], Double(c[j])) }
                return p
            }
        }
    }
}
