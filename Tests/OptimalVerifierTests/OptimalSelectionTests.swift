import MultidraftNumerics
import AcceptanceBounds
import Distributions
import Foundation
import MultidraftSupport
import MultidraftTesting
import PropertyBased
import Testing
import ImportanceSampling
@testable import OptimalVerifier
@testable import Verifiers

/// The optimal selection law (hull), its realisation by block priority + Luce weights, and the optimal verifier built
/// on it (<doc:Theory#Optimal-verifier>).
@Suite struct OptimalSelectionTests {
    static func laws(_ q: Distribution, _ n: Int) -> [DraftLaw] {
        [try? DraftLaw.iid(q, drafts: n), try? DraftLaw.withoutReplacement(q, drafts: n)].compactMap { $0 }
    }

    /// alpha* from the hull equals brute force over all subsets (1e-12), r* lies in the base polytope of the coverage
    /// function f(H) = 1 − Q(Σ ∖ H) (every subset, 1e-12), sums to 1, and Σ min(p, r*) = alpha*.
    @Test func hullIsOptimalAndFeasible() async {
        await seededPropertyCheck(count: 60, input: Gen.int(in: 0...1_000_000), Gen.int(in: 2...7), Gen.int(in: 1...4))
        { seed, v, n in
            let (p, q, _) = TestVectors.instance(seed, vocabulary: v)
            for law in Self.laws(q, n) {
                let label = "\(law.name) seed=\(seed) V=\(v) n=\(n)"
                let hull = try! OptimalSelectionLaw(target: p, law: law)
                let brute = try! SubsetBound.bruteForce(target: p, law: law)
                #expect(abs(hull.alpha - brute.alpha) < 1e-12, "\(label): hull \(hull.alpha) vs brute \(brute.alpha)")
                let r = hull.selectionLaw
                #expect(abs(r.reduce(0, +) - 1) < 1e-12, "\(label): Σ r* = \(r.reduce(0, +))")
                let accept = (0..<v).reduce(0.0) { $0 + min(p[$1], r[$1]) }
                #expect(abs(accept - hull.alpha) < 1e-12, "\(label): Σ min(p, r*) = \(accept)")
                let minimizerValue = subsetBoundValue(target: p, law: law, set: hull.minimizer)
                #expect(abs(minimizerValue - hull.alpha) < 1e-12, "\(label): H* gives \(minimizerValue)")
                for mask in 1..<(1 << v) {
                    let outside = (0..<v).map { mask & (1 << $0) == 0 }
                    let f = 1 - law.subsetMass(ofMask: outside)
                    let rH = (0..<v).filter { mask & (1 << $0) != 0 }.reduce(0.0) { $0 + r[$1] }
                    #expect(rH <= f + 1e-12, "\(label): r*(H) = \(rH) > f(H) = \(f) for mask \(mask)")
                }
            }
        }
    }

    /// At vocabulary scale the hull's alpha* equals the dual scan's (iid to 1e-14, without replacement to 1e-12).
    @Test func hullMatchesDualScanAtScale() throws {
        for (v, t) in [(3000, 1.0), (3000, 0.3), (20_000, 1.5)] {
            var rng = Xoshiro256(seed: UInt64(v))
            let logits = Distribution.zipfLogits(v, using: &rng)
            let p = try Distribution(logits: logits, temperature: t)
            let q = try Distribution(logits: logits.map { $0 + Distribution.gaussian(using: &rng) }, temperature: t)
            for n in [2, 8] {
                let iid = try DraftLaw.iid(q, drafts: n), wor = try DraftLaw.withoutReplacement(q, drafts: n)
                let hi = try OptimalSelectionLaw(target: p, law: iid),
                    hw = try OptimalSelectionLaw(target: p, law: wor, threads: 2)
                let di = SubsetBound.prefixIID(target: p, draft: q, drafts: n)
                let dw = SubsetBound.prefixWithoutReplacement(target: p, draft: q, drafts: n, threads: 2)
                #expect(abs(hi.alpha - di.alpha) < 1e-14, "iid V=\(v) T=\(t) n=\(n): \(hi.alpha) vs \(di.alpha)")
                #expect(abs(hw.alpha - dw.alpha) < 1e-12, "wor V=\(v) T=\(t) n=\(n): \(hw.alpha) vs \(dw.alpha)")
            }
        }
    }

