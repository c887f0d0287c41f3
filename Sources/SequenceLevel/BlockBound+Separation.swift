/// Exact separation of the coverage constraints Σ_{a∈M} w(a) ≤ h(q(M)) of ``BlockBound`` over the antichains M of a
/// ``PathTree``.
///
/// The violation w(M) − h(q(M)) is a convex function of the point (q(M), w(M)) (h is concave), so its maximum over
/// antichains is attained at a vertex of the convex hull of those points, and (h increasing) at a vertex of the
/// upper hull left of the largest w(M). Those vertices maximise w(M) − λ q(M) for some λ ≥ 0: a tree dynamic program
/// best(a) = max(0, w(a) − λ q(a), Σ_{children c} best(c)). They are found by dichotomic search over λ (the slope
/// between two known vertices; a maximiser above that segment is a new vertex).
///
/// - Complexity: O(N) per λ, at most ``maxEvaluations`` values of λ.
struct Separation {
    let tree: PathTree
    let weights: [Double]
    let coverage: Coverage

    static let maxEvaluations = 4000

    struct Point {
        var x: Double, y: Double
        var nodes: [Int]
        var violation: Double
    }

    /// The maximiser of w(M) − λ q(M) over antichains (ties: the smaller antichain), with its (q(M), w(M)).
    func maximiser(lambda: Double) -> Point {
        let n = tree.count
        var best = [Double](repeating: 0, count: n)
        var choice = [UInt8](repeating: 0, count: n) // 0 none, 1 the node itself, 2 its children's choices
        for a in stride(from: n - 1, through: 0, by: -1) {
            let own = weights[a] - lambda * tree.draft[a]
            var below = 0.0
            let c0 = tree.firstChild[a]
            for c in c0..<(c0 + tree.childCount[a]) { below += best[c] }
            if own > 0 && own > below {
                best[a] = own; choice[a] = 1
            } else if below > 0 {
                best[a] = below; choice[a] = 2
            }
        }
        var nodes: [Int] = []
        var stack = Array((0..<tree.roots).reversed())
        while let a = stack.popLast() {
            switch choice[a] {
            case 1: nodes.append(a)
            case 2:
                let c0 = tree.firstChild[a]
                stack.append(contentsOf: (c0..<(c0 + tree.childCount[a])).reversed())
            default: break
            }
        }
        var x = 0.0, y = 0.0
        for a in nodes { x += tree.draft[a]; y += weights[a] }
        return Point(x: x, y: y, nodes: nodes, violation: y - coverage.h(x))
    }

    /// The upper-hull vertices of {(q(M), w(M))} between λ = 0 and the empty antichain.
    func hullVertices() -> [Point] {
        let top = maximiser(lambda: 0)
        let empty = Point(x: 0, y: 0, nodes: [], violation: 0)
        var vertices = [top]
        var pending = [(top, empty)]
        var evaluations = 1
        while let (left, right) = pending.popLast(), evaluations < Self.maxEvaluations {
            let dx = left.x - right.x
            guard dx > 0 else { continue }
            let lambda = (left.y - right.y) / dx
            let mid = maximiser(lambda: lambda)
            evaluations += 1
            let onLine = left.y - lambda * left.x
            let scale = max(abs(left.y), abs(right.y), 1e-300)
            if mid.y - lambda * mid.x > onLine + 1e-15 * scale && mid.x < left.x && mid.x > right.x {
                vertices.append(mid)
                pending.append((left, mid))
                pending.append((mid, right))
            }
        }
        return vertices
    }

    /// The most violated coverage constraint, or nil when the hull holds no antichain.
    func mostViolated() -> Point? {
        hullVertices().max { $0.violation < $1.violation }
    }

    /// Antichains (as node lists, sorted) whose constraint is violated by more than `threshold`, most violated first,
    /// at most `limit`.
    func violatedAntichains(threshold: Double, limit: Int = 32) -> [[Int]] {
        hullVertices().filter { $0.violation > threshold && !$0.nodes.isEmpty }
            .sorted { $0.violation > $1.violation }
            .prefix(limit)
            .map { $0.nodes.sorted() }
    }
}
