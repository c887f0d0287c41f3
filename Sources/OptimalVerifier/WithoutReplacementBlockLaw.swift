import ImportanceSampling
import MultidraftNumerics
import AcceptanceBounds
import Distributions
import Foundation
import MultidraftSupport

/// The law r_w that ``BlockLuceSelection`` (block priority, then a Luce choice with weights w among the drafts of the
/// leading block) induces for n drafts **without replacement** from q, at any V, by a double integral over the
/// exponential race and the Luce clocks.
///
/// **Derivation.** Give token y a race clock T_y ~ Exp(q_y) (the drafts S are the n earliest clocks) and, inside the
/// block B, a Luce clock U_y ~ Exp(w_y) (the selected draft is the earliest Luce clock among S ∩ B). With H the tokens
/// of the earlier blocks and L those of the later ones, x ∈ B is selected iff x ∈ S, S ∩ H = ∅ and no y ∈ S ∩ B ∖ x
/// has U_y < U_x. Condition on U_x = s and on the time τ of the (n + 1)-th arrival (token z): given τ, every other
/// token is drafted independently with probability π_y = 1 − e^{−q_y τ}, and a Luce rival y ∈ B must be undrafted or
/// have U_y > s. With u counting the drafts,
///
/// ```
/// r_w(x) = w_x ∫₀^∞ dτ ∫₀^∞ ds e^{−s w_x} π_x(τ) [u^{n−1}] M_{V∖x}(u; τ, s)
/// φ_y(u) = ē_y                        y ∈ H          (ē_y = e^{−q_y τ}: y must not be drafted)
///        = ē_y + u π_y                y ∈ L
///        = ē_y + u π_y e^{−s w_y}      y ∈ B          (drafted only if its Luce clock rings after s)
/// A_G = Π_{y∈G} φ_y,   M_G = Σ_{z∈G} q_z ē_z Π_{y∈G∖z} φ_y      (z: the token whose clock rings at τ)
/// (A, M)_{G∪G'} = (A_G A_{G'},  M_G A_{G'} + A_G M_{G'})
/// ```
///
/// Every coefficient is a sum of positive terms (no cancellation). H enters as the scalars e^{−τ q(H)} and q(H); the
/// later tokens' (A, M) do not depend on w and are computed once for every block by one pass from the end of the
/// order (``Environment``). The leave-one-out products M_{V∖x} come from prefix and suffix products inside the block.
///
/// **Quadrature.** Both integrals are trapezoid rules in log τ and log s (integrands analytic in a strip, error
/// ≈ e^{−π²/h}). τ runs at 12 points per decade from max((10⁻¹⁷)^{1/(n+1)}, 0.05/(n+1)) to the block's τ_max, where
/// e^{−τρ}τⁿ/n! < e^{−46}, ρ = q(H) + the draft mass of B ∪ L outside its n largest tokens (the rate left after any n
/// drafts that avoid H); below its first node the lattice is continued for an integrand τⁿ times the polynomial
/// through its first seven nodes (``tauLowerEnd(drafts:)``, ``tauContinuationWeights(drafts:)``). s runs at 10
/// points per decade on [10⁻²/(n·w_max), 40/w_min], continued below by the polynomial through its first seven nodes
/// (``sGrid(wMin:wMax:drafts:lowerEnd:)``, error ≈ 3·10⁻¹⁸ relative; the i.i.d. law continues its lattice by a
/// Taylor series instead, ``iidBlockLaw(draftMasses:weights:later:drafts:route:)``). The block sums
/// Σ_B r_w match the race's coverage increments and every token matches enumeration of the draft tuples to ~10⁻¹³
/// (tests).
///
/// **Routes.** A block whose tokens all have one weight (below ``equalWeightBlockLimit`` tokens) takes the Luce
/// integral in closed form (``equalWeightIntegrals(env:q:weight:threads:first:)``: O(G_τ·m·n²)). Otherwise a small
/// block takes the s-integral in closed form over the sets of drafted rivals, with the τ-integral done once per
/// block (``SubsetKernel``: exact in s, O(G_τ·m·C) once with C the rival sets per token, then O(m·S) per
/// evaluation) when C is below G_s·n and the kernel has at most 2²¹ entries (``Evaluator``); a large block the tail
/// expansion (``tailIntegrals(env:q:w:threads:first:tolerance:massOrder:)``); the rest the direct (τ, s) double sum
/// (``directIntegrals(env:q:w:threads:first:)``). The tests hold each route to the direct one (10⁻¹²).
///
/// - Complexity: environment O(V·n·G_τ) once; a block of m tokens O(m·n·G_τ·G_s) per evaluation on the direct route.
/// - Reference: the selection polytope and the block-priority rule are in <doc:Theory#Optimal-verifier>;
///   this realised-law formula is derived here (no published formula for draws without replacement was found).
public enum WithoutReplacementBlockLaw {
    /// Points per decade of τ and of s.
    static let tauPointsPerDecade = 12.0, sPointsPerDecade = 10.0

