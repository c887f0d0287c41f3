import MultidraftNumerics
import AcceptanceBounds
import Distributions
import Foundation
import Solvers
import MultidraftSupport

/// L*(K, γ): the largest expected number of accepted draft tokens of **any** lossless one-round verifier of K i.i.d.
/// draft chains of length γ (the block LP of sequence-level speculative decoding), computed exactly in its
/// **antichain form** and certified by a lower and an upper value.
///
/// ## The antichain form [proven here]
/// Let T be the tree of token paths a = (a_1..a_k), 1 ≤ k ≤ γ, with target and draft path probabilities p(a), q(a)
/// (products of the model's conditionals). Then
///
/// ```
/// L*(K, γ) = max Σ_{a ∈ T} m(a)
///            over m: T → ℝ with  0 ≤ m(a) ≤ p(a),
///                                m(c)/p(c) ≤ m(a)/p(a)            for every child c of a     (monotone)
///                                Σ_{a ∈ M} m(a) ≤ 1 − (1 − q(M))^K  for every antichain M of T  (coverage)
/// ```
///
/// where m(a) is the probability that the accepted path passes through a and q(M) = Σ_{a∈M} q(a).
/// *Proof.* (≤) A lossless round is a target path Z stopped at a randomised time τ (the stopping-time form); put
/// r(a) = P(τ > |a| | Z passes a) ∈ [0, 1], non-increasing along paths, and m(a) = p(a) r(a). The accepted tokens
/// are a draft path, so for an antichain M the disjoint events "the accepted path passes a ∈ M" lie inside "some
/// chain passes some a ∈ M", of probability 1 − (1 − q(M))^K (chains are i.i.d.; a chain passes at most one node of
/// an antichain). The objective is E[accepted] = Σ_{k≥1} P(accepted ≥ k) = Σ_a m(a). (≥) Given feasible m, emit
/// block y with probability U(y) = p(y)(r(parent y) − r(y)) (r = 0 below depth γ): lossless by the stopping-time
/// form. Its accepted paths π need mass A(π) = Σ_t U(π t) from drafts having π as a chain prefix: a bipartite
/// transport whose Gale condition A(S) ≤ Q(drafts reaching S) only has to be checked on unions of subtrees (adding
/// descendants adds demand but no drafts), where it reads Σ_{a∈M} m(a) ≤ 1 − (1 − q(M))^K by telescoping. ∎
///
/// With γ = 1 this is alpha* (the polymatroid of the coverage function); with K = 1 the coverage constraints
/// decompose into m(a) ≤ q(a), giving the closed form L*(1, γ) = Σ_a p(a) · min_{b ⪯ a} min(1, q(b)/p(b)), the value
/// of block verification (Sun et al., "Block Verification Accelerates Speculative Decoding", 2024, arXiv 2403.10444).
///
/// ## Algorithm: cutting planes with exact separation
/// GLPK's simplex solves the program with the monotone rows and the singleton coverage bounds
/// m(a) ≤ min(p(a), 1 − (1 − q(a))^K); the most violated coverage constraints are found **exactly**: the maximum of
/// the convex function m(M) − h(q(M)) (h(x) = 1 − (1 − x)^K concave) over antichains is attained at a vertex of the
/// upper convex hull of {(q(M), m(M))}, whose vertices are maximisers of m(M) − λ q(M) (a tree dynamic program) found
/// by dichotomic search over λ. Violated vertices join as rows until the certificate closes.
///
/// ## Certificate
/// - upper: weak duality with GLPK's row duals y ≥ 0 of the relaxation, corrected for any dual infeasibility:
///   upper = yᵀb + Σ_a (1 − (Gᵀy)_a)_+ · ub(a) ≥ L*, valid for any y ≥ 0.
/// - lower: the relaxation's m made exactly feasible: r(a) = min(1, m(a)/p(a), r(parent)), then scaled by the largest
///   θ ≤ 1 that satisfies every coverage constraint (Dinkelbach iteration on the same exact separation); its value
///   θ Σ p(a) r(a) is the value of a lossless verifier.
///
/// - Complexity: N = Σ_{k≤γ} V^k nodes (fewer after dropping nodes with p(a) = 0 or q(a) = 0); each round one LP
///   with N variables and about N rows, and a separation of O(N · hull vertices).
public struct BlockBound: Sendable {
    /// K and γ.
    public let drafts: Int, length: Int
    /// Proven bounds on L*(K, γ) (accepted draft tokens, the target's own token not included).
    public let lower: Double, upper: Double
    /// Cutting-plane rounds (LP solves) and coverage rows added.
    public let rounds: Int, cuts: Int
    /// Nodes of the path tree after pruning (the LP's variables).
    public let nodes: Int
    /// The certified lower plan: r(a) = P(not stopped at depth |a| | the target path passes a), per node of
    /// ``tree`` (the witness: emitting y with probability p(y)(r(parent y) − r(y)) is lossless and reaches `lower`).
    public let continuation: [Double]
    /// The pruned path tree the plan is indexed by.
    public let tree: PathTree

