import AcceptanceBounds
import ImportanceSampling
import MultidraftNumerics
import Distributions
import Foundation

/// The optimal selection law r* of the canonical two-step scheme, for i.i.d. and without-replacement drafts, at any
/// vocabulary size (<doc:Theory#Optimal-verifier>).
///
/// A selection rule picks one drafted token Z; any law r of Z that a rule can induce lies in the base polytope of the
/// coverage function f(H) = P(some draft ∈ H), and the two-step scheme accepts Σ_x min(p_x, r_x). Sort the tokens by
/// p/q, largest first (q = 0 first), let P_k be the first k and take the lower convex hull of
///
/// ```
/// (a_k, b_k) = (p(P_k), f(P_k)),   k = 0…V,        f(P_k) = 1 − Q(Σ ∖ P_k)
/// r*_x = s(x) · p_x,   s(x) = slope of the hull segment (block) that holds x
/// Σ_x min(p_x, r*_x) = Σ_{blocks, s < 1} Δf + Σ_{blocks, s ≥ 1} Δp = alpha* = 1 + min_H [p(H) − Q(H)]
/// ```
///
/// r* is Fujishige's lexicographically optimal base of f with respect to p (1980). Blocks with slope < 1 are
/// under-supplied by the drafts (r* < p); their union A is the complement of the minimising set H* of the subset
/// formula. The tokens with p = 0 < q (last in the order) always form one final vertical block, which shares its
/// f-increment in proportion to q. Status: the prefix structure is proven for i.i.d. drafts (f = g(q(H)) with g concave) and reconstructed for
/// without-replacement drafts (it relies on the same q-convexity as the dual scan; checked numerically).
///
/// Numerics: for i.i.d. drafts f(P_k) = 1 − (1 − q(P_k))ⁿ is taken as q(P_k)·Σ_{j<n} r_k^j from the prefix mass and
/// the suffix mass r_k = q(Σ ∖ P_k) for n ≤ 32 (positive terms, summed by binary doubling), else as −expm1(n·log1p(−q(P_k))) while q(P_k) ≤ ½
/// and as 1 − r_kⁿ beyond, and a block's increment is evaluated without
/// cancellation as (l + q_B)ⁿ − lⁿ = q_B Σ_j (l + q_B)^j l^{n−1−j}, l the draft mass after the block. For
/// without-replacement drafts Q comes from ``WithoutReplacementRace`` (absolute error below ~2·10⁻¹³), for two drafts
/// from the pair law in closed form (``TwoDraws``), whose block increments are then summed from positive terms.
///
/// - Complexity: i.i.d. O(V) after the O(V) radix ratio order; without replacement O(V·G·n), the cost of the race
///   (G quadrature points), and O(V) for two drafts. The hull is one monotone-chain pass over the points, which one branch-free pass
///   computes first; p and q are gathered into the order once (from one interleaved copy), and r* and the blocks
///   are scattered back to the tokens once.
/// - Reference: S. Fujishige, "Lexicographically optimal base of a polymatroid with respect to a weight vector",
///   Math. Oper. Res. 5 (1980); Khisti et al. (arXiv 2410.18234) for the two-step scheme; Hu et al. (arXiv
///   2502.18779) for the subset formula.
public struct OptimalSelectionLaw: Sendable {
    /// One hull segment: consecutive tokens of ``order`` sharing the slope Δf/Δp.
    public struct Block: Sendable, Equatable {
        /// Positions in ``OptimalSelectionLaw/order``.
        public let range: Range<Int>
        /// Δp, the target mass of the block.
        public let targetMass: Double
        /// Δf, the probability that the block holds the earliest-block draft (the mass any block-priority rule
        /// selects from it).
        public let coverage: Double
        /// q of the block's tokens.
        public let draftMass: Double
        /// q of every token after the block (l); 0 for the last block.
        public let laterDraftMass: Double
        /// Δf / Δp (+∞ for a block of zero target mass).
        public var slope: Double { targetMass > 0 ? coverage / targetMass : .infinity }
        /// Whether the block is under-supplied (slope < 1): r* ≤ p on it.
        public var isUnderSupplied: Bool { slope < 1 }
    }