    /// What a block's law needs that does not depend on the weights: the τ nodes and, per node, the polynomials
    /// (A_{H∪L}, M_{H∪L}) of the tokens outside the block (degree < n).
    public struct Environment: Sendable {
        public let drafts: Int
        /// τ nodes (increasing) and their trapezoid weights in τ (log step × τ, half at both ends).
        public let tau: [Double], tauWeight: [Double]
        /// coefficients[g·2n + i] = A_{H∪L}[i], coefficients[g·2n + n + i] = M_{H∪L}[i], g < tau.count.
        public let coefficients: [Double]
        /// True when no n drafts can avoid H (fewer than n tokens of B ∪ L have q > 0): the block is never selected.
        public let unreachable: Bool
    }

    /// The environments of the blocks `wanted` (indices into `blocks`, ranges of `order`).
    /// - Complexity: O(V·n·G) with G the nodes of the largest τ_max, split over `threads` (fixed node chunks, so
    ///   the result does not depend on the thread count).
    public static func environments(
        draftMasses q: [Double], order: [Int], blocks: [Range<Int>], drafts n: Int,
        wanted: [Int], threads: Int = 1
    ) -> [Int: Environment] {
        precondition(n >= 1)
        if wanted.isEmpty { return [:] }
        let nb = blocks.count
        // q(H) per block (compensated prefix sums), and ρ per block from the end: q(B ∪ L) outside its n largest.
        var earlier = [Double](repeating: 0, count: nb)
        var sum = 0.0, comp = 0.0
        for b in 0..<nb {
            earlier[b] = sum
            for k in blocks[b] { compensatedAdd(&sum, &comp, q[order[k]]) }
        }
        var rest = [Double](repeating: 0, count: nb), positive = [Int](repeating: 0, count: nb)
        var top: [Double] = [] // the n largest q of the suffix, descending
        var restSum = 0.0, restComp = 0.0, count = 0
        for b in stride(from: nb - 1, through: 0, by: -1) {
            for k in blocks[b] {
                let x = q[order[k]]
                guard x > 0 else { continue }
                count += 1
                var evicted = x
                if top.count < n {
                    top.append(x); top.sort(by: >); evicted = 0
                } else if x > top[n - 1] {
                    evicted = top[n - 1]; top[n - 1] = x; top.sort(by: >)
                }
                if evicted > 0 { compensatedAdd(&restSum, &restComp, evicted) }
            }
            rest[b] = restSum
            positive[b] = count
        }
        let logFactorial = (1...n).reduce(0.0) { $0 + log(Double($1)) }
        var tauMax = [Double](repeating: 0, count: nb)
        for b in wanted {
            let rho = earlier[b] + rest[b]
            guard positive[b] >= n, rho > 0 else { continue }
            var t = 46 / rho
            for _ in 0..<6 { t = (46 + max(0, Double(n) * log(t) - logFactorial)) / rho }
            tauMax[b] = t
        }
        let tauLo = tauLowerEnd(drafts: n)
        let tauHi = max(tauLo * 10, wanted.map { tauMax[$0] }.max() ?? 0)
        let step = log(10.0) / tauPointsPerDecade
        let continuation = tauContinuationWeights(drafts: n)
        let g = max(continuationNodes + 1, Int((log(tauHi) - log(tauLo)) / step) + 2)
        let tau = (0..<g).map { exp(log(tauLo) + Double($0) * step) }
        // Nodes used by each wanted block: up to the first node at or beyond τ_max.
        var nodes = [Int: Int]()
        for b in wanted where tauMax[b] > 0 {
            nodes[b] = min(g, max(continuationNodes + 1, (tau.firstIndex { $0 >= tauMax[b] } ?? (g - 1)) + 1))
        }
        let slots = wanted.filter { nodes[$0] != nil }.sorted()
        // per block: its slot among the wanted blocks (−1 if none) and its node count (arrays: the pass below reads
        // them once per block and node)
        var slotOf = [Int](repeating: -1, count: nb), nodeCount = [Int](repeating: 0, count: nb)
        for (slot, b) in slots.enumerated() {
            slotOf[b] = slot
            nodeCount[b] = nodes[b]!
        }
        let firstBlock = slots.first ?? nb
        let width = 2 * n
        let chunks = min(16, g)
        let ordered = order.map { q[$0] }
        // Each chunk of nodes: the reverse pass over the blocks, snapshotting (A, M) before each wanted block.
        let parts: [[Double]] = parallelMap(count: chunks, threads: max(1, threads)) { c in
            let lo = c * g / chunks, hi = (c + 1) * g / chunks
            var out = [Double](repeating: 0, count: slots.count * (hi - lo) * width)
            // (A, M) of the tokens after the current block
            let pair = UnsafeMutablePointer<Double>.allocate(capacity: width)
            defer { pair.deallocate() }
            for gi in lo..<hi {
                let t = tau[gi]
                for i in 0..<width { pair[i] = 0 }
                pair[0] = 1
                var b = nb - 1
                while b >= firstBlock {
                    let slot = slotOf[b]
                    if slot >= 0 && gi < nodeCount[b] {
                        let e = exp(-t * earlier[b]), qh = earlier[b]
                        let base = (slot * (hi - lo) + (gi - lo)) * width
                        for i in 0..<n {
                            out[base + i] = e * pair[i]
                            out[base + n + i] = e * (qh * pair[i] + pair[n + i])
                        }
                    }
                    for k in blocks[b] {
                        let qy = ordered[k]
                        guard qy > 0 else { continue }
                        let (pi, eb) = piAndExp(qy * t)
                        multiplyPair(pair, from: 0, to: 0, n: n, p: pi, e: eb, mark: qy * eb)
                    }
                    b -= 1
                }
            }
            return out
        }
        var result = [Int: Environment]()
        for b in wanted where nodes[b] == nil {
            result[b] = Environment(drafts: n, tau: [], tauWeight: [], coefficients: [], unreachable: true)
        }
        for (slot, b) in slots.enumerated() {
            let k = nodes[b]!
            var coefficients = [Double](repeating: 0, count: k * width)
            for c in 0..<chunks {
                let lo = c * g / chunks, hi = (c + 1) * g / chunks
                for gi in lo..<max(lo, min(hi, k)) {
                    let src = (slot * (hi - lo) + (gi - lo)) * width
                    for i in 0..<width { coefficients[gi * width + i] = parts[c][src + i] }
                }
            }
            let weights = tauWeights(nodes: Array(tau[0..<k]), drafts: n, continuation: continuation)
            result[b] = Environment(
                drafts: n, tau: Array(tau[0..<k]), tauWeight: weights,
                coefficients: coefficients, unreachable: false)
        }
        return result
    }