    /// upper − lower.
    public var gap: Double { max(0, upper - lower) }
    /// Block-efficiency units (the target's own token included): 1 + L*.
    public var blockEfficiencyLower: Double { 1 + lower }
    public var blockEfficiencyUpper: Double { 1 + upper }

    /// Estimated number of nodes (LP variables) before pruning: Σ_{k=1}^{γ} V^k.
    public static func estimatedNodes(vocabulary v: Int, length: Int) -> Double {
        (1...max(1, length)).reduce(0.0) { $0 + pow(Double(v), Double($1)) }
    }

    /// The default largest number of LP variables.
    public static let defaultMaxVariables = 200_000

    /// Computes L*(K, γ) for `model` with K = `drafts` i.i.d. chains of `length` tokens.
    /// - Throws: ``BlockBoundError``.
    public init(
        model: SequenceModel, drafts: Int, length: Int, maxVariables: Int = defaultMaxVariables,
        tolerance: Double = 1e-12, maxRounds: Int = 500, maxSlopes: Int = 24
    ) throws {
        guard drafts >= 1 else { throw BlockBoundError.invalidDrafts(drafts) }
        guard length >= 1 else { throw BlockBoundError.invalidLength(length) }
        let estimate = Self.estimatedNodes(vocabulary: model.vocabularySize, length: length)
        guard estimate <= Double(maxVariables) else {
            throw BlockBoundError.tooLarge(variables: estimate, limit: maxVariables)
        }
        let tree = PathTree(model: model, depth: length)
        let coverage = Coverage(drafts: drafts)
        let n = tree.count
        // Upper bounds: m(a) ≤ min(p(a), h(q(a))) (the singleton coverage constraints).
        let ub = (0..<n).map { min(tree.target[$0], coverage.h(tree.draft[$0])) }
        var cuts: [[Int]] = []
        var known = Set<[Int]>()
        var slopes: [Double] = []
        var rounds = 0
        var best: (lower: Double, upper: Double, r: [Double]) = (0, Double(length), [Double](repeating: 0, count: n))
        let debug = ProcessInfo.processInfo.environment["MULTIDRAFT_DEBUG_BLOCK"] != nil
        if n > 0 {
            while rounds < maxRounds {
                rounds += 1
                let watch = Stopwatch()
                let solved = try Self.solveRelaxation(
                    tree: tree, upperBounds: ub, cuts: cuts, slopes: slopes,
                    coverage: coverage)
                best.upper = min(best.upper, solved.upper)
                let lpTime = watch.elapsedMilliseconds
                let hull = Separation(tree: tree, weights: solved.m, coverage: coverage).hullVertices()
                let worst = hull.map(\.violation).max() ?? 0
                let fresh = hull.filter { $0.violation > 1e-14 && !$0.nodes.isEmpty }
                    .sorted { $0.violation > $1.violation }
                    .map { $0.nodes.sorted() }
                    .filter { !known.contains($0) }
                    .prefix(128)
                // The repaired plan (lower value) costs separations of its own: only when the relaxation is nearly
                // feasible, every tenth round, or at the end.
                if worst <= 1e-9 || fresh.isEmpty || rounds == maxRounds || rounds % 10 == 0 {
                    let feasible = Self.feasiblePlan(tree: tree, m: solved.m, coverage: coverage)
                    if feasible.value > best.lower { best.lower = feasible.value; best.r = feasible.r }
                }
                if debug {
                    FileHandle.standardError.write(
                        Data(
                            "round \(rounds): cuts \(cuts.count) slopes \(slopes.count) upper \(solved.upper) lower \(best.lower) worst \(worst) lp \(lpTime) ms total \(watch.elapsedMilliseconds) ms\n"
                                .utf8))
                }
                if best.upper - best.lower <= tolerance || fresh.isEmpty { break }
                for cut in fresh { known.insert(cut); cuts.append(cut) }
                // A slope cut at the tangent of h at the most violated antichain covers every antichain whose
                // point lies above that tangent line (at most `maxSlopes` of them, each adds N variables).
                if slopes.count < maxSlopes, worst > 1e-9,
                    let top = hull.max(by: { $0.violation < $1.violation })
                {
                    let lambda = coverage.slope(top.x)
                    if !slopes.contains(where: { abs($0 - lambda) <= 1e-9 * max(1, lambda) }) { slopes.append(lambda) }
                }
            }
        } else {
            best.upper = 0
        }
        self.drafts = drafts
        self.length = length
        self.lower = best.lower
        self.upper = max(best.upper, best.lower)
        self.rounds = rounds
        self.cuts = cuts.count
        self.nodes = n
        self.continuation = best.r
        self.tree = tree
    }

