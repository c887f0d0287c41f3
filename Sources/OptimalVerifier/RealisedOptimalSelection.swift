import ImportanceSampling
import MultidraftNumerics
import AcceptanceBounds
import Distributions
import Foundation
import MultidraftSupport

/// The optimal selection law r* realised by a concrete rule: block priority plus Luce weights fitted inside each
/// block (<doc:Theory#Optimal-verifier>), with the law r_w that the fitted weights *actually* induce.
///
/// ```
/// fit:        log w ← log w + log(r*/r_w) / e inside every block with more than one token (iterative scaling
///             with the diagonal Newton elasticity e = ∂ log r_w/∂ log w at fixed rivals (i.i.d. and the race
///             quadrature; 1 for enumeration), clamped to [0.002, 1], the Newton step enlarging the scaling
///             step only up to 4 in log w;
///             Anderson-accelerated), keeping the weights whose realised law loses the least acceptance; for
///             i.i.d. drafts on the quadrature route, tokens of close ratios share one weight at no cost
///             (``equalRatioBins(slope:target:draft:ratios:)``: the block is fitted as a block of runs, or not at
///             all when it is one run; a block of more than 24 runs starts with environment steps,
///             ``BlockLuceSelection/iidEnvironmentStep``, each solving every run's equation exactly with the
///             rivals frozen, each reusing the quadrature rule of the evaluation before it)
/// realised:   r_w, computed exactly (i.i.d.: ``BlockLuceSelection/iidBlockLaw(draftMasses:weights:later:drafts:route:)``,
///             the fit's own evaluations at 5 points per decade, the realised law at 10: once more after the fit,
///             or already on the fit's last step when the environment steps predict that it lands inside the
///             runs' margin;
///             without replacement: enumeration of the tuple law when it is small, else the race/Luce double
///             integral ``WithoutReplacementBlockLaw``, at any V, and for two drafts the pair law in closed form,
///             ``TwoDraftBlockLaw``)
/// coin acceptance  Σ_x min(p_x, r_w(x))
/// certified gap    alpha* − Σ_x min(p_x, r_w(x)) ≥ 0
/// ```
///
/// Only the side of p matters: in a block with slope < 1 a token costs acceptance only where r_w > p, in a block with
/// slope ≥ 1 only where r_w < p; so a fit that is exact to a relative error |s − 1| already has gap 0 on that block.
/// Single-token blocks are exact without fitting; blocks of p = 0 tokens (slope ∞) need none. **Losslessness does
/// not depend on the fit**: a two-step verifier built on ``realisedLaw`` is exact for any weights.
///
/// Existence of Luce weights with r_w = r* in every block is **unproven** (the note reports convergence on every
/// instance tried; here too on every small instance of the tests). Where the fit stops short, the gap says how much
/// acceptance it costs.
public struct RealisedOptimalSelection: Sendable {
    /// r*, its blocks and alpha*.
    public let optimal: OptimalSelectionLaw
    /// The rule: block priority + fitted weights.
    public let rule: BlockLuceSelection
    /// r_w, the law of the selected token under ``rule``.
    public let realisedLaw: [Double]
    /// Σ_x min(p_x, r_w(x)).
    public let coinAcceptance: Double
    /// alpha* − coin acceptance, clamped at 0 (both sides are exact to about 1e-13).
    public let certifiedGap: Double
    /// Fit iterations summed over blocks, and the largest number spent on one block.
    public let iterations: Int, maxBlockIterations: Int
    /// Blocks that needed a fit (more than one token, finite slope).
    public let fittedBlocks: Int
    /// Fitted blocks whose fit spent its iteration budget before reaching the tolerance (10⁻¹² of the block's
    /// coverage). Non-zero is a warning: the verifier stays lossless, and ``certifiedGap`` says what it costs.
    public let unconvergedBlocks: Int
    /// The default iteration budget of one block's fit (evaluations of r_w).
    public static let defaultMaxIterations = 500

    /// How r_w is computed.
    public enum Method: String, Sendable {
        /// The closed form for i.i.d. drafts (any V).
        case iidQuadrature = "iid-quadrature"
        /// Enumeration of the tuple law (small V, any law with a tuple law).
        case enumeration
        /// The race/Luce double integral for draws without replacement (any V):
        /// ``WithoutReplacementBlockLaw``.
        case raceQuadrature = "race-quadrature"
        /// Two draws without replacement (any V): the pair law in closed form, no τ integral (``TwoDraftBlockLaw``).
        case twoDraftPairs = "two-draft-pairs"
        /// One draft: it is always the one selected, so r_w = q for any weights, and Σ min(p, q) = alpha* (no fit).
        case singleDraft = "single-draft"
    }
    public let method: Method

    /// The fit's stopping rule: a block may lose at most this fraction of its coverage.
    static let blockLossTolerance = 5e-13

    /// Blocks of at least this many tokens are fitted one at a time with every thread inside the block.
    static let largeBlock = 4096

    /// Longest run of plain (MM) steps between two accelerated attempts: after k consecutive rejected accelerated
    /// steps the fit takes min(2^{k−1}, 8) plain steps before it tries again. The preconditioned step is rejected
    /// where it is no better than the plain one (the largest without-replacement block at T = 0.3, n = 8: every other
    /// evaluation was a rejected attempt, 32 in all; 23 with the back-off, on the optimal_verifier pair at
    /// V = 152,064).
    static let maxPlainRun = 8

    /// Smallest elasticity the accelerated fit divides a token's step log(r*/r_w) by: the diagonal Newton step
    /// is at most 1/0.002 = 500 plain (MM) steps (the evaluators clamp the elasticity there too), and at most 4 in
    /// log w beyond the plain step. A floor of 0.03 was needed while a rejected step fell back to plain steps at
    /// once: tokens near saturation (elasticity ~0.003: a high-ratio token selected almost whenever it is drafted)
    /// took steps that failed the ascent test on every iteration of the largest without-replacement block at
    /// T = 0.3 (52 evaluations instead of 11 at V = 32,000). Since rejected steps are halved and every evaluation
    /// counts, the floor only slowed those tokens: on the `optimal_verifier` pairs, n = 8, the largest block at
    /// T = 1.5 takes 8 evaluations instead of 15 at V = 152,064 and 6 instead of 10 at V = 32,000; at T = 0.3,
    /// V = 32,000 it takes 18 instead of 16 with a midpoint after every rejection (slope 1 + 4.6·10⁻⁶; 30 instead of
    /// 9 without any midpoint); the other settings are unchanged or one fewer, and i.i.d. fits are unchanged (floors
    /// 0.005 and 0.01 measured between the two). These counts were taken with a midpoint after every rejected step;
    /// the fit now takes it only after a step that came closer to r* (see its doc comment): 8 and 6 at T = 1.5, 11
    /// at T = 0.3, V = 32,000.
    static let elasticityFloor = 0.002