    /// Nodes of the polynomial that continues the τ and s lattices below their first nodes.
    static let continuationNodes = GeometricLattice.continuationNodes

    /// Lower end of the τ grid: max((10⁻¹⁷)^{1/(n+1)}, 0.05/(n + 1)) for n ≥ 2 ((10⁻¹⁷)^{1/2} for one draft).
    ///
    /// Every τ-integrand (per token, per rival set, with or without the s-moment) is O(τⁿ) at 0 (n − 1 drafted
    /// rivals and the token itself, each π = 1 − e^{−qτ} = O(τ)) times a function h(τ) analytic at 0 whose Taylor
    /// coefficients fall like λ^j/j! with λ ≤ n + 1 (a sum of rates of e^{−qτ} factors, Σq = 1, with at most n + 1
    /// distinguished tokens); the lattice below τ_lo is summed for h equal to its interpolating polynomial through
    /// the first seven nodes (``tauContinuationWeights(drafts:)``). The continued part is about τ_lo^{n+1} of the
    /// integral and the interpolation errs by ≈ (λτ_lo)⁷ρ^{21}/7! ≈ 2·10⁻¹¹ of it at λτ_lo = 0.05: ≈ 10⁻¹⁶ relative
    /// at n = 2 and less beyond (measured on τⁿe^{−λτ}(1 + e^{−λ'τ}/2), λ ≤ 4: ≤ 3·10⁻¹⁶ for n = 2–6, as the old
    /// rule). Before, the grid started at (10⁻¹⁷)^{1/(n+1)} with no continuation (dropping ~10⁻¹⁷/(n+1)! absolute):
    /// the continuation saves 47 nodes at n = 2 and 17 at n = 4; from n = 7 on the old lower end is the larger and
    /// is kept (with the continuation).
    static func tauLowerEnd(drafts n: Int) -> Double {
        WithoutReplacementRace.latticeLowerEnd(drafts: n)
    }