    /// The closed form for one chain, L*(1, γ) = Σ_a p(a) · min_{b ⪯ a} min(1, q(b)/p(b)) (block verification's
    /// value). O(Σ_k V^k).
    public static func singleChain(model: SequenceModel, length: Int) -> Double {
        let tree = PathTree(model: model, depth: length)
        var r = [Double](repeating: 1, count: tree.count)
        var sum = 0.0, c = 0.0
        for a in 0..<tree.count {
            let ratio = min(1, tree.draft[a] / tree.target[a])
            r[a] = tree.parent[a] < 0 ? ratio : min(ratio, r[tree.parent[a]])
            compensatedAdd(&sum, &c, tree.target[a] * r[a])
        }
        return sum
    }

    /// One LP solve of the relaxation with the given coverage rows; returns m and the certified upper value.
    static func solveRelaxation(
        tree: PathTree, upperBounds ub: [Double], cuts: [[Int]], slopes: [Double],
        coverage: Coverage
    ) throws -> (m: [Double], upper: Double, objective: Double) {
        let n = tree.count
        var lp = LinearProgram(sense: .maximize)
        var columnUpper = ub
        var objective = [Double](repeating: 1, count: n)
        for a in 0..<n { _ = lp.addVariable(lower: 0, upper: ub[a], objective: 1) }
        var rowsB: [Double] = []
        var rowTerms: [[(Int, Double)]] = []
        func add(_ terms: [(Int, Double)], upper bound: Double) {
            _ = lp.addConstraint(terms.map { (variable: $0.0, coefficient: $0.1) }, upper: bound)
            rowTerms.append(terms)
            rowsB.append(bound)
        }
        // Monotone rows m(c) − p(c | a) m(a) ≤ 0 (r(c) ≤ r(a) multiplied by p(c)), coefficients in [0, 1].
        for c in 0..<n where tree.parent[c] >= 0 {
            let a = tree.parent[c]
            add([(c, 1.0), (a, -tree.target[c] / tree.target[a])], upper: 0)
        }
        for cut in cuts {
            add(cut.map { ($0, 1.0) }, upper: coverage.h(cut.reduce(0.0) { $0 + tree.draft[$1] }))
        }
        // Slope cuts: max_M [m(M) − λ q(M)] ≤ φ(λ) = max_x [h(x) − λx], the tree DP written with variables
        // b(a) ∈ [0, p(a)]: m(a) − b(a) ≤ λ q(a), Σ_children b(c) − b(a) ≤ 0, Σ_{depth 1} b ≤ φ(λ).
        for lambda in slopes {
            let base = columnUpper.count
            for a in 0..<n {
                _ = lp.addVariable(lower: 0, upper: tree.target[a], objective: 0)
                columnUpper.append(tree.target[a])
                objective.append(0)
            }
            for a in 0..<n {
                add([(a, 1.0), (base + a, -1.0)], upper: lambda * tree.draft[a])
                let c0 = tree.firstChild[a], k = tree.childCount[a]
                if k > 0 { add((c0..<(c0 + k)).map { (base + $0, 1.0) } + [(base + a, -1.0)], upper: 0) }
            }
            add((0..<tree.roots).map { (base + $0, 1.0) }, upper: coverage.conjugate(lambda))
        }
        var options = LPOptions()
        options.feasibilityTolerance = 1e-11
        options.optimalityTolerance = 1e-11
        let solution = try lp.solve(options)
        guard solution.status == .optimal else { throw BlockBoundError.solverFailed("\(solution.status)") }
        // Weak duality: for y ≥ 0 and any feasible point, cᵀz ≤ yᵀb + Σ_j (c_j − (Gᵀy)_j)_+ ub(j).
        var gty = [Double](repeating: 0, count: columnUpper.count)
        var upper = 0.0, c = 0.0
        for (i, terms) in rowTerms.enumerated() {
            let y = max(0, solution.rowDuals[i])
            guard y > 0 else { continue }
            compensatedAdd(&upper, &c, y * rowsB[i])
            for (a, coefficient) in terms { gty[a] += y * coefficient }
        }
        for j in 0..<columnUpper.count { compensatedAdd(&upper, &c, max(0, objective[j] - gty[j]) * columnUpper[j]) }
        let m = (0..<n).map { min(max(solution.values[$0], 0), ub[$0]) }
        return (m, upper + c, solution.objective)
    }