    /// The truncation of the next coarse tail evaluation in a large block's fit, from the L1 distance of the last law
    /// to r*: 10⁻³ of it, between ``WithoutReplacementBlockLaw/coarseTolerance`` (10⁻¹²) and 10⁻⁶. A law cut at ε
    /// is off by about ε relative per token, so by about ε·coverage ≤ ε in L1: a thousandth of the distance the step
    /// is to close, too little to change the fit's ascent tests or its mixing. Early steps (distance ~10⁻¹) take
    /// the series at 10⁻⁶, with fewer Taylor and z-series terms than at 10⁻¹²; measured on the `optimal_verifier`
    /// pair at V = 152,064, n = 8, the same evaluations (23 at T = 0.3, 15 at T = 1.5) in 15–20 % less CPU time.
    static func coarseLevel(distance: Double) -> Double {
        max(WithoutReplacementBlockLaw.coarseTolerance, min(1e-6, 1e-3 * distance))
    }

    /// Largest number of draft tuples for the enumeration route.
    public static let maxEnumeratedTuples = 200_000

    /// Builds r*, fits the weights and computes r_w, at any V. Both laws enumerate their tuple law when it has at
    /// most ``maxEnumeratedTuples`` tuples; beyond, i.i.d. drafts use the closed-form quadrature and without-replacement
    /// drafts the race quadrature. Throws ``ImportanceSamplingError/nonFiniteLaw(block:blockSize:)`` rather than return a
    /// law with a non-finite entry.
    /// - Parameter enumerateWithoutReplacement: take the enumeration route whenever the tuple law has at most
    ///   ``maxEnumeratedTuples`` tuples (default); `false` always takes the quadrature (i.i.d. or race).
    public init(
        target p: Distribution, law: DraftLaw, maxIterations: Int = defaultMaxIterations, threads: Int = 1,
        enumerateWithoutReplacement: Bool = true
    ) throws {
        let optimal = try OptimalSelectionLaw(target: p, law: law, threads: threads)
        let v = p.vocabularySize, n = law.drafts
        if n == 1, case .iid(let d) = law.kind {
            self = Self(singleDraft: d, target: p, optimal: optimal)
            return
        }
        if n == 1, case .withoutReplacement(let d) = law.kind {
            self = Self(singleDraft: d, target: p, optimal: optimal)
            return
        }
        var tuples: [DraftTuple] = []
        let method: Method
        let q: Distribution
        switch law.kind {
        case .iid(let d):
            q = d
            // Small tuple laws are enumerated: exact, and smooth in the weights (the quadrature's grid follows the
            // weights, and its fit stalled at gaps ~1e-4 on two of 120,000 small campaign instances).
            if enumerateWithoutReplacement && law.estimatedTupleCount <= Double(Self.maxEnumeratedTuples) {
                tuples = try law.tupleLaw(maxTuples: Self.maxEnumeratedTuples)
                method = .enumeration
            } else {
                method = .iidQuadrature
            }
        case .withoutReplacement(let d):
            q = d
            let count = law.estimatedTupleCount
            // A support of at most n tokens makes the draft set deterministic: enumeration (at most n! tuples).
            if count <= Double(Self.maxEnumeratedTuples) && (enumerateWithoutReplacement || d.supportSize <= n) {
                tuples = try law.tupleLaw(maxTuples: Self.maxEnumeratedTuples)
                method = .enumeration
            } else {
                method = n == 2 ? .twoDraftPairs : .raceQuadrature
            }
        default: throw AcceptanceError.methodNotExact(method: "selection hull", law: law.name)
        }
        let blockOf = optimal.blockOfToken
        let qq = q.probabilities
        // p, q and r* in the ratio order: a block is a contiguous slice of each.
        let ps = optimal.orderedTarget, qs = optimal.orderedDraft, rs = optimal.orderedSelection
        let environments: [Int: WithoutReplacementBlockLaw.Environment]
        if method == .raceQuadrature {
            let wanted = optimal.blocks.indices.filter { optimal.blocks[$0].range.count > 1 }
            environments = WithoutReplacementBlockLaw.environments(
                draftMasses: qq, order: optimal.order, blocks: optimal.blocks.map(\.range), drafts: n, wanted: wanted,
                threads: threads)
        } else {
            environments = [:]
        }
        // Enumeration: each tuple's selection happens in its earliest block, so each block's law sums only over the
        // tuples led by it. Grouped once (O(tuples · n)), so the fit of all blocks costs O(tuples · n) per sweep, not
        // O(blocks · tuples) (quadratic at n = 1, where there are V tuples and up to V blocks).
        var localIndex = [Int](repeating: -1, count: v)
        var tuplesLedBy = [[Int]](repeating: [], count: optimal.blocks.count)
        if method == .enumeration {
            for block in optimal.blocks {
                for (i, k) in block.range.enumerated() { localIndex[optimal.order[k]] = i }
            }
            for (j, t) in tuples.enumerated() {
                if let lead = t.tokens.map({ blockOf[$0] }).min() { tuplesLedBy[lead].append(j) }
            }
        }
        let (tokenIndex, ledTuples) = (localIndex, tuplesLedBy)
        // The blocks that may need a fit share the absolute part of the loss budget.
        let fitting = optimal.blocks.reduce(0) {
            $0 + ($1.range.count > 1 && $1.targetMass > 0 && $1.draftMass > 0 ? 1 : 0)
        }
        let lossFloor = Self.blockLossTolerance / Double(max(1, fitting))
        func fitBlock(_ index: Int, threads: Int) -> BlockFit {
            let block = optimal.blocks[index]
            let pBlock = Array(ps[block.range]), qBlock = Array(qs[block.range]), rBlock = Array(rs[block.range])
            let budget = maxIterations
            // The rule of the last evaluation inside a fit with environment steps, and the weights it was built at:
            // the next environment step starts from those weights and reuses it (φ is not summed twice).
            var lastRule: (weights: [Double], pointsPerDecade: Int, rule: BlockLuceSelection.IIDQuadratureRule)?
            func environmentStep(
                _ q: [Double], _ targets: [Double], _ w: [Double], _ pointsPerDecade: Int
            ) -> [Double]? {
                let reusable = lastRule.flatMap {
                    $0.pointsPerDecade == pointsPerDecade && $0.weights == w ? $0.rule : nil
                }
                return BlockLuceSelection.iidEnvironmentStep(
                    draftMasses: q, targets: targets, weights: w, later: block.laterDraftMass, drafts: n,
                    pointsPerDecade: pointsPerDecade, threads: threads, rule: reusable)
            }
            let ratios = method == .iidQuadrature ? Array(optimal.orderedRatio[block.range]) : nil
            if method == .iidQuadrature,
                let bins = Self.equalRatioBins(slope: block.slope, target: pBlock, draft: qBlock, ratios: ratios)
            {
                let stepping = bins.count > Self.newtonBlock
                return Self.fitBins(
                    bins, block: block, target: pBlock, draft: qBlock, optimal: rBlock, ratios: ratios,
                    maxIterations: budget, lossFloor: lossFloor,
                    environmentStep: stepping ? environmentStep : nil
                ) { qBins, w, elasticity, pointsPerDecade in
                    // inside the fit (elasticity wanted) the rule reaches far enough for the next environment step
                    let keep = stepping && elasticity
                    let result = BlockLuceSelection.iidBlockEvaluationAndRule(
                        draftMasses: qBins, weights: w, later: block.laterDraftMass, drafts: n, threads: threads,
                        pointsPerDecade: pointsPerDecade, elasticity: elasticity,
                        widen: keep ? BlockLuceSelection.environmentWiden : 0)
                    lastRule = keep ? result.rule.map { (w, pointsPerDecade, $0) } : nil
                    return (result.law, result.elasticity)
                }
            }
            // one evaluator per block: the closed-form route builds its kernel once for the whole fit
            var raceEvaluator =
                method == .raceQuadrature
                ? WithoutReplacementBlockLaw.Evaluator(environment: environments[index]!, draftMasses: qBlock) : nil
            if method == .raceQuadrature && block.range.count >= Self.largeBlock {
                // A large block on the tail route is fitted on coarse evaluations (series cut at 10⁻⁶–10⁻¹² instead
                // of 10⁻¹⁸, ``coarseLevel(distance:)``: fewer terms of each kind per tail token), then from those
                // weights on precise ones (usually one evaluation, which certifies the law the block realises).
                // Without coarse evaluations (another route) the first fit was already precise. The coarse fit gets
                // half the budget: its loss, known to ~10⁻¹², may stall above the tolerance.
                var level = Self.coarseLevel(distance: 1)
                let coarse = Self.fit(
                    block: block, target: pBlock, draft: qBlock, optimal: rBlock,
                    maxIterations: max(1, budget / 2), lossFloor: lossFloor
                ) { w, elasticity in
                    let result = raceEvaluator!.law(
                        weights: w, threads: threads, elasticity: elasticity, coarse: true, coarseTolerance: level)
                    var distance = 0.0
                    for i in rBlock.indices { distance += abs(rBlock[i] - result.law[i]) }
                    level = Self.coarseLevel(distance: distance)
                    return result
                }
                guard raceEvaluator!.coarseEvaluations > 0 else { return coarse }
                var precise = Self.fit(
                    block: block, target: pBlock, draft: qBlock, optimal: rBlock,
                    maxIterations: max(1, budget - coarse.iterations), lossFloor: lossFloor, start: coarse.weights
                ) { w, elasticity in
                    raceEvaluator!.law(weights: w, threads: threads, elasticity: elasticity)
                }
                precise.iterations += coarse.iterations
                return precise
            }
            // A race block of one run starts at equal weights, evaluated in closed form in s
            // (``WithoutReplacementBlockLaw/equalWeightIntegrals(env:q:weight:threads:first:)``); inside the slope's
            // margin it usually loses nothing there (as one i.i.d. run does exactly), so the fit ends on that first,
            // cheap evaluation. Otherwise the fit continues from equal weights. Two drafts do the same with the pair
            // law (``TwoDraftBlockLaw``: every Luce factor ½ at equal weights).
            let equalStart =
                (method == .raceQuadrature || method == .twoDraftPairs)
                    && Self.isOneRun(block, ratios: optimal.orderedRatio)
                ? [Double](repeating: 1, count: qBlock.count) : nil
            return Self.fit(
                block: block, target: pBlock, draft: qBlock, optimal: rBlock,
                maxIterations: budget, lossFloor: lossFloor, start: equalStart
            ) { w, elasticity in
                switch method {
                case .iidQuadrature:
                    return BlockLuceSelection.iidBlockEvaluation(
                        draftMasses: qBlock, weights: w, later: block.laterDraftMass, drafts: n, threads: threads,
                        elasticity: elasticity)
                case .raceQuadrature:
                    return raceEvaluator!.law(weights: w, threads: threads, elasticity: elasticity)
                case .twoDraftPairs:
                    let result = TwoDraftBlockLaw.law(
                        draftMasses: qBlock, complements: Array(optimal.pairComplements[block.range]), weights: w,
                        context: TwoDraftBlockLaw.Context(
                            total: optimal.pairTotal, laterMass: block.laterDraftMass,
                            laterOdds: optimal.pairLaterOdds[block.range.upperBound]),
                        elasticity: elasticity)
                    return (result.law, result.elasticity)
                case .enumeration:
                    // r_w on the block: Σ over the tuples it leads of P(t) w(x) / (weight of t's draws in the block),
                    // in tuple order (as BlockLuceSelection.selectionLaw sums).
                    var law = [Double](repeating: 0, count: qBlock.count)
                    for j in ledTuples[index] {
                        let t = tuples[j]
                        var total = 0.0
                        for x in t.tokens where blockOf[x] == index { total += w[tokenIndex[x]] }
                        for x in t.tokens where blockOf[x] == index {
                            law[tokenIndex[x]] += t.probability * w[tokenIndex[x]] / total
                        }
                    }
                    return (law, [Double](repeating: 1, count: qBlock.count))
                case .singleDraft:
                    preconditionFailure("one draft is realised without a fit")
                }
            }
        }
        // Single-token blocks need no fit: r = Δf (i.i.d.: (l + q_x)ⁿ − lⁿ), weight 1. Large blocks are fitted one
        // after another, each on every thread; the rest spread over the threads one block each. Either way a block's
        // fit depends on the block alone, so the result does not depend on `threads`.
        // r_w is built in the ratio order (position k = token order[k]) and scattered to the tokens once.
        var realisedOrdered = [Double](repeating: 0, count: v)
        var large: [Int] = [], small: [Int] = []
        var sharedWeight = 0
        for (index, block) in optimal.blocks.enumerated() {
            if method != .enumeration && block.range.count == 1 {
                realisedOrdered[block.range.lowerBound] = block.coverage
            } else if method == .iidQuadrature && block.targetMass > 0 && block.draftMass > 0
                && Self.isOneRun(block, ratios: optimal.orderedRatio)
            {
                // One weight for the whole block (``equalRatioBins(slope:target:draft:ratios:)`` with a single run):
                // r_w(x) = Δf · q_x / q(B), no fit and no evaluation.
                for k in block.range { realisedOrdered[k] = block.coverage * (qs[k] / block.draftMass) }
                sharedWeight += 1
            } else if block.range.count >= Self.largeBlock {
                large.append(index)
            } else {
                small.append(index)
            }
        }
        var fits: [(index: Int, fit: BlockFit)] = large.map { ($0, fitBlock($0, threads: max(1, threads))) }
        fits += zip(
            small, parallelMap(count: small.count, threads: max(1, threads)) { fitBlock(small[$0], threads: 1) }
        )
        .map { ($0, $1) }
        var weightsOrdered = [Double](repeating: 1, count: v)
        for (index, fit) in fits {
            let range = optimal.blocks[index].range
            weightsOrdered.replaceSubrange(range, with: fit.weights)
            realisedOrdered.replaceSubrange(range, with: fit.law)
        }
        // One pass: the coin's acceptance, the first entry that is not a finite probability, and the token-indexed
        // law and weights (one scattered write each).
        var coin = 0.0, comp = 0.0
        var bad = v
        var weights: [Double] = []
        // ``OptimalSelectionLaw/order`` is a permutation: both arrays are written in full.
        let realised = [Double](unsafeUninitializedCapacity: v) { realisedOut, realisedCount in
            weights = [Double](unsafeUninitializedCapacity: v) { weightsOut, weightsCount in
                for k in 0..<v {
                    let value = realisedOrdered[k]
                    if !(value.isFinite && value >= 0) && bad == v { bad = k }
                    compensatedAdd(&coin, &comp, min(ps[k], value))
                    let x = optimal.order[k]
                    realisedOut[x] = value
                    weightsOut[x] = weightsOrdered[k]
                }
                weightsCount = v
            }
            realisedCount = v
        }
        if bad < v {
            let block = optimal.blockOfToken[optimal.order[bad]]
            throw ImportanceSamplingError.nonFiniteLaw(block: block, blockSize: optimal.blocks[block].range.count)
        }
        self.optimal = optimal
        self.rule = BlockLuceSelection(drafts: n, blockOfToken: optimal.blockOfToken, weights: weights)
        self.realisedLaw = realised
        self.coinAcceptance = coin
        self.certifiedGap = max(0, optimal.alpha - coin)
        self.iterations = fits.reduce(0) { $0 + $1.fit.iterations }
        self.maxBlockIterations = fits.map(\.fit.iterations).max() ?? 0
        self.fittedBlocks = fits.filter(\.fit.fitted).count + sharedWeight
        self.unconvergedBlocks = fits.filter { $0.fit.fitted && !$0.fit.converged }.count
        self.method = method
    }

