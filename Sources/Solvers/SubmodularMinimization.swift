import Foundation

/// Exact minimisation of a submodular set function F (F(∅) = 0) over a ground set {0, …, m − 1}, with a certificate,
/// by the Fujishige–Wolfe minimum-norm-point algorithm.
///
/// **Base polytope and certificate.** For a linear order σ of the ground set, the greedy vertex y_σ has
/// y_σ(σ_k) = F({σ_1..σ_k}) − F({σ_1..σ_{k−1}}); the base polytope B(F) is the convex hull of the greedy vertices.
/// For every x ∈ B(F) and every set H,
///
/// ```
/// Σ_v min(0, x_v)  ≤  min_H F(H)  ≤  F(H)
/// ```
///
/// (Edmonds 1970; the two sides meet at the minimum-norm point of B(F), whose negative part is a minimiser —
/// Fujishige 1980). The algorithm keeps x as an explicit convex combination of greedy vertices, so the left side is a
/// proof, and reads candidate sets H off the prefixes of every vertex it computes. It stops when
/// F(H) − Σ min(0, x) ≤ `tolerance`: that gap is the certificate, never an iteration count.
///
/// **Iteration** (Wolfe 1976, as applied to B(F) by Fujishige): x ← the point of smallest norm in the convex hull of
/// the active vertices; the linear oracle min_{y∈B(F)} ⟨x, y⟩ is the greedy vertex of the order of increasing x
/// (Edmonds' greedy algorithm). Minor cycles drop vertices when the affine minimiser leaves the hull. The affine
/// minimiser solves the bordered Gram system [G 1; 1ᵀ 0] by Gaussian elimination (k ≤ a few hundred active vertices).
///
/// - Complexity: per major iteration one vertex (a sort and one pass of F along it: O(m log m + cost of F)) and
///   O(k m + k³) for the Gram row and the affine solve; the number of iterations is pseudo-polynomial in general
///   (Chakrabarty et al. 2014) and small in practice when started from good orders.
/// - Sources: Fujishige & Isotani, "A submodular function minimization algorithm based on the minimum-norm base"
///   (Pacific J. Optim., 2011); Wolfe, "Finding the nearest point in a polytope" (Math. Programming, 1976).
public struct SubmodularMinimizer {
    /// The greedy vertex of an order: `marginals[v]` for every element v (indexed by element, not by position).
    public typealias VertexOracle = (_ order: [Int]) -> [Double]

    public struct Result: Sendable {
        /// The best set found (increasing elements): F(minimizer) = `upper`.
        public let minimizer: [Int]
        /// F(minimizer) as accumulated along the vertex that found it.
        public let upper: Double
        /// Σ_v min(0, x_v) for the final convex combination x ∈ B(F): a proven lower bound on min F.
        public let lower: Double
        /// upper − lower (≤ tolerance when `converged`).
        public var gap: Double { upper - lower }
        public let converged: Bool
        /// Major iterations (greedy vertices computed after the start).
        public let iterations: Int
        /// Active vertices of the final combination.
        public let activeVertices: Int
        /// The final point x (the certificate, with its representation below).
        public let point: [Double]
        /// The final combination: orders and their weights (Σ = 1).
        public let orders: [[Int]]
        public let weights: [Double]
    }

    public let groundSize: Int
    let vertex: VertexOracle

    /// The elements sorted by increasing x (ties by index): Edmonds' greedy order for min ⟨x, y⟩ over B(F).
    /// Starting from `previous` (the last oracle order: successive points differ little, so the input is nearly
    /// sorted and the merge sort's run detection makes this close to linear).
    static func increasingOrder(_ x: [Double], from previous: [Int]) -> [Int] {
        var keyed = previous.map { (x[$0], Int32($0)) }
        func less(_ a: (Double, Int32), _ b: (Double, Int32)) -> Bool { a.0 < b.0 || (a.0 == b.0 && a.1 < b.1) }
        // Insertion sort while the input is nearly sorted (O(m + inversions)); a full sort beyond 16 m moves.
        var moves = 0
        let budget = 16 * keyed.count
        var sorted = true
        keyed.withUnsafeMutableBufferPointer { k in
            for i in 1..<max(1, k.count) {
                let item = k[i]
                var j = i
                while j > 0 && less(item, k[j - 1]) {
                    k[j] = k[j - 1]; j -= 1; moves += 1
                }
                k[j] = item
                if moves > budget { sorted = false; break }
            }
        }
        if !sorted { keyed.sort(by: less) }
        return keyed.map { Int($0.1) }
    }