    /// The relaxation's m made exactly feasible, with its value, continuation r and the number of local repairs:
    /// first monotone (r(a) = min(1, m(a)/p(a), r(parent))); then, while the exact separation finds a violated
    /// coverage constraint M, every subtree below M is scaled by h(q(M))/m(M) (that meets M with equality, keeps r
    /// monotone, and lowers every other constraint's left side: no new violation). After `maxRepairs` repairs one
    /// global factor θ (Dinkelbach on the same separation) finishes the job.
    static func feasiblePlan(
        tree: PathTree, m: [Double], coverage: Coverage, maxRepairs: Int = 400
    )
        -> (value: Double, r: [Double], repairs: Int)
    {
        let n = tree.count
        var r = [Double](repeating: 0, count: n)
        for a in 0..<n {
            let own = min(1, max(0, m[a] / tree.target[a]))
            r[a] = tree.parent[a] < 0 ? own : min(own, r[tree.parent[a]])
        }
        var w = (0..<n).map { tree.target[$0] * r[$0] }
        var repairs = 0
        // Subtree of a: a and every later node whose ancestor chain reaches a (breadth-first order, so descendants
        // come after a); scaled by walking the contiguous child ranges.
        func scaleSubtree(_ a: Int, by factor: Double) {
            var stack = [a]
            while let x = stack.popLast() {
                r[x] *= factor
                w[x] = tree.target[x] * r[x]
                let c0 = tree.firstChild[x]
                stack.append(contentsOf: c0..<(c0 + tree.childCount[x]))
            }
        }
        while repairs < maxRepairs {
            guard let worst = Separation(tree: tree, weights: w, coverage: coverage).mostViolated(),
                worst.violation > 0
            else { break }
            let wM = worst.nodes.reduce(0.0) { $0 + w[$1] }
            let qM = worst.nodes.reduce(0.0) { $0 + tree.draft[$1] }
            let factor = min(1, coverage.h(qM) / wM * (1 - 4e-16))
            for a in worst.nodes { scaleSubtree(a, by: factor) }
            repairs += 1
        }
        // Any violation left: one global factor.
        var theta = 1.0
        for _ in 0..<100 {
            let scaled = w.map { $0 * theta }
            guard let worst = Separation(tree: tree, weights: scaled, coverage: coverage).mostViolated(),
                worst.violation > 0
            else { break }
            let wM = worst.nodes.reduce(0.0) { $0 + w[$1] }
            let qM = worst.nodes.reduce(0.0) { $0 + tree.draft[$1] }
            let next = coverage.h(qM) / wM * (1 - 4e-16)
            guard next < theta else { break }
            theta = next
        }
        var sum = 0.0, c = 0.0
        for a in 0..<n {
            r[a] *= theta
            compensatedAdd(&sum, &c, tree.target[a] * r[a])
        }
        return (sum + c, r, repairs)
    }
}

/// h(x) = 1 − (1 − x)^K, the probability that K i.i.d. chains hit a set of chain mass x (accurate for small x).
struct Coverage: Sendable {
    let drafts: Int

    /// h'(x) = K (1 − x)^{K−1}.
    func slope(_ x: Double) -> Double {
        drafts == 1 ? 1 : Double(drafts) * pow(max(0, 1 - x), Double(drafts - 1))
    }

    /// φ(λ) = max_{x ∈ [0, 1]} h(x) − λx (attained where h'(x) = λ).
    func conjugate(_ lambda: Double) -> Double {
        if lambda >= Double(drafts) { return 0 }
        if drafts == 1 { return max(0, 1 - lambda) }
        let x = 1 - pow(max(0, lambda) / Double(drafts), 1 / Double(drafts - 1))
        return max(0, h(x) - lambda * x)
    }
    func h(_ x: Double) -> Double {
        if x >= 1 { return 1 }
        if x <= 0 { return 0 }
        return -expm1(Double(drafts) * log1p(-x))
    }
}

/// Why ``BlockBound`` refused.
public enum BlockBoundError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidDrafts(Int)
    case invalidLength(Int)
    /// The path tree would have `variables` nodes, more than `limit`.
    case tooLarge(variables: Double, limit: Int)
    case solverFailed(String)

    public var description: String {
        switch self {
        case .invalidDrafts(let k): return "the number of draft chains must be at least 1 (got \(k))"
        case .invalidLength(let g): return "the draft length must be at least 1 (got \(g))"
        case .tooLarge(let v, let limit):
            return
                "the block LP needs about \(v.countDescription) variables (Σ V^k over the draft length), more than the limit \(limit)"
        case .solverFailed(let s): return "the block LP's solver failed: \(s)"
        }
    }
}