    /// One draft (either law): the selection is the draft itself, r_w = q, weights 1, nothing to fit. The
    /// lexicographically optimal r* differs from q inside multi-token blocks, but both reach alpha* = Σ min(p, q), so
    /// the certified gap is 0 up to rounding. O(V) after r*.
    private init(singleDraft q: Distribution, target p: Distribution, optimal: OptimalSelectionLaw) {
        var coin = 0.0, comp = 0.0
        for x in 0..<p.vocabularySize { compensatedAdd(&coin, &comp, min(p[x], q[x])) }
        self.optimal = optimal
        self.rule = BlockLuceSelection(
            drafts: 1, blockOfToken: optimal.blockOfToken,
            weights: [Double](repeating: 1, count: p.vocabularySize))
        self.realisedLaw = q.probabilities
        self.coinAcceptance = coin
        self.certifiedGap = max(0, optimal.alpha - coin)
        (self.iterations, self.maxBlockIterations, self.fittedBlocks, self.unconvergedBlocks) = (0, 0, 0, 0)
        self.method = .singleDraft
    }

    /// The tokens of a block (in the ratio order, ρ = p/q non-increasing) cut into runs that may share one Luce
    /// weight at no cost in acceptance, or nil when no two tokens may share one.
    ///
    /// **Why sharing is free [proven here].** In a block of slope s the coin acceptance is optimal exactly when
    /// r_w(x) ≤ p_x on every token (s < 1) or r_w(x) ≥ p_x on every token (s ≥ 1): the block's selected mass Σ r_w is
    /// its coverage Δf whatever the weights (block priority). Tokens sharing a weight share r_w(x)/q_x = c (their
    /// Luce choice probabilities differ only through q), so a run R with ρ_max(R)/ρ_min(R) ≤ κ can take
    /// c = r_w(R)/q(R), and r_w(R) = s·p(R) gives c = s·ρ̄(R), between s·ρ_min and s·ρ_max: for s < 1,
    /// c ≤ s·ρ_max ≤ ρ_min when κ ≤ 1/s; for s > 1, c ≥ s·ρ_min ≥ ρ_max when κ ≤ s. So the block is fitted as a block
    /// of runs (super-tokens with masses q(R), p(R)): O(runs) per evaluation instead of O(tokens). The runs here use
    /// κ = (1/s or s)^0.9, leaving the fit a relative margin of about 0.1·|s − 1|; the fit stops on the block's own
    /// token-level loss (``fitBins(_:block:target:draft:optimal:ratios:maxIterations:lossFloor:environmentStep:evaluate:)``), and the realised law and
    /// the certified gap are computed token by token as for any weights.
    ///
    /// Tokens with q = 0 (never drafted) or p = 0 stay alone. Returns nil when |s − 1| leaves no room (κ − 1 < 10⁻⁹)
    /// or when no run holds two tokens. `ratios`: p/q of the tokens when at hand (``OptimalSelectionLaw``'s, along
    /// the order), else computed. O(m).
    static func equalRatioBins(
        slope s: Double, target p: [Double], draft q: [Double], ratios: [Double]? = nil
    ) -> [Range<Int>]? {
        guard p.count > 1, let kappa = runRatioLimit(slope: s) else { return nil }
        var bins: [Range<Int>] = []
        var start = 0
        var high = 0.0, low = 0.0
        for i in 0...p.count {
            if i < p.count, q[i] > 0, p[i] > 0, i > start, high > 0 {
                let rho = ratios?[i] ?? p[i] / q[i]
                let (h, l) = (max(high, rho), min(low, rho))
                if h <= kappa * l {
                    (high, low) = (h, l)
                    continue
                }
            }
            if i > start { bins.append(start..<i) }
            start = i
            (high, low) = i < p.count && q[i] > 0 && p[i] > 0 ? (p[i] / q[i], p[i] / q[i]) : (0, 0)
        }
        return bins.count < p.count ? bins : nil
    }

