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

/// Two drafts without replacement in closed form (``TwoDraws``, ``TwoDraftBlockLaw``): against enumeration of the
/// tuple law, against the race quadrature (an independent derivation) and route against route.
@Suite struct TwoDraftTests {
    /// q(L) and O(L) = Σ_{y∈L} q_y/c_y for the tokens `later`.
    static func context(_ q: Distribution, later: [Int]) -> TwoDraftBlockLaw.Context {
        let (total, c) = TwoDraws.complements(q.probabilities)
        let mass = later.reduce(0.0) { $0 + q[$1] }
        let odds = later.reduce(0.0) { $0 + (q[$1] > 0 ? q[$1] / c[$1] : 0) }
        return TwoDraftBlockLaw.Context(total: total, laterMass: mass, laterOdds: odds)
    }

    /// Q(H_k) for every prefix of a random order equals the subset sum of the enumerated pair law (1e-15), with zeros
    /// in q, and 1 exactly once the prefix holds the support.
    @Test func prefixMassesMatchEnumeration() async {
        await seededPropertyCheck(count: 200, input: Gen.int(in: 0...1_000_000), Gen.int(in: 2...9)) { seed, v in
            var rng = Xoshiro256(seed: UInt64(seed), stream: 21)
            let q = Distribution.dirichlet(v, concentration: 0.6, zeroFraction: seed % 3 == 0 ? 0.3 : 0, using: &rng)
            guard q.supportSize >= 2 else { return }
            var order = Array(0..<v)
            order.shuffle(using: &rng)
            let masses = TwoDraws.prefixMasses(q.probabilities, order: order)
            let tuples = try! DraftLaw.withoutReplacement(q, drafts: 2).tupleLaw()
            var inside = [Bool](repeating: false, count: v)
            for k in 0...v {
                if k > 0 { inside[order[k - 1]] = true }
                let exact = tuples.filter { $0.tokens.allSatisfy { inside[$0] } }.reduce(0.0) { $0 + $1.probability }
                #expect(abs(masses[k] - exact) <= 1e-15, "seed=\(seed) V=\(v) k=\(k): \(masses[k]) vs \(exact)")
                if order[k...].allSatisfy({ q[$0] == 0 }) { #expect(masses[k] == 1, "seed=\(seed) k=\(k)") }
            }
        }
    }

    /// At low temperature (one token holding all but ~10⁻¹⁶ of the mass) Q keeps its tiny values: every prefix
    /// equals the subset sum of the enumerated pair law to 1e-13 relative (the prefix of the 50 light tokens has
    /// Q ≈ 10⁻³², which 1 − Q(complement) could not resolve).
    @Test func prefixMassesAtLowTemperature() throws {
        var rng = Xoshiro256(seed: 5)
        let logits = (0..<50).map { _ in Distribution.gaussian(using: &rng) } + [40]
        let q = try Distribution(logits: logits, temperature: 1)
        let order = Array(0..<q.vocabularySize)
        let masses = TwoDraws.prefixMasses(q.probabilities, order: order)
        let tuples = try DraftLaw.withoutReplacement(q, drafts: 2).tupleLaw()
        for k in 2...q.vocabularySize {
            let exact = tuples.filter { $0.tokens.allSatisfy { $0 < k } }.reduce(0.0) { $0 + $1.probability }
            #expect(abs(masses[k] - exact) <= 1e-13 * exact, "k=\(k): \(masses[k]) vs \(exact)")
        }
        #expect(masses[50] > 0 && masses[50] < 1e-30)
        #expect(masses[q.vocabularySize] == 1)
    }

    /// Every route of the block law equals the enumerated selection law of block priority + Luce (1e-13 relative):
    /// random blocks of random orders (V = 3–9, zeros in q), weights over six decades (pairs and sums routes), and
    /// equal weights (all three routes); each block's closed-form coverage is what the rule selects from it (1e-15).
    @Test func blockLawMatchesEnumeration() async {
        await seededPropertyCheck(count: 120, input: Gen.int(in: 0...1_000_000), Gen.int(in: 3...9)) { seed, v in
            var rng = Xoshiro256(seed: UInt64(seed), stream: 22)
            let q = Distribution.dirichlet(v, concentration: 0.7, zeroFraction: seed % 3 == 0 ? 0.2 : 0, using: &rng)
            guard q.supportSize > 2 else { return }
            var order = Array(0..<v)
            order.shuffle(using: &rng)
            let cuts = Set([0, 1 + Int(rng.next() % UInt64(v - 1)), 1 + Int(rng.next() % UInt64(v - 1)), v]).sorted()
            let ranges = (0..<(cuts.count - 1)).map { cuts[$0]..<cuts[$0 + 1] }
            var blockOf = [Int](repeating: 0, count: v)
            for (b, r) in ranges.enumerated() { for k in r { blockOf[order[k]] = b } }
            let law = try! DraftLaw.withoutReplacement(q, drafts: 2)
            let tuples = try! law.tupleLaw()
            let (_, c) = TwoDraws.complements(q.probabilities)
            for equal in [false, true] {
                let weights = (0..<v).map { _ in equal ? 0.3 : pow(10, -6 * rng.nextUniform()) }
                let exact = BlockLuceSelection(drafts: 2, blockOfToken: blockOf, weights: weights)
                    .selectionLaw(tuples: tuples)
                for (b, r) in ranges.enumerated() {
                    let tokens = r.map { order[$0] }
                    let context = Self.context(q, later: Array(order[r.upperBound...]))
                    // the block's coverage in closed form: what every rule selects from it (Σ_B r_w, any weights)
                    let after = r.map { k in order[(k + 1)...].reduce(0.0) { $0 + q[$1] } }
                    let coverage = TwoDraws.coverage(
                        draftMasses: ArraySlice(tokens.map { q[$0] }), complements: ArraySlice(tokens.map { c[$0] }),
                        massAfter: ArraySlice(after), laterOdds: context.laterOdds, total: context.total)
                    let selected = tokens.reduce(0.0) { $0 + exact[$1] }
                    #expect(abs(coverage - selected) <= 1e-15, "seed=\(seed) block \(b): \(coverage) vs \(selected)")
                    let routes: [TwoDraftBlockLaw.Route] = equal ? [.equalWeights, .pairs, .sums] : [.pairs, .sums]
                    for route in routes {
                        let result = TwoDraftBlockLaw.law(
                            draftMasses: tokens.map { q[$0] }, complements: tokens.map { c[$0] },
                            weights: tokens.map { weights[$0] }, context: context, route: route)
                        for (i, x) in tokens.enumerated() {
                            #expect(
                                abs(result.law[i] - exact[x]) <= 1e-13 * exact[x] + 1e-18,
                                "seed=\(seed) V=\(v) block \(b) \(route) token \(x): \(result.law[i]) vs \(exact[x])")
                        }
                    }
                }
            }
        }
    }