    /// Every route of the i.i.d. block law (finite multinomial sum, quadrature with direct sums, quadrature with
    /// binned sums) equals enumeration of every draft tuple (1e-13 relative), for random blocks and random weights
    /// spanning six decades.
    @Test func iidBlockLawMatchesEnumeration() async {
        await seededPropertyCheck(count: 40, input: Gen.int(in: 0...1_000_000), Gen.int(in: 3...6), Gen.int(in: 1...4))
        { seed, v, n in
            var rng = Xoshiro256(seed: UInt64(seed), stream: 9)
            let q = Distribution.dirichlet(v, concentration: 0.7, zeroFraction: seed % 3 == 0 ? 0.2 : 0, using: &rng)
            let blocks = (0..<v).map { _ in Int(rng.next() % 3) }
            let weights = (0..<v).map { _ in pow(10, -6 * rng.nextUniform()) }
            let rule = BlockLuceSelection(drafts: n, blockOfToken: blocks, weights: weights)
            let law = try! DraftLaw.iid(q, drafts: n)
            let exact = rule.selectionLaw(tuples: try! law.tupleLaw())
            for b in 0..<3 {
                let tokens = (0..<v).filter { blocks[$0] == b }
                if tokens.isEmpty { continue }
                let later = (0..<v).filter { blocks[$0] > b }.reduce(0.0) { $0 + q[$1] }
                for route in [BlockLuceSelection.BlockLawRoute.closedForm, .quadratureDirect, .quadratureFast] {
                    let r = BlockLuceSelection.iidBlockLaw(
                        draftMasses: tokens.map { q[$0] }, weights: tokens.map { weights[$0] },
                        later: later, drafts: n, route: route)
                    for (i, x) in tokens.enumerated() {
                        #expect(
                            abs(r[i] - exact[x]) <= 1e-13 * exact[x] + 1e-18,
                            "seed=\(seed) V=\(v) n=\(n) block \(b) token \(x) \(route): \(r[i]) vs \(exact[x])")
                    }
                }
            }
        }
    }

    /// The without-replacement block law by the race/Luce double integral equals enumeration of every ordered draft
    /// tuple (1e-13 relative), for random contiguous blocks of a random order and weights over six decades,
    /// including zero draft masses, by the route the block law takes and by the direct (τ, s) route.
    @Test func withoutReplacementBlockLawMatchesEnumeration() async {
        await seededPropertyCheck(count: 40, input: Gen.int(in: 0...1_000_000), Gen.int(in: 3...7), Gen.int(in: 1...4))
        { seed, v, n in
            var rng = Xoshiro256(seed: UInt64(seed), stream: 11)
            let q = Distribution.dirichlet(v, concentration: 0.7, zeroFraction: seed % 3 == 0 ? 0.2 : 0, using: &rng)
            guard q.supportSize > n else { return }
            var order = Array(0..<v)
            order.shuffle(using: &rng)
            // Cut the order into up to three contiguous blocks.
            let cuts = [0, 1 + Int(rng.next() % UInt64(v - 1)), v].sorted()
            let ranges = (0..<(cuts.count - 1)).map { cuts[$0]..<cuts[$0 + 1] }.filter { !$0.isEmpty }
            var blockOf = [Int](repeating: 0, count: v)
            for (b, r) in ranges.enumerated() { for k in r { blockOf[order[k]] = b } }
            let weights = (0..<v).map { _ in pow(10, -6 * rng.nextUniform()) }
            let rule = BlockLuceSelection(drafts: n, blockOfToken: blockOf, weights: weights)
            let law = try! DraftLaw.withoutReplacement(q, drafts: n)
            let tuples = try! law.tupleLaw()
            let exact = rule.selectionLaw(tuples: tuples)
            let exactEqual = BlockLuceSelection(
                drafts: n, blockOfToken: blockOf, weights: [Double](repeating: 0.3, count: v)
            ).selectionLaw(tuples: tuples)
            let envs = WithoutReplacementBlockLaw.environments(
                draftMasses: q.probabilities, order: order, blocks: ranges,
                drafts: n, wanted: Array(ranges.indices), threads: 2)
            for (b, r) in ranges.enumerated() {
                let tokens = r.map { order[$0] }
                let result = WithoutReplacementBlockLaw.blockLaw(
                    environment: envs[b]!, draftMasses: tokens.map { q[$0] },
                    weights: tokens.map { weights[$0] }, threads: 2)
                // the direct (τ, s) route too, which small blocks no longer take by default
                let direct =
                    n >= 2 && !envs[b]!.unreachable
                    ? WithoutReplacementBlockLaw.directIntegrals(
                        env: envs[b]!, q: tokens.map { q[$0] }, w: tokens.map { weights[$0] }, threads: 2,
                        first: false
                    ).zeroth : nil
                // equal weights in the block: the closed form in s
                if n >= 2 {
                    let equal = WithoutReplacementBlockLaw.blockLaw(
                        environment: envs[b]!, draftMasses: tokens.map { q[$0] },
                        weights: [Double](repeating: 0.3, count: tokens.count), threads: 2)
                    for (i, x) in tokens.enumerated() {
                        #expect(
                            abs(equal.law[i] - exactEqual[x]) <= 1e-13 * exactEqual[x] + 1e-18,
                            "seed=\(seed) V=\(v) n=\(n) block \(b) token \(x): equal \(equal.law[i]) vs \(exactEqual[x])"
                        )
                    }
                }
                for (i, x) in tokens.enumerated() {
                    #expect(
                        abs(result.law[i] - exact[x]) <= 1e-13 * exact[x] + 1e-18,
                        "seed=\(seed) V=\(v) n=\(n) block \(b) token \(x): \(result.law[i]) vs \(exact[x])")
                    if let direct {
                        let value = weights[x] * direct[i]
                        #expect(
                            abs(value - exact[x]) <= 1e-13 * exact[x] + 1e-18,
                            "seed=\(seed) V=\(v) n=\(n) block \(b) token \(x): direct \(value) vs \(exact[x])")
                    }
                }
            }
        }
    }

    /// The binned Taylor sums equal direct sums of exponentials (relative 1e-14, plus the terms below e^{−100} of
    /// their amplitude that are dropped by design), rates over ten decades, both directions.
    @Test func exponentialSumsMatchDirectSums() {
        var rng = Xoshiro256(seed: 3)
        let rates = (0..<700).map { _ in pow(10, 10 * rng.nextUniform() - 5) }
        let amplitudes = (0..<700).map { _ in rng.nextUniform() }
        let times = (0..<90).map { pow(10, Double($0) / 5 - 9) }
        let coefficients = times.map { _ in rng.nextUniform() }
        let sums = ExponentialSums(rates: rates)
        let forward = sums.forward(amplitudes: amplitudes, times: times, threads: 2)
        for (g, t) in times.enumerated() {
            let direct = zip(amplitudes, rates).reduce(0.0) { $0 + $1.0 * exp(-t * $1.1) }
            #expect(
                abs(forward[g] - direct) <= 1e-14 * direct + exp(-100) * amplitudes.reduce(0, +),
                "t = \(t): \(forward[g]) vs \(direct)")
        }
        let transposed = sums.transposed(coefficients: coefficients, times: times, firstMoment: true, threads: 2)
        for (y, w) in rates.enumerated() {
            let direct = zip(coefficients, times).reduce(0.0) { $0 + $1.0 * exp(-$1.1 * w) }
            let first = zip(coefficients, times).reduce(0.0) { $0 + $1.0 * $1.1 * exp(-$1.1 * w) }
            #expect(
                abs(transposed.zeroth[y] - direct) <= 1e-14 * direct + exp(-100) * coefficients.reduce(0, +),
                "w = \(w): \(transposed.zeroth[y]) vs \(direct)")
            #expect(
                abs(transposed.first![y] - first) <= 1e-14 * first + exp(-100) * coefficients.reduce(0, +),
                "w = \(w): first moment \(transposed.first![y]) vs \(first)")
        }
    }

    /// The fused series of transposed sums, Σ_k x^k T_k (and first moments), equals the separate transposed sums
    /// combined by hand (1e-13 relative to the sum of the terms' magnitudes; coefficients of both signs, one set
    /// zero), rates over eight decades, x in (0, 1].
    @Test func transposedSeriesMatchesSeparateSums() {
        var rng = Xoshiro256(seed: 5)
        let rates = (0..<500).map { _ in pow(10, 8 * rng.nextUniform() - 4) }
        let x = rates.map { _ in rng.nextUniform() }
        let times = (0..<70).map { pow(10, Double($0) / 5 - 6) }
        let sets: [[Double]?] = (0..<6).map { k in
            k == 2 ? nil : times.map { _ in rng.nextUniform() - 0.3 }
        }
        let sums = ExponentialSums(rates: rates, halfWidth: 0.005, terms: 18, cutoff: 50)
        let fused = sums.transposedSeries(
            coefficientSets: sets, times: times, variable: x, firstMoment: true, threads: 2)
        var zeroth = [Double](repeating: 0, count: rates.count), first = zeroth, scale = zeroth, scale1 = zeroth
        for (k, set) in sets.enumerated() {
            guard let set else { continue }
            let separate = sums.transposed(coefficients: set, times: times, firstMoment: true, threads: 1)
            let magnitude = sums.transposed(coefficients: set.map(abs), times: times, firstMoment: true)
            for y in rates.indices {
                let power = pow(x[y], Double(k))
                zeroth[y] += power * separate.zeroth[y]
                first[y] += power * separate.first![y]
                scale[y] += power * magnitude.zeroth[y]
                scale1[y] += power * magnitude.first![y]
            }
        }
        for y in rates.indices {
            #expect(
                abs(fused.zeroth[y] - zeroth[y]) <= 1e-13 * scale[y],
                "rate \(rates[y]): \(fused.zeroth[y]) vs \(zeroth[y])")
            #expect(
                abs(fused.first![y] - first[y]) <= 1e-13 * scale1[y],
                "rate \(rates[y]): first moment \(fused.first![y]) vs \(first[y])")
        }
    }

    /// Layered series (one pass over the rates for several layers at their own times, the tail expansion's form):
    /// Σ_l a_l x^{p_l} S_l equals the single series of each layer combined by hand (1e-13 relative to the magnitudes,
    /// zeroth and first moments, set limits applied); one layer with factors 1 and power 0 (the single series' own
    /// route) gives the same sums on one thread and on two, bit for bit.
    @Test func layeredSeriesMatchesSingleSeries() {
        var rng = Xoshiro256(seed: 6)
        let rates = (0..<400).map { _ in pow(10, 8 * rng.nextUniform() - 4) }
        let x = rates.map { _ in rng.nextUniform() }
        let limits = rates.map { _ in 1 + Int(rng.next() % 6) }
        let base = (0..<70).map { pow(10, Double($0) / 5 - 6) }
        let sums = ExponentialSums(rates: rates, halfWidth: 0.01, terms: 18, cutoff: 50)
        let layers = (0..<4).map { l -> ExponentialSums.SeriesLayer in
            let sets: [[Double]?] = (0..<6).map { k in k == l ? nil : base.map { _ in rng.nextUniform() - 0.3 } }
            let sign = l & 1 == 0 ? 1.0 : -1.0
            return ExponentialSums.SeriesLayer(
                coefficientSets: sets, times: base.map { Double(l + 1) * $0 }, zerothFactor: sign,
                firstFactor: sign / Double(l + 1), power: l + 1)
        }
        let fused = sums.transposedSeries(layers: layers, variable: x, firstMoment: true, setLimits: limits, threads: 2)
        var zeroth = [Double](repeating: 0, count: rates.count), first = zeroth, scale = zeroth, scale1 = zeroth
        for layer in layers {
            let single = sums.transposedSeries(
                coefficientSets: layer.coefficientSets, times: layer.times, variable: x, firstMoment: true,
                setLimits: limits)
            let magnitude = sums.transposedSeries(
                coefficientSets: layer.coefficientSets.map { $0?.map(abs) }, times: layer.times, variable: x,
                firstMoment: true, setLimits: limits)
            for y in rates.indices {
                let power = pow(x[y], Double(layer.power))
                zeroth[y] += layer.zerothFactor * power * single.zeroth[y]
                first[y] += layer.firstFactor * power * single.first![y]
                scale[y] += power * magnitude.zeroth[y]
                scale1[y] += power * magnitude.first![y]
            }
        }
        for y in rates.indices {
            #expect(abs(fused.zeroth[y] - zeroth[y]) <= 1e-13 * scale[y], "rate \(rates[y])")
            #expect(abs(fused.first![y] - first[y]) <= 1e-13 * scale1[y], "rate \(rates[y]): first moment")
        }
        let one = ExponentialSums.SeriesLayer(coefficientSets: layers[1].coefficientSets, times: layers[1].times)
        let layered = sums.transposedSeries(layers: [one], variable: x, firstMoment: true, threads: 2)
        let single = sums.transposedSeries(
            coefficientSets: one.coefficientSets, times: one.times, variable: x, firstMoment: true, threads: 1)
        #expect(layered.zeroth == single.zeroth && layered.first! == single.first!)
    }

    /// The bin moments of the powers a¹ … a^P in one pass equal P separate passes on the powers (formed by the same
    /// products): bit for bit (orders 0 and 1 checked on their own, then every order), and so do the forward sums over
    /// times across the rates' range (1e-14 relative asserted); rates over eight decades, amplitudes in (0, 1] with
    /// some 0, P = 12. (The forward sums of one set are held to direct sums by exponentialSumsMatchDirectSums.)
    @Test func momentsOfPowersMatchSeparateMoments() {
        var rng = Xoshiro256(seed: 9)
        let rates = (0..<600).map { _ in pow(10, 8 * rng.nextUniform() - 4) }
        let a = rates.indices.map { $0 % 17 == 0 ? 0 : rng.nextUniform() }
        let sums = ExponentialSums(rates: rates, halfWidth: 0.01, terms: 18, cutoff: 50)
        let p = 12
        let fused = sums.moments(amplitudePowersOf: a, count: p)
        #expect(fused.count == p)
        var power = a
        let times = (0..<60).map { pow(10, Double($0) / 5 - 5) }
        for m in 0..<p {
            let separate = sums.moments(amplitudes: power)
            #expect(Set(separate.usedBins).isSubset(of: Set(fused[m].usedBins)), "power \(m + 1): bins")
            for b in separate.usedBins {
                for j in 0..<2 {
                    let i = b * sums.terms + j
                    #expect(fused[m].values[i] == separate.values[i], "power \(m + 1) bin \(b) order \(j)")
                }
            }
            #expect(fused[m].values == separate.values, "power \(m + 1): every order")
            let f1 = sums.forward(moments: fused[m], times: times), f2 = sums.forward(moments: separate, times: times)
            for g in times.indices {
                #expect(abs(f1[g] - f2[g]) <= 1e-14 * abs(f2[g]), "power \(m + 1) t=\(times[g])")
            }
            power = zip(power, a).map { $0 * $1 }
        }
    }

    /// The i.i.d. block law by fast sums (cutoff e^{−50}, bins of half-width 0.01) equals the direct evaluation
    /// (1e-13 relative) on a block of 3,000 tokens with weights over eight decades, n = 2 and 8, with and without
    /// mass after the block (without it Ψ = φ^{n−1} is smallest where the sums skip terms).
    @Test func fastBlockLawMatchesDirect() {
        var rng = Xoshiro256(seed: 4)
        let q = (0..<3000).map { _ in pow(10, -7 * rng.nextUniform()) * 1e-4 }
        let w = (0..<3000).map { _ in pow(10, -8 * rng.nextUniform()) }
        for later in [0.3, 0.0] {
            for n in [2, 8] {
                let fast = BlockLuceSelection.iidBlockLaw(
                    draftMasses: q, weights: w, later: later, drafts: n, route: .quadratureFast)
                let direct = BlockLuceSelection.iidBlockLaw(
                    draftMasses: q, weights: w, later: later, drafts: n, route: .quadratureDirect)
                for i in 0..<q.count {
                    #expect(
                        abs(fast[i] - direct[i]) <= 1e-13 * direct[i],
                        "l=\(later) n=\(n) token \(i): \(fast[i]) vs \(direct[i])")
                }
            }
        }
    }

    /// The optimal verifier on every generated instance (zeros, p = q, disjoint supports), both laws, V ≤ 8, n ≤ 4:
    /// output law = p (1e-12), membership acceptance = alpha* (1e-9), certified gap ≤ 1e-9, coin = alpha* − gap.
    @Test func verifierIsLosslessAndOptimal() async {
        await seededPropertyCheck(count: 60, input: Gen.int(in: 0...1_000_000), Gen.int(in: 2...8), Gen.int(in: 1...4))
        { seed, v, n in
            let (p, q, _) = TestVectors.instance(seed, vocabulary: v)
            for law in Self.laws(q, n) where law.estimatedTupleCount <= 5_000 {
                // Without replacement: the enumeration route and the race quadrature.
                let routes: [Bool] = if case .withoutReplacement = law.kind { [true, false] } else { [true] }
                for enumerate in routes {
                    let label = "\(law.name) seed=\(seed) V=\(v) n=\(n) enumerate=\(enumerate)"
                    let verifier = try! OptimalSelectionVerifier(
                        target: p, law: law, threads: 1,
                        enumerateWithoutReplacement: enumerate)
                    let exact = try! ExactVerification(verifier)
                    let alpha = try! SubsetBound.bruteForce(target: p, law: law).alpha
                    #expect(
                        exact.maxDeviation(from: p) < 1e-12,
                        "\(label): output law deviates \(exact.maxDeviation(from: p))")
                    #expect(
                        abs(exact.membershipAcceptance - alpha) < 1e-9,
                        "\(label): membership \(exact.membershipAcceptance) vs alpha* \(alpha)")
                    #expect(verifier.certifiedGap <= 1e-9, "\(label): gap \(verifier.certifiedGap)")
                    #expect(abs(exact.coinAcceptance - verifier.selection.coinAcceptance) < 1e-12, "\(label): coin")
                    // r_w is the law the rule induces: the enumerated selection law.
                    let enumerated = verifier.selection.rule.selectionLaw(tuples: try! law.tupleLaw())
                    for x in 0..<v {
                        #expect(abs(enumerated[x] - verifier.selection.realisedLaw[x]) < 1e-13, "\(label): r_w[\(x)]")
                    }
                }
            }
        }
    }

    /// Shared weights (the quadrature route for i.i.d. drafts gives the tokens of a run of close ratios one weight):
    /// on 300 fixed-seed instances (V = 3–8, n = 2–4, Dirichlet(0.3–1) targets, some with near-equal ratios), the
    /// realised law equals the enumerated selection law of the rule (1e-13), the verifier is lossless (1e-12) and
    /// reaches alpha* (certified gap ≤ 1e-12, every block converged). Shared weights must occur in at least 50
    /// instances, so the path is exercised.
    @Test func sharedWeightsAreExact() async throws {
        var shared = 0
        try await seededPropertyCheck(
            count: 300, input: Gen.int(in: 0...Int(Int32.max)), Gen.int(in: 3...8), Gen.int(in: 2...4)
        ) { seed, v, n in
            let (p, q) = try Self.nearRatioPair(seed: seed, vocabulary: v)
            let fit = try Self.expectExactOnQuadrature(
                target: p, law: try DraftLaw.iid(q, drafts: n), method: .iidQuadrature,
                label: "seed=\(seed) V=\(v) n=\(n)")
            let blocks = fit.optimal.blockOfToken
            if (0..<v).contains(where: { x in
                (0..<x).contains { y in blocks[x] == blocks[y] && fit.rule.weights[x] == fit.rule.weights[y] }
            }) {
                shared += 1
            }
        }
        #expect(shared >= 50, "shared weights in \(shared) of 300 instances")
    }

    /// p and q of the fixed-seed quadrature property tests: q ~ Dirichlet(1); p = q with ratios perturbed by at most
    /// 2 % for even seeds (runs of close ratios are common), else p ~ Dirichlet(0.5).
    static func nearRatioPair(seed: Int, vocabulary v: Int) throws -> (p: Distribution, q: Distribution) {
        var rng = Xoshiro256(seed: UInt64(seed))
        let q = Distribution.dirichlet(v, concentration: 1, using: &rng)
        let p =
            seed % 2 == 0
            ? try Distribution(
                normalizing: q.probabilities.map { $0 * (1 + 0.02 * (Double.random(in: 0..<1, using: &rng))) })
            : Distribution.dirichlet(v, concentration: 0.5, using: &rng)
        return (p, q)
    }

    /// The optimal verifier on its quadrature route (enumeration off): it takes `method`, certifies (gap ≤ 1e-12,
    /// every block converged), its realised law equals the enumerated selection law of its rule (1e-13) and it is
    /// lossless (1e-12). Returns its selection.
    static func expectExactOnQuadrature(
        target p: Distribution, law: DraftLaw, method: RealisedOptimalSelection.Method, label: String
    ) throws -> RealisedOptimalSelection {
        let verifier = try OptimalSelectionVerifier(target: p, law: law, threads: 1, enumerateWithoutReplacement: false)
        let fit = verifier.selection
        #expect(fit.method == method, "\(label)")
        #expect(fit.certifiedGap <= 1e-12 && fit.unconvergedBlocks == 0, "\(label): gap \(fit.certifiedGap)")
        let enumerated = fit.rule.selectionLaw(tuples: try law.tupleLaw())
        for x in 0..<p.vocabularySize {
            #expect(abs(enumerated[x] - fit.realisedLaw[x]) < 1e-13, "\(label): r_w[\(x)]")
        }
        #expect(try ExactVerification(verifier).maxDeviation(from: p) < 1e-12, "\(label): not lossless")
        return fit
    }

    /// Without replacement on the race quadrature (enumeration off), where a block of one run starts its fit at equal
    /// weights and is evaluated in closed form in s: on 1,000 fixed-seed instances (V = 3–8, n = 2–4, half of them
    /// p = q with ratios perturbed by at most 2 %) the realised law equals the enumerated selection law of the rule
    /// (1e-13), the verifier is lossless (1e-12) and reaches alpha* (certified gap ≤ 1e-12, every block converged).
    /// Both branches must occur: blocks of one run that end at equal weights (72 of the 73 here) and at least one
    /// that continues its fit from them.
    @Test func withoutReplacementEqualWeightStartIsExact() async throws {
        var started = 0, ended = 0
        try await seededPropertyCheck(
            count: 1000, input: Gen.int(in: 0...Int(Int32.max)), Gen.int(in: 3...8), Gen.int(in: 2...4)
        ) { seed, v, n in
            let (p, q) = try Self.nearRatioPair(seed: seed, vocabulary: v)
            guard q.supportSize > n else { return }
            let fit = try Self.expectExactOnQuadrature(
                target: p, law: try DraftLaw.withoutReplacement(q, drafts: n),
                method: n == 2 ? .twoDraftPairs : .raceQuadrature,
                label: "seed=\(seed) V=\(v) n=\(n)")
            let oneRun = fit.optimal.blocks.filter {
                $0.targetMass > 0 && $0.draftMass > 0
                    && RealisedOptimalSelection.isOneRun($0, ratios: fit.optimal.orderedRatio)
            }
            for block in oneRun {
                started += 1
                if block.range.allSatisfy({ fit.rule.weights[fit.optimal.order[$0]] == 1 }) { ended += 1 }
            }
        }
        #expect(ended >= 40, "\(ended) of \(started) blocks of one run ended at equal weights")
        #expect(started - ended >= 1, "no block of one run continued its fit from equal weights")
    }

    /// The runs that may share a weight: ρ_max ≤ κ ρ_min with κ = (1/s or s)^0.9 inside every run, tokens with p = 0
    /// or q = 0 alone, nil when no run holds two tokens or |s − 1| leaves no room.
    @Test func equalRatioRuns() {
        let q = [0.1, 0.1, 0.1, 0.1, 0.1, 0.0, 0.1]
        let p = [0.30, 0.29, 0.20, 0.195, 0.0, 0.05, 0.1] // ρ = 3, 2.9, 2, 1.95, 0, ∞, 1
        let runs = RealisedOptimalSelection.equalRatioBins(slope: 0.5, target: p, draft: q)
        // κ = 2^0.9 ≈ 1.866: {3, 2.9, 2}: 3/2 = 1.5 ≤ κ; 1.95 joins (3/1.95 = 1.54); 0 and ∞ alone; 1 alone (3/1)
        #expect(runs == [0..<4, 4..<5, 5..<6, 6..<7])
        #expect(RealisedOptimalSelection.equalRatioBins(slope: 1 + 1e-12, target: p, draft: q) == nil)
        #expect(RealisedOptimalSelection.equalRatioBins(slope: 1.01, target: [0.5, 0.2], draft: [0.1, 0.1]) == nil)
        #expect(RealisedOptimalSelection.equalRatioBins(slope: 2, target: [0.5, 0.4], draft: [0.1, 0.1]) == [0..<2])
    }

    /// One draft at V = 50,000 (both laws): realised without a fit (r_w = q exactly, weights 1), coin acceptance =
    /// alpha* of the dual scan (1e-13), gap ≤ 1e-13; the small-V lossless and optimal checks above cover n = 1 too.
    @Test func oneDraftNeedsNoFit() throws {
        var rng = Xoshiro256(seed: 1207)
        let logits = Distribution.zipfLogits(50_000, using: &rng)
        let p = try Distribution(logits: logits, temperature: 1)
        let q = try Distribution(logits: logits.map { $0 + Distribution.gaussian(using: &rng) }, temperature: 1)
        for law in [try DraftLaw.iid(q, drafts: 1), try DraftLaw.withoutReplacement(q, drafts: 1)] {
            let verifier = try OptimalSelectionVerifier(target: p, law: law, threads: 1)
            let alpha = try optimalAcceptance(target: p, law: law, method: .dual).alpha
            #expect(verifier.selection.method == .singleDraft, "\(law.name)")
            #expect(verifier.selection.realisedLaw == q.probabilities, "\(law.name)")
            #expect(
                abs(verifier.selection.coinAcceptance - alpha) <= 1e-13,
                "\(law.name): \(verifier.selection.coinAcceptance) vs \(alpha)")
            #expect(verifier.certifiedGap <= 1e-13, "\(law.name): gap \(verifier.certifiedGap)")
        }
    }

    /// Peaked drafts (top token 1 − 1e-15) and targets with zeros where the draft has mass and vice versa.
    @Test func extremeInstances() throws {
        let q = try Distribution([1 - 1e-15, 5e-16, 5e-16, 0])
        let p = try Distribution([0.25, 0.25, 0, 0.5])
        for n in [1, 2, 3] {
            for law in Self.laws(q, n) {
                let verifier = try OptimalSelectionVerifier(
                    target: p, law: law, threads: 1,
                    enumerateWithoutReplacement: false)
                let exact = try ExactVerification(verifier)
                let alpha = try SubsetBound.bruteForce(target: p, law: law).alpha
                #expect(exact.maxDeviation(from: p) < 1e-12, "\(law.name) n=\(n)")
                #expect(
                    abs(exact.membershipAcceptance - alpha) < 1e-9,
                    "\(law.name) n=\(n): \(exact.membershipAcceptance) vs \(alpha)")
            }
        }
    }

    /// n up to 16 i.i.d. drafts at V = 2,000 (quadrature route): certified gap ≤ 1e-9 and Σ r_w = 1.
    @Test func largeDraftCounts() throws {
        var rng = Xoshiro256(seed: 16)
        let logits = Distribution.zipfLogits(2000, using: &rng)
        let p = try Distribution(logits: logits, temperature: 1)
        let q = try Distribution(logits: logits.map { $0 + Distribution.gaussian(using: &rng) }, temperature: 1)
        for n in [4, 16] {
            let verifier = try OptimalSelectionVerifier(target: p, law: try DraftLaw.iid(q, drafts: n), threads: 2)
            let total = verifier.selection.realisedLaw.reduce(0, +)
            #expect(abs(total - 1) < 1e-12, "n=\(n): Σ r_w = \(total)")
            #expect(verifier.certifiedGap <= 1e-9, "n=\(n): gap \(verifier.certifiedGap)")
        }
    }

    /// The tail expansion of the without-replacement block law equals the direct (τ, s) evaluation on a block of
    /// 800 LLM-like tokens behind an earlier block, n = 2, 4 and 8: r_w to 1e-12 relative, the s-moments behind
    /// the elasticity to 1e-10.
    @Test func withoutReplacementTailMatchesDirect() throws {
        var rng = Xoshiro256(seed: 21)
        let v = 900
        let q = try Distribution(logits: Distribution.zipfLogits(v, using: &rng), temperature: 1).probabilities
        let order = (0..<v).sorted { q[$0] > q[$1] }
        let blocks = [0..<100, 100..<v]
        let block = blocks[1].map { order[$0] }
        let w = block.map { _ in pow(10, -5 * rng.nextUniform()) }
        for n in [2, 4, 8] {
            let env = WithoutReplacementBlockLaw.environments(
                draftMasses: q, order: order, blocks: blocks, drafts: n,
                wanted: [1], threads: 2)[1]!
            let qb = block.map { q[$0] }
            let tail = try #require(
                WithoutReplacementBlockLaw.tailIntegrals(env: env, q: qb, w: w, threads: 2, first: true))
            let direct = WithoutReplacementBlockLaw.directIntegrals(env: env, q: qb, w: w, threads: 2, first: true)
            Self.expectIntegralsMatch(tail, direct, "n=\(n)")
        }
    }

    /// A route's block integrals against the direct (τ, s) route: r_w to 1e-12 relative, the s-moments to 1e-10.
    static func expectIntegralsMatch(
        _ route: (zeroth: [Double], first: [Double]?), _ direct: (zeroth: [Double], first: [Double]?), _ label: String
    ) {
        for i in direct.zeroth.indices {
            #expect(
                abs(route.zeroth[i] - direct.zeroth[i]) <= 1e-12 * direct.zeroth[i],
                "\(label) token \(i): \(route.zeroth[i]) vs \(direct.zeroth[i])")
            #expect(
                abs(route.first![i] - direct.first![i]) <= 1e-10 * direct.first![i], "\(label) token \(i): s-moment")
        }
    }

    /// At equal weights the Luce-clock integral in closed form (a polynomial in e^{−s w}) equals the direct (τ, s)
    /// evaluation on blocks of 2–300 tokens behind an earlier block, with later mass, n = 2, 3, 4 and 8: r_w to 1e-12
    /// relative, the s-moments behind the elasticity to 1e-10, the same bit for bit on one thread and on two; and an
    /// evaluator at equal weights takes that route (bit for bit), at any common weight (r_w does not depend on it).
    @Test func withoutReplacementEqualWeightsMatchDirect() throws {
        var rng = Xoshiro256(seed: 31)
        let v = 700
        let q = try Distribution(logits: Distribution.zipfLogits(v, using: &rng), temperature: 1).probabilities
        let order = (0..<v).sorted { q[$0] > q[$1] }
        var checked = 0
        for (start, m, weight) in [(1, 2, 1.0), (4, 5, 0.02), (30, 40, 3e-4), (200, 300, 0.7)] {
            let blocks = [0..<start, start..<(start + m), (start + m)..<v]
            let qb = blocks[1].map { q[order[$0]] }
            for n in [2, 3, 4, 8] {
                let env = WithoutReplacementBlockLaw.environments(
                    draftMasses: q, order: order, blocks: blocks, drafts: n, wanted: [1], threads: 1)[1]!
                let w = [Double](repeating: weight, count: m)
                let equal = WithoutReplacementBlockLaw.equalWeightIntegrals(
                    env: env, q: qb, weight: weight, threads: 2, first: true)
                let direct = WithoutReplacementBlockLaw.directIntegrals(env: env, q: qb, w: w, threads: 1, first: true)
                Self.expectIntegralsMatch(equal, direct, "m=\(m) n=\(n)")
                let single = WithoutReplacementBlockLaw.equalWeightIntegrals(
                    env: env, q: qb, weight: weight, threads: 1, first: true)
                #expect(single.zeroth == equal.zeroth && single.first! == equal.first!, "m=\(m) n=\(n): threads")
                let law = WithoutReplacementBlockLaw.blockLaw(environment: env, draftMasses: qb, weights: w, threads: 1)
                #expect(law.law == equal.zeroth.map { weight * $0 }, "m=\(m) n=\(n): the evaluator's route")
                let other = WithoutReplacementBlockLaw.blockLaw(
                    environment: env, draftMasses: qb, weights: [Double](repeating: 1, count: m), threads: 1)
                let spread = zip(other.law, law.law).map { abs($0 - $1) / $1 }.max()!
                #expect(spread < 1e-14, "m=\(m) n=\(n): r_w depends on the common weight (\(spread))")
                checked += m
            }
        }
        #expect(checked == 4 * (2 + 5 + 40 + 300))
    }

    /// The Luce-clock integral in closed form over the rival sets equals the direct (τ, s) evaluation on small blocks
    /// (m = 2–9 tokens, weights over four decades, behind an earlier block, with later mass), n = 2, 3, 4 and 8: r_w
    /// to 1e-12 relative, the s-moments behind the elasticity to 1e-10.
    @Test func withoutReplacementSubsetsMatchDirect() throws {
        var rng = Xoshiro256(seed: 23)
        let v = 60
        let q = try Distribution(logits: Distribution.zipfLogits(v, using: &rng), temperature: 1).probabilities
        let order = (0..<v).sorted { q[$0] > q[$1] }
        var checked = 0
        for (start, m) in [(3, 2), (5, 4), (12, 6), (20, 9)] {
            let blocks = [0..<start, start..<(start + m), (start + m)..<v]
            let block = blocks[1].map { order[$0] }
            let w = block.map { _ in pow(10, -4 * rng.nextUniform()) }
            let qb = block.map { q[$0] }
            for n in [2, 3, 4, 8] {
                let env = WithoutReplacementBlockLaw.environments(
                    draftMasses: q, order: order, blocks: blocks, drafts: n, wanted: [1], threads: 1)[1]!
                let subsets = WithoutReplacementBlockLaw.subsetIntegrals(env: env, q: qb, w: w, first: true)
                let direct = WithoutReplacementBlockLaw.directIntegrals(env: env, q: qb, w: w, threads: 1, first: true)
                Self.expectIntegralsMatch(subsets, direct, "m=\(m) n=\(n)")
                checked += qb.count
            }
        }
        #expect(checked == 4 * (2 + 4 + 6 + 9))
        #expect(WithoutReplacementBlockLaw.subsetRivalSets(blockSize: 6, drafts: 3) == 1 + 5 + 10)
        #expect(WithoutReplacementBlockLaw.subsetRivalSets(blockSize: 3, drafts: 8) == 4)
    }

    /// A block's evaluator fixes its route and builds the closed-form kernel at the first evaluation at unequal
    /// weights (equal weights take the closed form in s and leave it undecided), then reuses it
    /// (the same storage); at other weights it gives the law the direct route gives there (1e-12 relative; n = 2
    /// takes the pair loop, n = 3 and 4 the walk over rival sets), and its kernel covers every set of at most n − 1
    /// tokens.
    @Test func withoutReplacementEvaluatorReusesItsKernel() throws {
        var rng = Xoshiro256(seed: 29)
        let v = 40
        let q = try Distribution(logits: Distribution.zipfLogits(v, using: &rng), temperature: 1).probabilities
        let order = (0..<v).sorted { q[$0] > q[$1] }
        let blocks = [0..<4, 4..<11, 11..<v]
        let qb = blocks[1].map { q[order[$0]] }
        for n in [2, 3, 4] {
            let env = WithoutReplacementBlockLaw.environments(
                draftMasses: q, order: order, blocks: blocks, drafts: n, wanted: [1], threads: 1)[1]!
            var evaluator = WithoutReplacementBlockLaw.Evaluator(environment: env, draftMasses: qb)
            // equal weights take the closed form in s and leave the route undecided
            _ = evaluator.law(weights: qb.map { _ in 1 })
            #expect(evaluator.kernel == nil, "n=\(n): the route was fixed at equal weights")
            _ = evaluator.law(weights: qb.indices.map { 1 / Double($0 + 1) })
            let kernel = try #require(evaluator.kernel ?? nil, "n=\(n): the closed-form route")
            #expect(
                Double(kernel.setCount)
                    == WithoutReplacementBlockLaw.subsetRivalSets(blockSize: qb.count + 1, drafts: n))
            // the kernel's storage, to see that later evaluations reuse it rather than build another
            let storage = kernel.kernel.withUnsafeBufferPointer { $0.baseAddress }
            for trial in 0..<3 {
                let w = qb.map { _ in pow(10, -3 * rng.nextUniform()) }
                let law = evaluator.law(weights: w, elasticity: true)
                let direct = WithoutReplacementBlockLaw.directIntegrals(env: env, q: qb, w: w, threads: 1, first: true)
                for i in qb.indices {
                    let expected = w[i] * direct.zeroth[i]
                    #expect(abs(law.law[i] - expected) <= 1e-12 * expected, "n=\(n) trial \(trial) token \(i)")
                    let elasticity = min(1, max(0.002, 1 - w[i] * direct.first![i] / direct.zeroth[i]))
                    #expect(abs(law.elasticity[i] - elasticity) <= 1e-9, "n=\(n) trial \(trial) token \(i)")
                }
            }
            let after = try #require(evaluator.kernel ?? nil)
            #expect(after.kernel.withUnsafeBufferPointer { $0.baseAddress } == storage, "n=\(n): kernel rebuilt")
        }
    }

    /// The s rule, its lattice continued below the first node by the polynomial through its first seven nodes,
    /// integrates e^{−s a}(1 + b e^{−s c}) and s·e^{−s a}(1 + b e^{−s c}) to 2e-15 relative for a up to n·w_max (the
    /// fastest clock product the integrands hold) and a + c up to (2n − 1)·w_max (beyond it, a margin), n = 2…16.
    /// On these rates a linear continuation at the same lower end (10⁻²/(n·w_max)) is off by ~10⁻⁶, a polynomial
    /// through five or six nodes by 2·10⁻¹² or 2·10⁻¹⁴ (computed), so the test fails without the continuation's
    /// full order.
    @Test func sGridIntegratesExponentialSums() {
        for n in [2, 4, 8, 16] {
            for (wMin, wMax) in [(1.0, 1.0), (1e-3, 1.0), (1e-12, 1e3)] {
                let (nodes, weights) = WithoutReplacementBlockLaw.sGrid(wMin: wMin, wMax: wMax, drafts: n)
                let top = Double(n) * wMax
                for a in [wMin, (wMin * wMax).squareRoot(), wMax, top / 2, top] {
                    for (b, c) in [(0.0, 0.0), (2.0, top - wMax), (-0.5, wMin), (5.0, 0.7 * (top - wMax))] {
                        var zeroth = 0.0, first = 0.0
                        for (s, h) in zip(nodes, weights) {
                            let f = exp(-s * a) * (1 + b * exp(-s * c))
                            zeroth += h * f
                            first += h * s * f
                        }
                        let exact0 = 1 / a + b / (a + c), exact1 = 1 / (a * a) + b / ((a + c) * (a + c))
                        let label = "n=\(n) w in [\(wMin), \(wMax)] a=\(a) b=\(b) c=\(c)"
                        #expect(abs(zeroth / exact0 - 1) <= 2e-15, "\(label)")
                        #expect(abs(first / exact1 - 1) <= 2e-15, "\(label): first")
                    }
                }
            }
        }
    }

    /// The τ rule from ``WithoutReplacementBlockLaw/tauLowerEnd(drafts:)``, its lattice continued below the first
    /// node for τⁿ times a polynomial, integrates τⁿe^{−λτ}(1 + e^{−λ'τ}/2) (the shape of every τ-integrand at 0:
    /// O(τⁿ) times a sum of decaying exponentials) to 5e-15 relative for n = 2…6, λ = 0.3…4, λ' = 0.1, 1 (the rule's
    /// own trapezoid error is 3·10⁻¹⁵ at n = 6). Without the continuation (the lattice cut at the first node, half
    /// weight there) the same nodes are off by 6·10⁻⁵ at n = 2 and 3·10⁻⁷ at n = 3 (computed).
    @Test func tauGridIntegratesPowerExponentials() {
        for n in 2...6 {
            let lo = WithoutReplacementBlockLaw.tauLowerEnd(drafts: n)
            let step = log(10.0) / WithoutReplacementBlockLaw.tauPointsPerDecade
            let nodes = (0..<Int(log(400 / lo) / step) + 2).map { lo * exp(Double($0) * step) }
            let weights = WithoutReplacementBlockLaw.tauWeights(nodes: nodes, drafts: n)
            for lambda in [0.3, 1, 2, 4] {
                for other in [0.1, 1] {
                    var sum = 0.0
                    for (t, h) in zip(nodes, weights) {
                        sum += h * pow(t, Double(n)) * exp(-lambda * t) * (1 + 0.5 * exp(-other * t))
                    }
                    let factorial = (1...n).reduce(1.0) { $0 * Double($1) }
                    let exact =
                        factorial / pow(lambda, Double(n + 1)) + 0.5 * factorial / pow(lambda + other, Double(n + 1))
                    #expect(abs(sum / exact - 1) <= 5e-15, "n=\(n) λ=\(lambda) λ'=\(other): \(sum) vs \(exact)")
                }
            }
        }
    }

    /// The continuation weights are exact for polynomials of degree < 7: Σ_i δ_i ρ^{ij} = 1/(ρ^{j+1} − 1) (the
    /// lattice sum of (s/s₀)^j), to 1e-14 of the sum's magnitude Σ_i |δ_i| ρ^{ij} (the check itself cancels: up to
    /// 4.5·10⁴ against 0.25).
    @Test func sContinuationIsExactForPolynomials() {
        let delta = WithoutReplacementBlockLaw.sContinuationWeights
        let rho = exp(log(10.0) / WithoutReplacementBlockLaw.sPointsPerDecade)
        for j in 0..<delta.count {
            var sum = 0.0, magnitude = 0.0
            for (i, d) in delta.enumerated() {
                sum += d * pow(rho, Double(i * j))
                magnitude += abs(d) * pow(rho, Double(i * j))
            }
            let exact = 1 / (pow(rho, Double(j + 1)) - 1)
            #expect(abs(sum - exact) <= 1e-14 * magnitude, "degree \(j): \(sum) vs \(exact)")
        }
    }

    /// Without replacement, a block of at least ``RealisedOptimalSelection/largeBlock`` tokens on the tail route is
    /// fitted on coarse evaluations (10⁻¹²) and then precisely: the law it realises is the precise evaluation at its
    /// weights, bit for bit, and differs from the coarse one at those weights (by more than 0 and less than 10⁻¹⁰
    /// relative), so a fit that kept a coarse law fails here; the gap certifies (≤ 1e-12). The roughest level of the
    /// fit's schedule (10⁻⁶, ``RealisedOptimalSelection/coarseLevel(distance:)``) stays within 10⁻⁵ relative.
    /// V = 6,000, n = 4, T = 1.5.
    @Test func coarseFitEndsOnAPreciseLaw() throws {
        var rng = Xoshiro256(seed: 6_000)
        let logits = Distribution.zipfLogits(6_000, exponent: 1.1, noise: 1, using: &rng)
        let p = try Distribution(logits: logits, temperature: 1.5)
        let q = try Distribution(logits: logits.map { $0 + Distribution.gaussian(using: &rng) }, temperature: 1.5)
        let n = 4
        let fit = try RealisedOptimalSelection(
            target: p, law: try DraftLaw.withoutReplacement(q, drafts: n), threads: 2)
        #expect(fit.method == .raceQuadrature)
        let blocks = fit.optimal.blocks
        let index = blocks.indices.max { blocks[$0].range.count < blocks[$1].range.count }!
        let largest = blocks[index]
        try #require(largest.range.count >= RealisedOptimalSelection.largeBlock, "largest block \(largest)")
        #expect(fit.certifiedGap <= 1e-12 && fit.unconvergedBlocks == 0, "gap \(fit.certifiedGap)")
        let environment = try #require(
            WithoutReplacementBlockLaw.environments(
                draftMasses: q.probabilities, order: fit.optimal.order, blocks: blocks.map(\.range), drafts: n,
                wanted: [index])[index])
        let tokens = largest.range.map { fit.optimal.order[$0] }
        let weights = tokens.map { fit.rule.weights[$0] }
        var evaluator = WithoutReplacementBlockLaw.Evaluator(
            environment: environment, draftMasses: tokens.map { q[$0] })
        let precise = evaluator.law(weights: weights, threads: 2, elasticity: true).law
        let coarse = evaluator.law(weights: weights, threads: 2, elasticity: true, coarse: true).law
        #expect(evaluator.coarseEvaluations == 1, "the block takes the tail route")
        let realised = tokens.map { fit.realisedLaw[$0] }
        #expect(realised == precise, "the realised law is the precise evaluation at the fitted weights")
        let difference = zip(coarse, precise).map { abs($0 - $1) / $1 }.max() ?? 0
        #expect(difference > 0 && difference < 1e-10, "coarse vs precise: \(difference)")
        // the roughest level the fit uses (its first steps): within 10⁻⁵ relative of the precise law
        let rough = evaluator.law(weights: weights, threads: 2, coarse: true, coarseTolerance: 1e-6).law
        let roughDifference = zip(rough, precise).map { abs($0 - $1) / $1 }.max() ?? 0
        #expect(roughDifference > difference && roughDifference < 1e-5, "10⁻⁶ vs precise: \(roughDifference)")
        #expect(RealisedOptimalSelection.coarseLevel(distance: 0.1) == 1e-6)
        #expect(RealisedOptimalSelection.coarseLevel(distance: 1e-7) == 1e-10)
        #expect(RealisedOptimalSelection.coarseLevel(distance: 1e-12) == WithoutReplacementBlockLaw.coarseTolerance)
    }

    /// Without replacement at V = 1,200 (race quadrature, tail expansion on the large blocks), n = 2 and 4:
    /// Σ r_w = 1 (1e-12), certified gap ≤ 1e-9, some blocks of several tokens realised at equal weights, and (n = 2)
    /// the same r_w bit for bit with 1 and 2 threads.
    @Test func withoutReplacementAtScale() throws {
        var rng = Xoshiro256(seed: 17)
        let logits = Distribution.zipfLogits(1200, using: &rng)
        let p = try Distribution(logits: logits, temperature: 1)
        let q = try Distribution(logits: logits.map { $0 + 0.5 * Distribution.gaussian(using: &rng) }, temperature: 0.7)
        for n in [2, 4] {
            let law = try DraftLaw.withoutReplacement(q, drafts: n)
            let verifier = try OptimalSelectionVerifier(target: p, law: law, threads: 2)
            #expect(verifier.selection.method == (n == 2 ? .twoDraftPairs : .raceQuadrature))
            let total = verifier.selection.realisedLaw.reduce(0, +)
            #expect(abs(total - 1) < 1e-12, "n=\(n): Σ r_w = \(total)")
            #expect(verifier.certifiedGap <= 1e-9, "n=\(n): gap \(verifier.certifiedGap)")
            // blocks of one run end at equal weights (the closed form in s), losing nothing
            let selection = verifier.selection, weights = selection.rule.weights
            let equalBlocks = selection.optimal.blocks.filter { block in
                block.range.count > 1 && block.range.allSatisfy { weights[selection.optimal.order[$0]] == 1 }
            }
            #expect(!equalBlocks.isEmpty, "n=\(n): no block ended at equal weights")
            guard n == 2 else { continue }
            let single = try OptimalSelectionVerifier(target: p, law: law, threads: 1)
            #expect(single.selection.realisedLaw == verifier.selection.realisedLaw, "n=\(n): thread count changes r_w")
        }
    }
}