    /// κ = (1/s or s)^0.9, the largest ρ_max/ρ_min of a run of one weight in a block of slope s
    /// (``equalRatioBins(slope:target:draft:ratios:)``); nil when |s − 1| leaves no room (κ − 1 < 10⁻⁹) or s is 0 or ∞.
    static func runRatioLimit(slope s: Double) -> Double? {
        guard s.isFinite, s > 0 else { return nil }
        let kappa = pow(s < 1 ? 1 / s : s, 0.9)
        return kappa - 1 >= 1e-9 ? kappa : nil
    }

    /// Whether every token of `block` may share one weight (``equalRatioBins(slope:target:draft:ratios:)`` would
    /// return a single run): all p, q > 0 and ρ_max ≤ κ·ρ_min. `ratios` are p/q in the ratio order (decreasing, +∞
    /// for q = 0), so ρ_max and ρ_min are the block's end points, and ρ_min > 0 with ρ_max finite says that every p
    /// and q in between is positive. O(1).
    static func isOneRun(_ block: OptimalSelectionLaw.Block, ratios: [Double]) -> Bool {
        guard block.range.count > 1, let kappa = runRatioLimit(slope: block.slope) else { return false }
        let high = ratios[block.range.lowerBound], low = ratios[block.range.upperBound - 1]
        return low > 0 && high.isFinite && high <= kappa * low
    }