    /// Tokens by p/q, largest first; q = 0 first.
    public let order: [Int]
    /// The hull segments, in order.
    public let blocks: [Block]
    /// Index in ``blocks`` of each token.
    public let blockOfToken: [Int]
    /// r*, the optimal selection law.
    public let selectionLaw: [Double]
    /// alpha* = Σ_{s<1} Δf + Σ_{s≥1} Δp.
    public let alpha: Double
    /// The law it was built for.
    public let law: DraftLaw

    /// r* for target p and an i.i.d. or without-replacement draft law; throws for other laws
    /// (``AcceptanceError/methodNotExact(method:law:)``) and vocabulary mismatches.
    public init(target p: Distribution, law: DraftLaw, threads: Int = 1) throws {
        try law.requireVocabulary(of: p)
        let q: Distribution
        let withReplacement: Bool
        switch law.kind {
        case .iid(let d): q = d; withReplacement = true
        case .withoutReplacement(let d): q = d; withReplacement = false
        default: throw AcceptanceError.methodNotExact(method: "selection hull", law: law.name)
        }
        let v = p.vocabularySize, n = law.drafts
        let pp = p.probabilities, qq = q.probabilities
        let (ascending, ascendingRatios) = RatioOrder.orderAndRatios(target: pp, draft: qq)
        let order = Array(ascending.reversed())
        // p and q in the ratio order, gathered once from one interleaved copy (one cache miss a token instead of
        // two): every pass below is sequential.
        // (The arrays below are written in full by their first pass: no zero fill.)
        let pairs = [Double](unsafeUninitializedCapacity: 2 * v) { pq, count in
            for x in 0..<v { pq[2 * x] = pp[x]; pq[2 * x + 1] = qq[x] }
            count = 2 * v
        }
        var qs: [Double] = []
        let ps = [Double](unsafeUninitializedCapacity: v) { pOut, pCount in
            qs = [Double](unsafeUninitializedCapacity: v) { qOut, qCount in
                pairs.withUnsafeBufferPointer { pq in
                    for k in 0..<v {
                        let x = order[k]
                        pOut[k] = pq[2 * x]
                        qOut[k] = pq[2 * x + 1]
                    }
                }
                qCount = v
            }
            pCount = v
        }
        // suffix[k] = q(Σ ∖ P_k) summed from the end, compensated.
        let suffix = [Double](unsafeUninitializedCapacity: v + 1) { rest, count in
            var rSum = 0.0, rComp = 0.0
            rest[v] = 0
            for k in stride(from: v - 1, through: 0, by: -1) {
                compensatedAdd(&rSum, &rComp, qs[k])
                rest[k] = rSum
            }
            count = v + 1
        }
        // Two drafts: each block's coverage in closed form (``TwoDraws/coverage(draftMasses:complements:massAfter:
        // laterOdds:total:)``, positive terms, exact to a few ulps of the block's own coverage) from the complements
        // in the order and the odds after each position.
        var twoDraws: (total: Double, complements: [Double], laterOdds: [Double])?
        var tokenComplements: (total: Double, complements: [Double])?
        if !withReplacement && n == 2 {
            let (total, complements) = TwoDraws.complements(qq)
            tokenComplements = (total, complements)
            let ordered = order.map { complements[$0] }
            var later = [Double](repeating: 0, count: v + 1)
            var sum = 0.0, comp = 0.0
            for k in stride(from: v - 1, through: 0, by: -1) {
                if qs[k] > 0 && ordered[k] > 0 { compensatedAdd(&sum, &comp, qs[k] / ordered[k]) }
                later[k] = sum
            }
            twoDraws = (total, ordered, later)
        }
        var raceQ: [Double] = []
        if !withReplacement {
            // Q(H_j) for the ascending prefixes H_j; Σ ∖ P_k = H_{V−k} (two drafts: the closed form, on the
            // complements already at hand).
            raceQ =
                tokenComplements.map { TwoDraws.prefixMasses(qq, order: ascending, complements: $0) }
                ?? WithoutReplacementRace.prefixMasses(qq, order: ascending, drafts: n, threads: threads)
        }
        // Tokens with p = 0 < q come last (ratio 0); they form their own final, vertical block, so that no
        // finite-slope block holds a token whose r* is 0 (Luce weights could only approach it).
        var m = v
        while m > 0 && ps[m - 1] == 0 && qs[m - 1] > 0 { m -= 1 }
        // The points (a_k, b_k) = (p(P_k), f(P_k)), k = 0…m, interleaved, from compensated prefix sums (a pass without
        // branches); then their lower convex hull (monotone chain), collinear and repeated points merged into one
        // segment.
        let points = [Double](unsafeUninitializedCapacity: 2 * (m + 1)) { ab, count in
            ps.withUnsafeBufferPointer { pIn in
                qs.withUnsafeBufferPointer { qIn in
                    suffix.withUnsafeBufferPointer { rest in
                        var pSum = 0.0, pComp = 0.0, qSum = 0.0, qComp = 0.0
                        ab[0] = 0
                        ab[1] = withReplacement ? Self.iidCoverage(inside: 0, outside: rest[0], drafts: n) : 0
                        for k in stride(from: 1, through: m, by: 1) {
                            compensatedAdd(&pSum, &pComp, pIn[k - 1])
                            compensatedAdd(&qSum, &qComp, qIn[k - 1])
                            ab[2 * k] = pSum
                            ab[2 * k + 1] =
                                withReplacement
                                ? Self.iidCoverage(inside: qSum, outside: rest[k], drafts: n)
                                : min(1, max(0, 1 - raceQ[v - k]))
                        }
                    }
                }
            }
            count = 2 * (m + 1)
        }
        var hull: [Int] = [0]
        hull.reserveCapacity(1024)
        points.withUnsafeBufferPointer { ab in
            for k in stride(from: 1, through: m, by: 1) {
                let ak = ab[2 * k], bk = ab[2 * k + 1]
                while hull.count >= 2 {
                    let i0 = hull[hull.count - 2], i1 = hull[hull.count - 1]
                    let (a0, b0, a1, b1) = (ab[2 * i0], ab[2 * i0 + 1], ab[2 * i1], ab[2 * i1 + 1])
                    let cross = (a1 - a0) * (bk - b0) - (b1 - b0) * (ak - a0)
                    if cross <= 0 { hull.removeLast() } else { break }
                }
                hull.append(k)
            }
        }
        if m < v { hull.append(v) }
        var blocks: [Block] = []
        blocks.reserveCapacity(hull.count - 1)
        var alpha = 0.0
        var minimizerStart = v
        // The blocks partition 0..<v, so r* (in the order and by token) and the block of every token are written
        // in full.
        var r: [Double] = [], blockOf: [Int] = []
        let rs = [Double](unsafeUninitializedCapacity: v) { rsOut, rsCount in
            r = [Double](unsafeUninitializedCapacity: v) { rOut, rCount in
                blockOf = [Int](unsafeUninitializedCapacity: v) { blockOut, blockCount in
                    for s in 0..<(hull.count - 1) {
                        let range = hull[s]..<hull[s + 1]
                        var dp = 0.0, dq = 0.0
                        for k in range { dp += ps[k]; dq += qs[k] }
                        let later = suffix[range.upperBound]
                        let df: Double
                        if withReplacement {
                            df = Self.iidIncrement(later: later, block: dq, drafts: n)
                        } else if let twoDraws {
                            df = TwoDraws.coverage(
                                draftMasses: qs[range], complements: twoDraws.complements[range],
                                massAfter: suffix[(range.lowerBound + 1)...range.upperBound],
                                laterOdds: twoDraws.laterOdds[range.upperBound], total: twoDraws.total)
                        } else {
                            df = max(0, raceQ[v - range.lowerBound] - raceQ[v - range.upperBound])
                        }
                        let block = Block(
                            range: range, targetMass: dp, coverage: df, draftMass: dq, laterDraftMass: later)
                        let index = blocks.count
                        blocks.append(block)
                        let slope = block.slope
                        if dp > 0 {
                            for k in range { rsOut[k] = slope * ps[k] }
                        } else {
                            for k in range { rsOut[k] = dq > 0 ? df * qs[k] / dq : 0 }
                        }
                        // token-indexed copies: one scattered write each
                        for k in range {
                            let x = order[k]
                            blockOut[x] = index
                            rOut[x] = rsOut[k]
                        }
                        // the hull's slopes increase along it: the blocks of slope ≥ 1 are a suffix of the order
                        if slope >= 1 && minimizerStart == v { minimizerStart = range.lowerBound }
                        alpha += slope < 1 ? df : dp
                    }
                    blockCount = v
                }
                rCount = v
            }
            rsCount = v
        }
        self.order = order
        self.blocks = blocks
        self.blockOfToken = blockOf
        self.selectionLaw = r
        self.alpha = min(1, max(0, alpha))
        self.minimizerStart = minimizerStart
        self.law = law
        (self.orderedTarget, self.orderedDraft, self.orderedSelection) = (ps, qs, rs)
        self.orderedRatio = ascendingRatios.reversed()
        self.pairTotal = twoDraws?.total ?? 0
        self.pairComplements = twoDraws?.complements ?? []
        self.pairLaterOdds = twoDraws?.laterOdds ?? []
    }