    /// The τ continuation's weights over step·τ_lo for n drafts: with the integrand τⁿh(τ) (dτ) and ρ = e^{step},
    /// Σ_{k≥1} step·τ_k·τ_kⁿ h(τ_k) (τ_k = τ_lo ρ^{−k}) = Σ_i step·τ_lo·δ_i f(τ_i),
    /// δ_i = ρ^{−in} Σ_{k≥1} ρ^{−k(n+1)} L_i(ρ^{−k}) (``latticeContinuation(pointsPerDecade:power:shift:)``; exact
    /// for h a polynomial of degree < 7).
    static func tauContinuationWeights(drafts n: Int) -> [Double] {
        latticeContinuation(pointsPerDecade: tauPointsPerDecade, power: n + 1, shift: n)
    }

    /// The lattice-continuation weights (``GeometricLattice/continuationWeights(pointsPerDecade:power:shift:)``).
    static func latticeContinuation(pointsPerDecade: Double, power: Int, shift: Int) -> [Double] {
        GeometricLattice.continuationWeights(pointsPerDecade: pointsPerDecade, power: power, shift: shift)
    }

    /// Trapezoid weights in τ for the nodes τ_lo·e^{j·step} (j < k, k > 7, step = ln 10/12): the bi-infinite rule (half
    /// weight at the last node only), its lattice below τ_lo continued (``tauContinuationWeights(drafts:)``, passed
    /// in when at hand).
    static func tauWeights(nodes tau: [Double], drafts n: Int, continuation: [Double]? = nil) -> [Double] {
        GeometricLattice.trapezoidWeights(
            nodes: tau, step: log(10.0) / tauPointsPerDecade,
            continuation: continuation ?? tauContinuationWeights(drafts: n))
    }

    /// (1 − e^{−x}, e^{−x}) for x ≥ 0 without cancellation (``WithoutReplacementRace/oneMinusExpAndExp(_:)``).
    @inline(__always)
    static func piAndExp(_ x: Double) -> (Double, Double) {
        WithoutReplacementRace.oneMinusExpAndExp(x)
    }