    /// A block of 3,000 tokens (Zipf masses, weights over eight decades): the sums route (taken by default) equals the
    /// exact pair sums (law 1e-13 relative, elasticities 1e-9), and the pairs route's elasticity is the derivative of
    /// its law (central differences, 1e-6).
    @Test func sumsRouteMatchesPairs() throws {
        var rng = Xoshiro256(seed: 31)
        let v = 4_000, m = 3_000
        let logits = Distribution.zipfLogits(v, using: &rng)
        let q = try Distribution(logits: logits, temperature: 1)
        let order = Array((0..<v).shuffled(using: &rng))
        let tokens = Array(order[500..<(500 + m)])
        let (_, c) = TwoDraws.complements(q.probabilities)
        let context = Self.context(q, later: Array(order[(500 + m)...]))
        let weights = tokens.map { _ in pow(10, -8 * rng.nextUniform()) }
        let qs = tokens.map { q[$0] }, cs = tokens.map { c[$0] }
        let sums = TwoDraftBlockLaw.law(
            draftMasses: qs, complements: cs, weights: weights, context: context, elasticity: true)
        #expect(sums.route == .sums)
        let pairs = TwoDraftBlockLaw.law(
            draftMasses: qs, complements: cs, weights: weights, context: context, elasticity: true, route: .pairs)
        var worstLaw = 0.0, worstElasticity = 0.0
        for i in 0..<m {
            worstLaw = max(worstLaw, abs(sums.law[i] - pairs.law[i]) / pairs.law[i])
            worstElasticity = max(worstElasticity, abs(sums.elasticity[i] - pairs.elasticity[i]))
        }
        #expect(worstLaw < 1e-13, "law: \(worstLaw)")
        #expect(worstElasticity < 1e-9, "elasticity: \(worstElasticity)")
        for i in stride(from: 0, to: m, by: 97) {
            let h = 1e-5
            var up = weights, down = weights
            up[i] *= exp(h)
            down[i] *= exp(-h)
            let lawUp = TwoDraftBlockLaw.law(
                draftMasses: qs, complements: cs, weights: up, context: context, route: .pairs
            ).law[i]
            let lawDown = TwoDraftBlockLaw.law(
                draftMasses: qs, complements: cs, weights: down, context: context, route: .pairs
            ).law[i]
            let derivative = (log(lawUp) - log(lawDown)) / (2 * h)
            #expect(
                abs(derivative - pairs.elasticity[i]) < 1e-6 || pairs.elasticity[i] == 0.002,
                "token \(i): \(derivative) vs \(pairs.elasticity[i])")
        }
    }

    /// The closed form and the race quadrature (``WithoutReplacementBlockLaw``, an independent derivation through the
    /// τ and s integrals) give the same law on the blocks of an optimal fit at V = 700, where the tuple law is too
    /// large to enumerate by default: the verifier takes the pair route, certifies (gap ≤ 1e-12) and its realised
    /// law equals the enumerated law of its rule (1e-13) and the race's (1e-12 relative).
    @Test func pairRouteMatchesTheRaceAtScale() throws {
        var rng = Xoshiro256(seed: 41)
        let v = 700
        let logits = Distribution.zipfLogits(v, using: &rng)
        let p = try Distribution(logits: logits, temperature: 1)
        let q = try Distribution(logits: logits.map { $0 + 0.7 * Distribution.gaussian(using: &rng) }, temperature: 1)
        let law = try DraftLaw.withoutReplacement(q, drafts: 2)
        let fit = try RealisedOptimalSelection(target: p, law: law, threads: 2)
        #expect(fit.method == .twoDraftPairs)
        #expect(fit.certifiedGap <= 1e-12 && fit.unconvergedBlocks == 0, "gap \(fit.certifiedGap)")
        let enumerated = fit.rule.selectionLaw(tuples: try law.tupleLaw())
        for x in 0..<v {
            #expect(abs(enumerated[x] - fit.realisedLaw[x]) <= 1e-13 * enumerated[x] + 1e-18, "r_w[\(x)]")
        }
        let blocks = fit.optimal.blocks
        let wanted = blocks.indices.filter { blocks[$0].range.count > 1 }
        #expect(!wanted.isEmpty)
        let environments = WithoutReplacementBlockLaw.environments(
            draftMasses: q.probabilities, order: fit.optimal.order, blocks: blocks.map(\.range), drafts: 2,
            wanted: wanted, threads: 2)
        for b in wanted {
            let tokens = blocks[b].range.map { fit.optimal.order[$0] }
            let race = WithoutReplacementBlockLaw.blockLaw(
                environment: environments[b]!, draftMasses: tokens.map { q[$0] },
                weights: tokens.map { fit.rule.weights[$0] }, threads: 2)
            for (i, x) in tokens.enumerated() {
                #expect(
                    abs(race.law[i] - fit.realisedLaw[x]) <= 1e-12 * fit.realisedLaw[x] + 1e-18,
                    "block \(b) token \(x): race \(race.law[i]) vs pairs \(fit.realisedLaw[x])")
            }
        }
    }
}