    /// A block's loss tolerance: 5·10⁻¹³ of its coverage, or `floor` (5·10⁻¹³/B with B blocks fitted).
    static func lossTolerance(_ block: OptimalSelectionLaw.Block, floor: Double) -> Double {
        max(blockLossTolerance * block.coverage, floor)
    }

    /// Fits one block through its runs (``equalRatioBins(slope:target:draft:ratios:)``): the runs as tokens of masses q(R),
    /// p(R) and targets r*(R), one weight each; the fit's loss is the block's own, token by token (O(tokens) per
    /// evaluation, no exponentials). Returns the weights and realised law per token: r_w(x) = r_w(R)·q_x/q(R), exact
    /// for equal weights.
    static func fitBins(
        _ bins: [Range<Int>], block: OptimalSelectionLaw.Block, target p: [Double], draft q: [Double],
        optimal rStar: [Double], ratios: [Double]? = nil, maxIterations: Int, lossFloor: Double,
        environmentStep: ((_ q: [Double], _ targets: [Double], _ w: [Double], _ pointsPerDecade: Int) -> [Double]?)? =
            nil,
        evaluate: ([Double], [Double], Bool, Int) -> (law: [Double], elasticity: [Double])
    ) -> BlockFit {
        // One pass over the tokens: the runs' masses q(R), r*(R), p(R) (compensated) and their extreme ratios.
        // The block's own loss, token by token, of the law the run weights realise, needs no exponentials: a run
        // whose ratio r_w(R)/q(R) = c clears all its tokens' ratios ρ = p/q (c ≤ ρ_min below p, c ≥ ρ_max above p)
        // with a relative margin of 10⁻¹⁵ (more than the four roundings of c·q − p and of ρ) loses exactly 0 and is
        // skipped; the others are summed token by token. O(runs) once the fit has converged, O(tokens) at worst.
        let under = block.isUnderSupplied
        var qBins = [Double](repeating: 0, count: bins.count), rBins = qBins, pBins = qBins
        var lowRatio = qBins, highRatio = qBins
        for (b, run) in bins.enumerated() {
            var qs = 0.0, qc = 0.0, rs = 0.0, rc = 0.0, ps = 0.0, pc = 0.0
            var low = Double.infinity, high = 0.0
            for i in run {
                compensatedAdd(&qs, &qc, q[i])
                compensatedAdd(&rs, &rc, rStar[i])
                compensatedAdd(&ps, &pc, p[i])
                if q[i] >= 1e-290 && p[i] >= 1e-290 {
                    let rho = ratios?[i] ?? p[i] / q[i]
                    (low, high) = (min(low, rho), max(high, rho))
                } else if q[i] > 0 || p[i] > 0 {
                    (low, high) = (0, .infinity) // a zero or tiny mass: no shortcut
                }
            }
            (qBins[b], rBins[b], pBins[b]) = (qs, rs, ps)
            (lowRatio[b], highRatio[b]) = (low * (1 - 1e-15), high * (1 + 1e-15))
        }
        func tokenLoss(_ r: [Double]) -> Double {
            var total = 0.0
            for (b, run) in bins.enumerated() {
                let c = qBins[b] > 0 ? r[b] / qBins[b] : 0
                if under ? c <= lowRatio[b] : c >= highRatio[b] { continue }
                for i in run { total += under ? max(0, c * q[i] - p[i]) : max(0, p[i] - c * q[i]) }
            }
            return total
        }
        // The fit evaluates the quadrature at 5 points per decade (relative error ~5·10⁻¹⁰, far inside the runs'
        // margin of 0.1·|s − 1|); the law it ends with is evaluated again at 10 (~5·10⁻¹⁸) unless its last step
        // already was (``BlockFit/precise``), and the fit is run again at full accuracy in the rare case that this
        // law misses the tolerance.
        // The relative margin within which every run's law clears all its tokens' ratios (so loses nothing):
        // r_w(R)/r*(R) − 1 ≤ ρ_min(R)·q(R)/r*(R) − 1 below p, 1 − r_w(R)/r*(R) ≤ 1 − ρ_max(R)·q(R)/r*(R) above it;
        // runs with a zero or tiny mass (no shortcut) and runs without a target are left out.
        var margin = Double.infinity
        for b in bins.indices where rBins[b] > 0 && qBins[b] > 0 && lowRatio[b] > 0 && highRatio[b].isFinite {
            let m = under ? lowRatio[b] * qBins[b] / rBins[b] - 1 : 1 - highRatio[b] * qBins[b] / rBins[b]
            margin = min(margin, m)
        }
        func fitRuns(pointsPerDecade: Int) -> BlockFit {
            withoutActuallyEscaping(evaluate) { evaluate in
                Self.fit(
                    block: block, target: pBins, draft: qBins, optimal: rBins, maxIterations: maxIterations,
                    lossFloor: lossFloor, tokenLoss: tokenLoss,
                    environmentStep: environmentStep.map { step in { step(qBins, rBins, $0, pointsPerDecade) } },
                    precision: margin > 0 && margin.isFinite && pointsPerDecade < 10
                        ? (margin, { evaluate(qBins, $0, false, 10).law }) : nil
                ) { evaluate(qBins, $0, $1, pointsPerDecade) }
            }
        }
        var fit = fitRuns(pointsPerDecade: 5)
        if fit.fitted && !fit.precise {
            fit.law = evaluate(qBins, fit.weights, false, 10).law
            fit.converged =
                fit.law.allSatisfy(\.isFinite)
                && tokenLoss(fit.law) <= Self.lossTolerance(block, floor: lossFloor)
            if !fit.converged {
                let spent = fit.iterations
                fit = fitRuns(pointsPerDecade: 10)
                fit.iterations += spent
            }
        }
        // The runs cover the block: both arrays are written in full.
        var law: [Double] = []
        let weights = [Double](unsafeUninitializedCapacity: p.count) { weightsOut, weightsCount in
            law = [Double](unsafeUninitializedCapacity: p.count) { lawOut, lawCount in
                for (b, run) in bins.enumerated() {
                    let (weight, share, mass) = (fit.weights[b], fit.law[b], qBins[b])
                    for i in run {
                        weightsOut[i] = weight
                        lawOut[i] = mass > 0 ? share * (q[i] / mass) : 0
                    }
                }
                lawCount = p.count
            }
            weightsCount = p.count
        }
        return BlockFit(
            weights: weights, law: law, iterations: fit.iterations, fitted: fit.fitted, converged: fit.converged)
    }