    /// One token's factor on a pair stored as b[base..<base+n] = A, b[base+n..<base+2n] = M (degree < n):
    /// (A, M)_dst = (A·φ, M·φ + mark·A)_src with φ = e + u·p, for the token's drafted weight p, undrafted weight e and
    /// marking weight mark = q·ē. `src` may equal `dst` (coefficients are updated from the top degree down). The
    /// coefficients are numbers, or SIMD lanes (one s node each, or one τ node each with e and mark per lane too).
    @inline(__always)
    static func multiplyPair<C: PairCoefficient>(
        _ b: UnsafeMutablePointer<C>, from src: Int, to dst: Int, n: Int, p: C, e: C, mark: C
    ) {
        var i = n - 1
        while i > 0 {
            b[dst + n + i] = b[src + n + i] * e + b[src + n + i - 1] * p + b[src + i] * mark
            b[dst + i] = b[src + i] * e + b[src + i - 1] * p
            i -= 1
        }
        b[dst + n] = b[src + n] * e + b[src] * mark
        b[dst] = b[src] * e
    }

    /// ``multiplyPair(_:from:to:n:p:e:mark:)`` on SIMD lanes that share one undrafted and marking weight (the lanes
    /// are s nodes of one τ node).
    @inline(__always)
    static func multiplyPair(
        _ b: UnsafeMutablePointer<SIMD4<Double>>, from src: Int, to dst: Int, n: Int, p: SIMD4<Double>, e: Double,
        mark: Double
    ) {
        multiplyPair(b, from: src, to: dst, n: n, p: p, e: SIMD4(repeating: e), mark: SIMD4(repeating: mark))
    }

    /// ``multiplyPair(_:from:to:n:p:e:mark:)`` on an array of numbers.
    @inline(__always)
    static func multiplyPair(
        _ b: inout [Double], from src: Int, to dst: Int, n: Int, p: Double, e: Double, mark: Double
    ) {
        b.withUnsafeMutableBufferPointer {
            multiplyPair($0.baseAddress!, from: src, to: dst, n: n, p: p, e: e, mark: mark)
        }
    }

    /// [u^{n−1}] of M_{left}·A_{right} + A_{left}·M_{right}: the marked coefficient of the product of the pair
    /// `left` (at 0) and the pair of `right` at `base`.
    @inline(__always)
    static func markedTop(_ left: [Double], _ right: [Double], at base: Int, n: Int) -> Double {
        var value = 0.0
        for i in 0..<n {
            value += left[n + i] * right[base + n - 1 - i] + left[i] * right[base + n + n - 1 - i]
        }
        return value
    }

    /// r_w on one block (tokens' draft masses q and weights w, same order) and, if asked, each token's elasticity
    /// ∂ log r_w(x)/∂ log w_x at fixed rivals (1 − w_x ∫∫ s e^{−s w_x}… / ∫∫ e^{−s w_x}…, clamped to [0.002, 1]).
    /// One draft (n = 1): r_w = q. A fit that evaluates one block many times keeps a ``Evaluator`` instead, so that
    /// the closed-form route's kernel is built once.
    public static func blockLaw(
        environment env: Environment, draftMasses q: [Double], weights w: [Double],
        threads: Int = 1, elasticity wantElasticity: Bool = false
    )
        -> (law: [Double], elasticity: [Double])
    {
        var evaluator = Evaluator(environment: env, draftMasses: q)
        return evaluator.law(weights: w, threads: threads, elasticity: wantElasticity)
    }

    /// ``blockLaw(environment:draftMasses:weights:threads:elasticity:)`` for one block at many weights. Equal weights
    /// (below ``equalWeightBlockLimit`` tokens) are evaluated in closed form in s; otherwise the route is chosen at the
    /// first such evaluation and kept: a small block takes the closed-form route, whose ``SubsetKernel`` is
    /// built then and reused (every later evaluation is O(m·S), no quadrature), when C ≤ G_s·n (C the rival sets per
    /// token, G_s the s nodes at those weights: a heuristic comparing the walk's leaves with the direct route's work
    /// per token and τ node, tuned by measurement) and its kernel has at most 2²¹ entries; a large block the tail
    /// expansion; the rest the direct route.
    public struct Evaluator {
        let env: Environment
        let q: [Double]
        let active: [Int], activeMasses: [Double]
        /// nil until the first evaluation; then whether the closed-form route is taken, with its kernel
        var kernel: SubsetKernel??
        /// How many evaluations took the tail expansion at the coarse tolerance (their laws steer a fit; they are
        /// never a realised law).
        public private(set) var coarseEvaluations = 0
        /// The active tokens by decreasing q, sorted at the first tail evaluation and kept.
        var massOrder: [Int]?