    /// Two drafts without replacement (else 0 and empty): Σq, each token's complement c_x = q(Σ ∖ x) in the ratio
    /// order, and O = Σ o_y over the positions from k on (k = 0…V), o_y = q_y/c_y: what ``TwoDraftBlockLaw`` needs.
    let pairTotal: Double, pairComplements: [Double], pairLaterOdds: [Double]

    /// p, q and r* in the ratio order (position k holds token ``order``[k]): the realisation reads blocks as
    /// contiguous slices instead of gathering them token by token.
    let orderedTarget: [Double], orderedDraft: [Double], orderedSelection: [Double]
    /// p/q in the ratio order (+∞ for q = 0; decreasing): a block's extreme ratios are its end points.
    let orderedRatio: [Double]

    /// Position in ``order`` where H* starts (the blocks of slope ≥ 1 are a suffix of the order).
    let minimizerStart: Int

    /// H*, the tokens of the blocks with slope ≥ 1 (increasing index): p(H*) + 1 − Q(H*) = alpha*. O(V log V).
    public var minimizer: [Int] { order[minimizerStart...].sorted() }

    /// The hull's vertices (p(P_k), f(P_k)) at the block boundaries, from (0, 0) to (1, 1): for plots.
    public var hullVertices: [(targetMass: Double, coverage: Double)] {
        var out: [(Double, Double)] = [(0, 0)]
        var x = 0.0, y = 0.0
        for block in blocks { x += block.targetMass; y += block.coverage; out.append((x, y)) }
        return out
    }