    /// Diagonal metric of the norm ‖x‖² = Σ_v metric_v x_v² (all 1 for Wolfe's Euclidean norm). With metric 1/p the
    /// minimum-norm point is Fujishige's lexicographically optimal base with respect to the weights p, whose
    /// negative part is again a minimiser (Fujishige 1980).
    public let metric: [Double]

    public init(groundSize: Int, metric: [Double]? = nil, vertex: @escaping VertexOracle) {
        self.groundSize = groundSize
        self.vertex = vertex
        self.metric = metric ?? [Double](repeating: 1, count: groundSize)
        precondition(self.metric.count == groundSize && self.metric.allSatisfy { $0 > 0 && $0.isFinite })
    }

    /// Runs the algorithm from `initialOrders` (at least one; the best of them seeds x).
    public func minimize(
        initialOrders: [[Int]], tolerance: Double = 1e-12, maxIterations: Int = 2000,
        maxActive: Int = 400
    ) -> Result {
        let m = groundSize
        precondition(!initialOrders.isEmpty)
        if m == 0 {
            return Result(
                minimizer: [], upper: 0, lower: 0, converged: true, iterations: 0, activeVertices: 0,
                point: [], orders: [], weights: [])
        }
        var bestValue = 0.0
        var bestSet: [Int] = []

        /// Prefix values of a vertex along its order (Kahan sums of the marginals); records the best prefix.
        func scan(_ order: [Int], _ y: [Double]) {
            var sum = 0.0, c = 0.0
            var bestK = -1
            var local = bestValue
            for (k, v) in order.enumerated() {
                let t = y[v] - c
                let s = sum + t
                c = (s - sum) - t
                sum = s
                if sum < local { local = sum; bestK = k }
            }
            if bestK >= 0 { bestValue = local; bestSet = order[0...bestK].sorted() }
        }
        let metric = self.metric
        func dot(_ a: [Double], _ b: [Double]) -> Double {
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    metric.withUnsafeBufferPointer { w in
                        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
                        var i = 0
                        let n = a.count
                        while i + 4 <= n {
                            s0 += w[i] * a[i] * b[i]; s1 += w[i + 1] * a[i + 1] * b[i + 1]
                            s2 += w[i + 2] * a[i + 2] * b[i + 2]; s3 += w[i + 3] * a[i + 3] * b[i + 3]
                            i += 4
                        }
                        while i < n { s0 += w[i] * a[i] * b[i]; i += 1 }
                        return (s0 + s1) + (s2 + s3)
                    }
                }
            }
        }

        var vertices: [[Double]] = []
        var orders: [[Int]] = []
        var gram: [[Double]] = []
        func add(_ order: [Int], _ y: [Double]) {
            let row = vertices.map { dot($0, y) }
            for i in 0..<gram.count { gram[i].append(row[i]) }
            gram.append(row + [dot(y, y)])
            vertices.append(y); orders.append(order)
        }
        func remove(_ indices: [Int]) {
            let drop = Set(indices)
            let keep = (0..<vertices.count).filter { !drop.contains($0) }
            vertices = keep.map { vertices[$0] }
            orders = keep.map { orders[$0] }
            gram = keep.map { i in keep.map { gram[i][$0] } }
        }
        func combine(_ lambda: [Double]) -> [Double] {
            var x = [Double](repeating: 0, count: m)
            x.withUnsafeMutableBufferPointer { x in
                for (i, s) in vertices.enumerated() where lambda[i] != 0 {
                    let l = lambda[i]
                    s.withUnsafeBufferPointer { s in
                        for v in 0..<m { x[v] += l * s[v] }
                    }
                }
            }
            return x
        }
        /// Affine minimiser: α minimising ‖Σ α_i s_i‖ with Σ α_i = 1 (nil if the bordered system is singular).
        func affineMinimizer() -> [Double]? {
            let k = vertices.count
            if k == 1 { return [1] }
            // Bordered system [G 1; 1ᵀ 0][α; μ] = [0; 1], scaled by the Gram diagonal for conditioning.
            let scale = max(gram.indices.map { gram[$0][$0] }.max() ?? 1, 1e-300)
            var a = [[Double]](repeating: [Double](repeating: 0, count: k + 2), count: k + 1)
            for i in 0..<k {
                for j in 0..<k { a[i][j] = gram[i][j] / scale }
                a[i][k] = 1; a[i][k + 1] = 0
            }
            for j in 0..<k { a[k][j] = 1 }
            a[k][k] = 0; a[k][k + 1] = 1
            let n = k + 1
            for col in 0..<n {
                var pivot = col
                for r in col..<n where abs(a[r][col]) > abs(a[pivot][col]) { pivot = r }
                guard abs(a[pivot][col]) > 1e-14 else { return nil }
                a.swapAt(col, pivot)
                let d = a[col][col]
                for r in 0..<n where r != col && a[r][col] != 0 {
                    let f = a[r][col] / d
                    for c in col...(k + 1) { a[r][c] -= f * a[col][c] }
                }
            }
            return (0..<k).map { a[$0][k + 1] / a[$0][$0] }
        }

        // Start: every initial order is a candidate set; x = the vertex of smallest norm.
        var startVertices: [([Int], [Double])] = []
        for order in initialOrders {
            let y = vertex(order)
            scan(order, y)
            startVertices.append((order, y))
        }
        let first = startVertices.min { dot($0.1, $0.1) < dot($1.1, $1.1) }!
        add(first.0, first.1)
        var lambda = [1.0]
        var x = first.1
        var iterations = 0
        var converged = false
        var lower = -Double.infinity
        var certificate: (x: [Double], orders: [[Int]], weights: [Double]) = (x, orders, lambda)
        /// Keeps the best lower bound Σ min(0, x) with the combination that proves it.
        func record() {
            var s = 0.0
            for v in x where v < 0 { s += v }
            if s > lower { lower = s; certificate = (x, orders, lambda) }
        }
        var lastOracleOrder = first.0
        var pending = startVertices.filter { $0.0 != first.0 }

        while iterations < maxIterations {
            record()
            if bestValue - lower <= tolerance { converged = true; break }
            // Linear oracle (or a pending start vertex while they still improve ⟨x, ·⟩).
            var order: [Int]
            var y: [Double]
            let xx = dot(x, x)
            if let k = pending.indices.first(where: { dot(x, pending[$0].1) < xx - 1e-15 * max(xx, 1e-30) }) {
                (order, y) = pending.remove(at: k)
            } else {
                pending.removeAll()
                order = Self.increasingOrder((0..<m).map { x[$0] * metric[$0] }, from: lastOracleOrder)
                lastOracleOrder = order
                y = vertex(order)
                iterations += 1
                scan(order, y)
                if bestValue - lower <= tolerance { converged = true; break }
                // Wolfe's stopping rule: no vertex improves on x (x is the minimum-norm point up to rounding).
                if xx - dot(x, y) <= 1e-15 * max(xx, 1e-30) { break }
            }
            add(order, y)
            lambda.append(0)
            // Minor cycles.
            while true {
                guard let alpha = affineMinimizer() else {
                    // Affinely dependent: drop the vertex with the smallest weight other than the newest.
                    let drop = (0..<(lambda.count - 1)).min { lambda[$0] < lambda[$1] }!
                    remove([drop]); lambda.remove(at: drop)
                    let total = lambda.reduce(0, +)
                    lambda = lambda.map { $0 / total }
                    x = combine(lambda)
                    continue
                }
                if alpha.allSatisfy({ $0 > 1e-14 }) {
                    // Renormalised: the bordered solve meets Σ α = 1 only to its conditioning (1e-11 seen with 300
                    // vertices), and a combination whose weights do not sum to 1 is not a point of B(F).
                    let total = alpha.reduce(0, +)
                    lambda = alpha.map { $0 / total }
                    x = combine(lambda)
                    break
                }
                var theta = 1.0
                for i in 0..<alpha.count where alpha[i] <= 1e-14 && lambda[i] - alpha[i] > 0 {
                    theta = min(theta, lambda[i] / (lambda[i] - alpha[i]))
                }
                lambda = (0..<alpha.count).map { (1 - theta) * lambda[$0] + theta * alpha[$0] }
                let drop = (0..<lambda.count).filter { lambda[$0] <= 1e-14 }
                remove(drop)
                lambda = lambda.enumerated().filter { !drop.contains($0.offset) }.map(\.element)
                let total = lambda.reduce(0, +)
                lambda = lambda.map { $0 / total }
                x = combine(lambda)
                if vertices.count <= 1 { break }
            }
            if vertices.count > maxActive {
                // Keep the combination bounded: drop the lightest vertices and renormalise (x stays in B(F)).
                let keep = lambda.indices.sorted { lambda[$0] > lambda[$1] }.prefix(maxActive)
                let drop = lambda.indices.filter { !keep.contains($0) }
                remove(drop)
                lambda = lambda.enumerated().filter { !drop.contains($0.offset) }.map(\.element)
                let total = lambda.reduce(0, +)
                lambda = lambda.map { $0 / total }
                x = combine(lambda)
            }
        }
        record()
        if bestValue - lower <= tolerance { converged = true }
        return Result(
            minimizer: bestSet, upper: bestValue, lower: lower, converged: converged,
            iterations: iterations, activeVertices: certificate.orders.count, point: certificate.x,
            orders: certificate.orders, weights: certificate.weights)
    }
}