    /// Blocks with at most this many fitted tokens take Newton steps on L (finite-difference Jacobian).
    static let newtonBlock = 24

    /// One block's fitted weights, realised law (in block order) and iterations.
    struct BlockFit: Sendable {
        var weights: [Double]
        var law: [Double]
        var iterations = 0
        var fitted = false
        /// The block loses at most the tolerance (5·10⁻¹³ of its coverage, or 5·10⁻¹³/B with B blocks fitted).
        var converged = false
        /// ``law`` came from the precise evaluation (the realised law itself, not a fit-accuracy approximation).
        var precise = false
    }

    /// Fits the Luce weights of one block to r* on it, in log-weights x = log w.
    ///
    /// **The fit is a concave maximisation [proven here].** Inside a block, with S the multiset of the block's tokens
    /// among the drafts when the block leads (block priority), r_w(x) = E[1{x ∈ S} w_x / Σ_{y∈S} w_y] (counted with
    /// multiplicity), and Σ_block r_w = P(S ≠ ∅) = the block's coverage = Σ_block r*. So r* − r_w is the gradient of
    ///
    /// ```
    /// L(x) = Σ_i r*_i x_i − E[1{S ≠ ∅} log Σ_{y∈S} e^{x_y}],
    /// ```
    ///
    /// the log-likelihood of Luce's choice model with choice sets S and choice frequencies r*: concave (log-sum-exp),
    /// invariant under x + c·1. Weights realising r* are exactly its maximisers; they exist iff the supremum is
    /// attained (otherwise r_w → r* along an ascent path with some weights → 0, which the certified gap measures).
    /// Plain iterative scaling x ← x + log(r*/r_w) is Hunter's MM algorithm for this likelihood (D. R. Hunter, "MM
    /// algorithms for generalized Bradley–Terry models", Ann. Statist. 32, 2004): every step increases L.
    ///
    /// ```
    /// accelerated  x' = Anderson(x + g),  g_i = log(r*_i/r_w(i)) / e_i   (Newton-scaled in log w: e the elasticity
    ///              ∂ log r_w/∂ log w at fixed rivals, clamped to [0.002, 1]; the division may enlarge the plain
    ///              step only up to 4 in log w)
    /// accepted     only if (x' − x)ᵀ(r* − r_w(x')) > 0, which proves L(x') > L(x) by concavity;
    /// otherwise    the midpoint (x + x')/2, accepted by the same test, if r_w(x') is closer to r* than r_w(x) in L1;
    /// otherwise    the Anderson history is cleared and the MM step x + log(r*/r_w) is taken
    /// ```
    ///
    /// So L increases at every accepted step, and the sequence contains the MM iterates' ascent guarantee. Stops when
    /// the block loses at most 5·10⁻¹³ of its coverage or `lossFloor` (one-sided, see the type's note) or after `maxIterations`
    /// evaluations of r_w; the weights whose law loses least are kept, over every evaluation (a rejected step, a
    /// midpoint or a Newton probe realises a law like any other, and the fit stops as soon as one is within the
    /// tolerance); ``BlockFit/converged`` says whether the tolerance was reached. Measured on the `optimal_verifier`
    /// pair at V = 152,064, n = 8, T = 0.3 (the largest block, 118,098 tokens): 23 evaluations before the midpoint
    /// and the best-of-all rule, 7 after (a step the test rejected had already reached 10⁻¹⁵ of loss, and three of
    /// the plain runs were replaced by accepted midpoints); T = 0.3, n = 4 went from 5 to 3, the other seven
    /// settings were unchanged. The midpoint is not always the better fallback: on the same pair at V = 32,000,
    /// T = 0.3, the largest block took 10 (n = 4) and 18 (n = 8) evaluations with a midpoint after every rejection
    /// and 5 and 9 without any (the plain step after a rejection closed the distance ten times there); with the
    /// midpoint only after a rejected step that came closer to r* it takes 10 and 11, and V = 152,064 keeps its
    /// counts (3 and 7). Plain runs of at most 1 or 2 steps instead of 8 were worse on both sizes (up to 47).
    /// Without the safeguard the accelerated sequence settled on non-optimal points (the regression table of the
    /// tests). Convergence *rate* is not claimed: near the boundary (some weights → 0) MM is
    /// sublinear. Losslessness never depends on the fit: the verifier uses the law its weights actually realise.
    ///
    /// With `environmentStep` (i.i.d. blocks of runs) the fit first takes environment steps, kept while each at
    /// least halves the L1 distance to r* (not an ascent test), and the iteration above starts from the last one
    /// kept. With `precision` = (margin, a precise evaluation): once the largest relative error |r_w/r* − 1|,
    /// extrapolated geometrically from the last two environment steps (e·e/e_previous), is below the margin within
    /// which the block loses nothing, the next step is evaluated precisely; ``BlockFit/precise`` says that the law
    /// returned is the precise one, so the caller need not evaluate it again. A precise step keeps the previous
    /// elasticities (they only precondition the steps).
    /// With `start`, the fit starts from those weights instead of r*/q (a precise fit continuing a coarse one).
    static func fit(
        block: OptimalSelectionLaw.Block, target p: [Double], draft q: [Double], optimal rStar: [Double],
        maxIterations: Int, lossFloor: Double = 1e-18, tokenLoss: (([Double]) -> Double)? = nil,
        environmentStep: (([Double]) -> [Double]?)? = nil,
        precision: (margin: Double, evaluate: ([Double]) -> [Double])? = nil,
        start: [Double]? = nil,
        evaluate: ([Double], Bool) -> (law: [Double], elasticity: [Double])
    ) -> BlockFit {
        let m = p.count
        // Initial weights: for small q, r_w(x) ≈ n q_x w_x · const, so w ∝ r*/q (normalised to max 1); or `start`.
        var w = start ?? (0..<m).map { q[$0] > 0 && rStar[$0] > 0 ? rStar[$0] / q[$0] : 1 }
        let top = w.max() ?? 1
        w = w.map { max($0 / top, 1e-300) }
        let needsFit = m > 1 && block.targetMass > 0 && block.draftMass > 0
        // With environment steps the fit starts from the first one (it needs φ at the start weights only, not r_w).
        var startSteps = 0
        if needsFit, let environmentStep, let start = environmentStep(w) { (w, startSteps) = (start, 1) }
        var (r, elasticity) = evaluate(w, needsFit && m >= largeBlock)
        guard needsFit else { return BlockFit(weights: w, law: r, converged: true) }
        let under = block.isUnderSupplied
        // A law with a non-finite entry (the quadrature at extreme weights) is never better than any finite one.
        func loss(_ r: [Double]) -> Double {
            if let tokenLoss { return r.allSatisfy(\.isFinite) ? tokenLoss(r) : .infinity }
            var s = 0.0
            for i in 0..<m {
                guard r[i].isFinite else { return .infinity }
                s += under ? max(0, r[i] - p[i]) : max(0, p[i] - r[i])
            }
            return s
        }
        func merit(_ r: [Double]) -> Double {
            var s = 0.0
            for i in 0..<m { s += abs(rStar[i] - r[i]) }
            return s.isFinite ? s : .infinity
        }
        // The fit stops once the block loses at most 5·10⁻¹³ of its coverage or 5·10⁻¹³/B absolute (`lossFloor`, B
        // the blocks fitted): the coverages sum to at most 1, so the certified gap stays below ~10⁻¹².
        let tolerance = Self.lossTolerance(block, floor: lossFloor)
        var best = BlockFit(weights: w, law: r, iterations: startSteps, fitted: true)
        var bestLoss = loss(r)
        if bestLoss <= tolerance { best.converged = true; return best }
        if m < largeBlock { (r, elasticity) = evaluate(w, true) }
        let active = (0..<m).filter { rStar[$0] > 0 && q[$0] > 0 }
        var x = active.map { log(w[$0]) }
        var anderson = AndersonMixing(depth: 5)
        /// Moves to the log-weights `point` (normalised to max 0, floored at −700) and evaluates r_w there.
        func evaluateAt(
            _ point: [Double], precisely: Bool = false
        ) -> (
            x: [Double], w: [Double], r: [Double], e: [Double]
        )? {
            let top = point.max() ?? 0
            guard top.isFinite else { return nil }
            var xs = point, ws = w
            for (j, i) in active.enumerated() {
                xs[j] = max(point[j] - top, -700)
                ws[i] = exp(xs[j])
            }
            // a precise evaluation keeps the current elasticities (they only precondition the steps)
            let evaluated: (x: [Double], w: [Double], r: [Double], e: [Double])
            if precisely, let precision {
                evaluated = (xs, ws, precision.evaluate(ws), elasticity)
            } else {
                let (rs, es) = evaluate(ws, true)
                evaluated = (xs, ws, rs, es)
            }
            // Every evaluation is a law some weights realise: the best one is kept whether or not the iteration
            // moves there (a candidate the ascent test rejects may already be within the tolerance).
            let l = loss(evaluated.r)
            if l < bestLoss { bestLoss = l; best.weights = ws; best.law = evaluated.r; best.precise = precisely }
            return evaluated
        }
        /// (x' − x)ᵀ(r* − r_w(x')) > 0 proves L(x') > L(x) (L concave).
        func ascends(from x: [Double], to candidate: (x: [Double], w: [Double], r: [Double], e: [Double])) -> Bool {
            guard merit(candidate.r) < .infinity else { return false }
            var s = 0.0
            for (j, i) in active.enumerated() { s += (candidate.x[j] - x[j]) * (rStar[i] - candidate.r[i]) }
            return s > 0
        }
        /// Newton on L: solve (J + εI) s = r* − r_w with J = ∂r_w/∂x by forward differences (J = −∇²L is positive
        /// semi-definite, singular along 1: ε = 1e-10 · trace), then x + t s for t = 1, 1/2, …, 1/64 until the ascent
        /// test holds. Counts every evaluation in `iterations`.
        func newtonStep(
            x: [Double], r: [Double], iterations: inout Int
        )
            -> (x: [Double], w: [Double], r: [Double], e: [Double])?
        {
            let k = active.count, h = 1e-6
            var jacobian = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
            for j in 0..<k {
                var shifted = x
                shifted[j] += h
                guard let probe = evaluateAt(shifted), merit(probe.r) < .infinity else { return nil }
                iterations += 1
                // evaluateAt renormalises; r_w is invariant under a common shift, so the probe is r_w(x + h e_j).
                for (a, i) in active.enumerated() { jacobian[a][j] = (probe.r[i] - r[i]) / h }
            }
            var trace = 0.0
            for a in 0..<k { trace += abs(jacobian[a][a]) }
            guard trace > 0, trace.isFinite else { return nil }
            for a in 0..<k {
                jacobian[a][a] += 1e-10 * trace
                jacobian[a].append(rStar[active[a]] - r[active[a]])
            }
            guard let direction = solveLinearSystem(&jacobian, k) else { return nil }
            var t = 1.0
            while t >= 1.0 / 64 && iterations < maxIterations {
                let point = (0..<k).map { x[$0] + t * direction[$0] }
                iterations += 1
                if let candidate = evaluateAt(point), ascends(from: x, to: candidate) { return candidate }
                t /= 2
            }
            return nil
        }
        // Environment steps (i.i.d. drafts, ``BlockLuceSelection/iidEnvironmentStep``): each solves every token's
        // equation with the rivals frozen, Anderson-mixed over the last steps (the plain step when the mixed one
        // does not bring r_w closer to r* in L1); they continue while each at least halves the L1 distance to r*,
        // and the safeguarded iteration below continues from the last one kept.
        if let environmentStep {
            var distance = merit(r)
            var mixing = AndersonMixing(depth: 5), history = 0
            /// max |r_w/r* − 1| over the active entries.
            func relativeError(_ r: [Double]) -> Double {
                var worst = 0.0
                for i in active { worst = max(worst, abs(r[i] / rStar[i] - 1)) }
                return worst
            }
            var error = relativeError(r), previousError = Double.nan
            while best.iterations < maxIterations, bestLoss > tolerance, let proposal = environmentStep(w) {
                let plain = active.map { log(max(proposal[$0], 1e-300)) }
                var candidate: (x: [Double], w: [Double], r: [Double], e: [Double])?
                // The steps contract about geometrically: when the next error, extrapolated from the last two, is
                // inside the margin at which the block loses nothing, the next law is evaluated precisely, so that
                // the law the fit ends with needs no second evaluation.
                let precisely = precision.map { error * (error / previousError) < $0.margin } ?? false
                best.iterations += 1
                let mixed = history > 0 // with no history the mixing returns the plain step
                history += 1
                if let c = evaluateAt(
                    mixing.next(point: x, residual: zip(plain, x).map { $0 - $1 }), precisely: precisely),
                    merit(c.r) < distance
                {
                    candidate = c
                } else if mixed && best.iterations < maxIterations {
                    // the mixed point failed: the plain step, history cleared
                    mixing.reset()
                    history = 0
                    best.iterations += 1
                    if let c = evaluateAt(plain, precisely: precisely), merit(c.r) < distance { candidate = c }
                }
                guard let step = candidate else { break }
                let previous = distance
                distance = merit(step.r)
                (previousError, error) = (error, relativeError(step.r))
                (x, w, r, elasticity) = (step.x, step.w, step.r, step.e)
                let l = loss(r)
                if l < bestLoss { bestLoss = l; best.weights = w; best.law = r; best.precise = precisely }
                // slow progress (less than halving the distance): the iteration below is faster from here
                if distance > 0.5 * previous { break }
            }
        }
        var accelerate = true
        // Consecutive rejected accelerated steps, the plain steps still to take before the next attempt, and
        // whether this run of plain steps has tried its Newton step (one attempt per run, as before the back-off).
        var rejections = 0, plainLeft = 0, newtonTried = false
        while best.iterations < maxIterations && bestLoss > tolerance {
            best.iterations += 1
            var next: (x: [Double], w: [Double], r: [Double], e: [Double])?
            if accelerate {
                var residual = [Double](repeating: 0, count: active.count)
                for (j, i) in active.enumerated() where r[i] > 0 && r[i].isFinite {
                    let step = log(rStar[i] / r[i]), cap = max(4, abs(step))
                    residual[j] = min(cap, max(-cap, step / max(Self.elasticityFloor, elasticity[i])))
                }
                // Ascent test on the concave objective L (see the doc comment): L(x') − L(x) ≥ (x' − x)ᵀ(r* − r_w(x')).
                // A rejected step that still came closer to r* (L1) is halved once (the midpoint, by the same test)
                // before the fallback: its direction was good, its length not.
                var candidate = evaluateAt(anderson.next(point: x, residual: residual))
                if let rejected = candidate, !ascends(from: x, to: rejected) {
                    candidate = nil
                    if best.iterations < maxIterations && bestLoss > tolerance && merit(rejected.r) < merit(r) {
                        best.iterations += 1
                        if let middle = evaluateAt(zip(x, rejected.x).map { 0.5 * ($0 + $1) }),
                            ascends(from: x, to: middle)
                        {
                            candidate = middle
                        }
                    }
                }
                if let candidate {
                    next = candidate
                    rejections = 0
                } else {
                    // Rejected: plain scaling from the current point on the next evaluation, history cleared.
                    anderson.reset()
                    accelerate = false
                    rejections += 1
                    plainLeft = min(Self.maxPlainRun, 1 << min(rejections - 1, 8))
                    newtonTried = false
                    continue
                }
            } else {
                // Small blocks: a Newton step on L first (finite-difference Jacobian of r_w in x, line search by the
                // same ascent test), once per run of plain steps; the MM step when it does not ascend.
                let tryNewton =
                    !newtonTried && active.count <= Self.newtonBlock
                    && best.iterations + active.count + 8 <= maxIterations
                newtonTried = true
                // (counted on a copy: every evaluation inside the step also updates `best`)
                var spent = best.iterations
                let newton = tryNewton ? newtonStep(x: x, r: r, iterations: &spent) : nil
                best.iterations = spent
                if let newton {
                    next = newton
                    accelerate = true
                    plainLeft = 0
                    anderson.reset()
                    if let step = next {
                        (x, w, r, elasticity) = (step.x, step.w, step.r, step.e)
                        let l = loss(r)
                        if l < bestLoss { bestLoss = l; best.weights = w; best.law = r; best.precise = false }
                    }
                    continue
                }
                var plain = x
                for (j, i) in active.enumerated() where r[i] > 0 && r[i].isFinite { plain[j] += log(rStar[i] / r[i]) }
                next = evaluateAt(plain)
                plainLeft -= 1
                accelerate = plainLeft <= 0
                // A plain step whose law is not finite ends the fit (the best weights so far are kept).
                if let law = next?.r, merit(law) == .infinity { break }
            }
            guard let step = next else { break }
            (x, w, r, elasticity) = (step.x, step.w, step.r, step.e)
            let l = loss(r)
            if l < bestLoss { bestLoss = l; best.weights = w; best.law = r; best.precise = false }
        }
        best.converged = bestLoss <= tolerance
        return best
    }
}