    /// f(P) = 1 − (1 − q(P))ⁿ for i.i.d. drafts from the inside mass q(P) and the outside mass q(Σ ∖ P), on the side
    /// that does not cancel.
    @inline(__always)
    static func iidCoverage(inside: Double, outside: Double, drafts n: Int) -> Double {
        if outside <= 0 { return 1 }
        if n <= 32 {
            // 1 − uⁿ = (1 − u) Σ_{j<n} u^j with u = q(Σ ∖ P) and 1 − u = q(P): positive terms, no cancellation and
            // no transcendental call (the prefix and suffix masses are compensated sums, exact to ~10⁻¹⁶).
            // S_c = Σ_{j<c} u^j by the binary digits of n: S_2c = S_c (1 + u^c), S_{c+1} = 1 + u S_c (depth
            // O(log n), a few ulps).
            var sum = 1.0, power = outside, count = 1
            var bit = Int.bitWidth - 1 - n.leadingZeroBitCount
            while bit > 0 {
                bit -= 1
                sum *= 1 + power
                power *= power
                count *= 2
                if n >> bit & 1 == 1 {
                    sum = 1 + outside * sum
                    power *= outside
                    count += 1
                }
            }
            return min(1, inside * sum)
        }
        if inside <= 0.5 { return min(1, -expm1(Double(n) * log1p(-inside))) }
        return min(1, 1 - integerPower(outside, n))
    }

    /// (l + m)ⁿ − lⁿ = m Σ_{j<n} (l + m)^j l^{n−1−j}: the probability that n i.i.d. draws avoid the earlier blocks
    /// and hit a block of draft mass m, with draft mass l after it (no cancellation).
    public static func iidIncrement(later l: Double, block m: Double, drafts n: Int) -> Double {
        // S_k = Σ_{j≤k} (l + m)^j l^{k−j} by S_k = (l + m)·S_{k−1} + l^k: positive terms, no allocation.
        let u = l + m
        var sum = 1.0, lPower = 1.0
        for _ in stride(from: 1, to: n, by: 1) {
            lPower *= l
            sum = u * sum + lPower
        }
        return m * sum
    }
}