        public init(environment env: Environment, draftMasses q: [Double]) {
            self.env = env
            self.q = q
            self.active = q.indices.filter { q[$0] > 0 }
            self.activeMasses = active.map { q[$0] }
        }

        /// r_w at the weights w and, if asked, the elasticities (as the static ``blockLaw(environment:draftMasses:
        /// weights:threads:elasticity:)``). With `coarse`, a block on the tail route is evaluated at `coarseTolerance`
        /// (default ``coarseTolerance``, about 10⁻¹² relative instead of 10⁻¹⁸; clamped to [10⁻¹⁸, 10⁻⁶]; other routes
        /// are always precise), for the
        /// steps of a fit whose final law is then evaluated precisely.
        public mutating func law(
            weights w: [Double], threads: Int = 1, elasticity wantElasticity: Bool = false, coarse: Bool = false,
            coarseTolerance level: Double? = nil
        ) -> (law: [Double], elasticity: [Double]) {
            let n = env.drafts
            var law = [Double](repeating: 0, count: q.count)
            var elasticity = [Double](repeating: 1, count: q.count)
            if env.unreachable { return (law, elasticity) }
            if n == 1 { return (q, elasticity) }
            if active.isEmpty { return (law, elasticity) }
            let qa = activeMasses, wa = active.map { w[$0] }
            var integrals: (zeroth: [Double], first: [Double]?)?
            if qa.count < equalWeightBlockLimit, wa.allSatisfy({ $0 == wa[0] }) {
                integrals = equalWeightIntegrals(
                    env: env, q: qa, weight: wa[0], threads: threads, first: wantElasticity)
            } else if kernel == nil {
                let sNodeCount = sGrid(wMin: wa.min()!, wMax: wa.max()!, drafts: n).nodes.count
                let sets = subsetRivalSets(blockSize: qa.count + 1, drafts: n)
                kernel =
                    subsetRivalSets(blockSize: qa.count, drafts: n) <= Double(sNodeCount * n)
                        && Double(qa.count) * sets <= Double(1 << 21)
                    ? SubsetKernel(environment: env, draftMasses: qa) : .some(nil)
            }
            // The tail expansion where it applies; the direct route otherwise, and also if the expansion produced a
            // value that is not a finite non-negative number (a guard: no instance tried has needed it).
            func valid(_ r: (zeroth: [Double], first: [Double]?)) -> Bool {
                r.zeroth.allSatisfy { $0.isFinite && $0 >= 0 } && (r.first?.allSatisfy(\.isFinite) ?? true)
            }
            if integrals != nil {
                // equal weights: the Luce integral in closed form
            } else if case .some(.some(let kernel)) = kernel {
                integrals = kernel.integrals(weights: wa, first: wantElasticity)
            } else {
                if massOrder == nil { massOrder = massOrdered(qa) }
                integrals = tailIntegrals(
                    env: env, q: qa, w: wa, threads: threads, first: wantElasticity,
                    tolerance: coarse ? max(1e-18, min(1e-6, level ?? coarseTolerance)) : 1e-18, massOrder: massOrder)
                if let r = integrals, !valid(r) { integrals = nil }
                if coarse && integrals != nil { coarseEvaluations += 1 }
            }
            let (zeroth, first) =
                integrals
                ?? directIntegrals(env: env, q: qa, w: wa, threads: threads, first: wantElasticity)
            for (i, x) in active.enumerated() {
                law[x] = wa[i] * zeroth[i]
                if let first, zeroth[i] > 0 { elasticity[x] = min(1, max(0.002, 1 - wa[i] * first[i] / zeroth[i])) }
            }
            return (law, elasticity)
        }
    }

    /// Lower end of the s grid, times n·w_max (the largest rate of e^{−s·rate} in the integrands: the selected
    /// token's own clock and at most n − 1 Luce rivals).
    static let sLowerEnd = 1e-2

    /// The continuation weights of ``sGrid(wMin:wMax:drafts:lowerEnd:)`` over h·s₀: δ_i = Σ_{k≥1} ρ^{−k} L_i(ρ^{−k}),
    /// ρ = e^h (``latticeContinuation(pointsPerDecade:power:shift:)`` with power 1); |δ_i| ≲ 10³, so their rounding
    /// stays near 10⁻¹³ of the continued part, itself ~s₀·rate of the integral.
    static let sContinuationWeights = latticeContinuation(pointsPerDecade: sPointsPerDecade, power: 1, shift: 0)

    /// The s grid shared by the routes: nodes and trapezoid weights in s (step h in log s, 10 points per decade) on
    /// [s₀, 40/w_min], s₀ = 10⁻²/(n·w_max), for weights in [wMin, wMax] and n drafts.
    ///
    /// The lattice is continued below s₀ as the bi-infinite trapezoid rule of an integrand equal to its interpolating
    /// polynomial through the first K = 7 nodes: Σ_{k≥1} h s₀ρ^{−k} f(s₀ρ^{−k}) ≈ Σ_i h s₀ δ_i f(s_i)
    /// (``sContinuationWeights``), added to the first K weights. Every integrand is a positive combination of
    /// e^{−λs} with λ ≤ n·w_max (the selected token's clock and at most n − 1 rivals), whose Taylor coefficients are
    /// at most f(0)·(n·w_max)^j/j!; the interpolation error on [0, s₀] is then below
    /// (s₀n·w_max)^K·ρ^{K(K−1)/2}/K! ≈ 2.5·10⁻¹⁶ of f(0), on a part of weight s₀ against the integral's ≥ 1/(n·w_max):
    /// ≈ 3·10⁻¹⁸ relative. Against the linear continuation at 10⁻⁶/w_max (the previous rule) this saves 31–37 nodes
    /// (3.1–3.7 decades) at n = 8 and 2. The upper end leaves e^{−40} of the slowest clock.
    static func sGrid(
        wMin: Double, wMax: Double, drafts n: Int, lowerEnd: Double = sLowerEnd
    ) -> (nodes: [Double], weights: [Double]) {
        let k = continuationNodes
        let lo = lowerEnd / (Double(max(1, n)) * wMax), hi = 40 / wMin
        let h = log(10.0) / sPointsPerDecade
        let g = max(k + 1, Int((log(hi) - log(lo)) / h) + 2)
        let nodes = (0..<g).map { exp(log(lo) + Double($0) * h) }
        return (nodes, GeometricLattice.trapezoidWeights(nodes: nodes, step: h, continuation: sContinuationWeights))
    }

    /// ∫∫ e^{−s w_x} π_x [u^{n−1}] M_{V∖x} (and the same with an extra factor s) for every token of the block, with
    /// prefix/suffix products inside the block. O(m·n) per (τ, s) node; four s nodes at a time in the lanes of a
    /// SIMD vector (the same products, lane by lane; the padding lanes have weight 0).
    static func directIntegrals(
        env: Environment, q: [Double], w: [Double], threads: Int, first: Bool
    )
        -> (zeroth: [Double], first: [Double]?)
    {
        typealias Lanes = SIMD4<Double>
        let n = env.drafts, m = q.count, width = 2 * n
        let (sNodes, sWeights) = sGrid(wMin: w.min()!, wMax: w.max()!, drafts: n)
        let gs = sNodes.count, groups = (gs + 3) / 4
        var sLanes = [Lanes](repeating: .zero, count: groups), weightLanes = sLanes
        for k in 0..<gs {
            sLanes[k / 4][k % 4] = sNodes[k]
            weightLanes[k / 4][k % 4] = sWeights[k]
        }
        // decay[l·m + y] = e^{−s w_y} at the four s nodes of group l (0 in padding lanes)
        var decay = [Lanes](repeating: .zero, count: groups * m)
        for k in 0..<gs { for y in 0..<m { decay[(k / 4) * m + y][k % 4] = exp(-sNodes[k] * w[y]) } }
        let gt = env.tau.count
        let chunks = min(16, gt)
        let parts: [([Double], [Double])] = parallelMap(count: chunks, threads: max(1, threads)) { c in
            let lo = c * gt / chunks, hi = (c + 1) * gt / chunks
            var acc = [Lanes](repeating: .zero, count: m), acc1 = [Lanes](repeating: .zero, count: first ? m : 0)
            // per token: π, ē and the marking weight q·ē at the current τ node (raw buffers: the loops below run
            // G_τ·G_s/4·m times per block, and array bounds checks had been a visible share of them)
            let pi = UnsafeMutablePointer<Double>.allocate(capacity: m)
            let eb = UnsafeMutablePointer<Double>.allocate(capacity: m)
            let mark = UnsafeMutablePointer<Double>.allocate(capacity: m)
            let suffix = UnsafeMutablePointer<Lanes>.allocate(capacity: (m + 1) * width)
            let left = UnsafeMutablePointer<Lanes>.allocate(capacity: width)
            defer {
                pi.deallocate()
                eb.deallocate()
                mark.deallocate()
                suffix.deallocate()
                left.deallocate()
            }
            decay.withUnsafeBufferPointer { decay in
                acc.withUnsafeMutableBufferPointer { acc in
                    acc1.withUnsafeMutableBufferPointer { acc1 in
                        env.coefficients.withUnsafeBufferPointer { coefficients in
                            for gi in lo..<hi {
                                let t = env.tau[gi], cg = env.tauWeight[gi]
                                for y in 0..<m {
                                    (pi[y], eb[y]) = piAndExp(q[y] * t)
                                    mark[y] = q[y] * eb[y]
                                }
                                let envBase = gi * width
                                for l in 0..<groups {
                                    let decayRow = decay.baseAddress! + l * m
                                    // suffix[j] = (A, M) of tokens j..<m; suffix[m] = (1, 0).
                                    let lastBase = m * width
                                    for i in 0..<width { suffix[lastBase + i] = .zero }
                                    suffix[lastBase] = Lanes(repeating: 1)
                                    for j in stride(from: m - 1, through: 0, by: -1) {
                                        multiplyPair(
                                            suffix, from: (j + 1) * width, to: j * width, n: n,
                                            p: pi[j] * decayRow[j], e: eb[j], mark: mark[j])
                                    }
                                    for i in 0..<width { left[i] = Lanes(repeating: coefficients[envBase + i]) }
                                    let weight = cg * weightLanes[l], sLane = sLanes[l]
                                    for j in 0..<m {
                                        let d = decayRow[j]
                                        var top = Lanes.zero
                                        let right = suffix + (j + 1) * width
                                        for i in 0..<n {
                                            top += left[n + i] * right[n - 1 - i] + left[i] * right[n + n - 1 - i]
                                        }
                                        let term = weight * d * pi[j] * top
                                        acc[j] += term
                                        if first { acc1[j] += term * sLane }
                                        // left ⊗ φ_j
                                        multiplyPair(left, from: 0, to: 0, n: n, p: pi[j] * d, e: eb[j], mark: mark[j])
                                    }
                                }
                            }
                        }
                    }
                }
            }
            return (acc.map { $0.sum() }, acc1.map { $0.sum() })
        }
        var zeroth = [Double](repeating: 0, count: m), firstOut = [Double](repeating: 0, count: first ? m : 0)
        for part in parts {
            for y in 0..<m { zeroth[y] += part.0[y] }
            if first { for y in 0..<m { firstOut[y] += part.1[y] } }
        }
        return (zeroth, first ? firstOut : nil)
    }
}

/// A coefficient of the race's pair polynomials: a number, or four of them in SIMD lanes.
protocol PairCoefficient {
    static func + (a: Self, b: Self) -> Self
    static func * (a: Self, b: Self) -> Self
    static func * (a: Self, b: Double) -> Self
}

extension Double: PairCoefficient {}
extension SIMD4: PairCoefficient where Scalar == Double {}
