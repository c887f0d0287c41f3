import Foundation
import MultidraftTesting
import PropertyBased
import Testing
@testable import AcceptanceBounds
@testable import Solvers
import MultidraftSupport
import Distributions

/// The max-flow route and exact submodular minimisation against the LP and brute force over all subsets.
@Suite struct FlowAndSubmodularTests {
    /// A textbook network (Cormen et al., Fig. 26.6): maximum flow 23, minimum cut {s, v1, v2, v4}.
    @Test func dinicOnTextbookNetwork() {
        var g = FlowNetwork(nodeCount: 6) // s = 0, v1..v4 = 1..4, t = 5
        for (u, v, c) in [
            (0, 1, 16.0), (0, 2, 13.0), (2, 1, 4.0), (1, 3, 12.0), (3, 2, 9.0), (2, 4, 14.0),
            (4, 3, 7.0), (3, 5, 20.0), (4, 5, 4.0)
        ] {
            g.addArc(from: u, to: v, capacity: c)
        }
        let r = g.maximumFlow(source: 0, sink: 5)
        #expect(r.value == 23)
        #expect(r.cutCapacity == 23)
        #expect(r.sourceSide == [true, true, true, false, true, false])
        // Conservation at every inner node, capacities respected.
        var net = [Double](repeating: 0, count: 6)
        for a in 0..<g.arcCount {
            #expect(r.flow[a] >= 0 && r.flow[a] <= g.capacities[a])
            net[Int(g.tails[a])] -= r.flow[a]; net[Int(g.heads[a])] += r.flow[a]
        }
        for v in 1...4 { #expect(net[v] == 0) }
    }

    /// Infinite middle arcs and a zero-capacity arc: the flow is bounded by the sink side.
    @Test func dinicWithInfiniteArcs() {
        var g = FlowNetwork(nodeCount: 4)
        g.addArc(from: 0, to: 1, capacity: 0.75)
        g.addArc(from: 1, to: 2, capacity: .infinity)
        g.addArc(from: 2, to: 3, capacity: 0.5)
        g.addArc(from: 0, to: 2, capacity: 0)
        let r = g.maximumFlow(source: 0, sink: 3)
        #expect(r.value == 0.5)
        #expect(r.sourceSide == [true, true, true, false])
    }

    /// Random networks (4–9 nodes; direct source → sink arcs, arcs into the source and out of the sink, parallel
    /// arcs, self-loops, infinite and zero capacities): the flow value equals the minimum over all 2^(N−2) cuts
    /// (brute force, relative 1e-12), the returned cut has that capacity, and the flow is feasible and conserved
    /// (1e-12). Covers the short-path pre-pass and the phases on networks unlike the transport graphs.
    @Test func dinicEqualsBruteForceMinimumCut() {
        var rng = Xoshiro256(seed: 20_261_207)
        for instance in 0..<300 {
            let n = 4 + Int(rng.next() % 6), source = 0, sink = n - 1
            var g = FlowNetwork(nodeCount: n)
            let arcs = 2 + Int(rng.next() % UInt64(3 * n))
            for _ in 0..<arcs {
                let u = Int(rng.next() % UInt64(n)), v = Int(rng.next() % UInt64(n))
                let kind = rng.next() % 10
                let c = kind == 0 ? Double.infinity : kind == 1 ? 0 : Double(rng.next() % 1000) / 97
                g.addArc(from: u, to: v, capacity: c)
            }
            // A finite route always exists to keep the value finite: cap every arc out of the source.
            var bounded = FlowNetwork(nodeCount: n)
            for a in 0..<g.arcCount {
                let u = Int(g.tails[a]), v = Int(g.heads[a])
                bounded.addArc(
                    from: u, to: v, capacity: u == source && g.capacities[a] == .infinity ? 5 : g.capacities[a])
            }
            let r = bounded.maximumFlow(source: source, sink: sink)
            var best = Double.infinity
            for mask in 0..<(1 << (n - 2)) {
                var side = [Bool](repeating: false, count: n)
                side[source] = true
                for v in 1..<(n - 1) where mask & (1 << (v - 1)) != 0 { side[v] = true }
                var capacity = 0.0
                for a in 0..<bounded.arcCount where side[Int(bounded.tails[a])] && !side[Int(bounded.heads[a])] {
                    capacity += bounded.capacities[a]
                }
                best = min(best, capacity)
            }
            let scale = max(1, best)
            #expect(abs(r.value - best) <= 1e-12 * scale, "instance \(instance): flow \(r.value), minimum cut \(best)")
            #expect(
                abs(r.cutCapacity - best) <= 1e-12 * scale,
                "instance \(instance): cut \(r.cutCapacity), minimum \(best)")
            var net = [Double](repeating: 0, count: n)
            for a in 0..<bounded.arcCount {
                #expect(r.flow[a] >= 0 && r.flow[a] <= bounded.capacities[a])
                net[Int(bounded.tails[a])] -= r.flow[a]; net[Int(bounded.heads[a])] += r.flow[a]
            }
            for v in 1..<(n - 1) {
                #expect(abs(net[v]) <= 1e-12 * scale, "instance \(instance): node \(v) not conserved")
            }
        }
    }

    static func laws(_ q: Distribution, _ q2: Distribution, _ q3: Distribution, _ n: Int, _ v: Int) -> [DraftLaw] {
        var laws = AcceptancePropertyTests.laws(q, q2, n)
        if let l = try? DraftLaw.independent([q, q2, q3].prefix(max(2, n)).map { $0 }) { laws.append(l) }
        // An explicit law: a few random tuples with random probabilities.
        var rng = Xoshiro256(seed: UInt64(v * 31 + n))
        let tuples = (0..<5).map { _ in (0..<n).map { _ in Int(rng.next() % UInt64(v)) } }
        let weights = (0..<5).map { _ in Double(rng.next() % 1000 + 1) }
        let total = weights.reduce(0, +)
        if let e = try? ExplicitDraftLaw(vocabularySize: v, tuples: tuples, probabilities: weights.map { $0 / total }) {
            laws.append(.explicit(e))
        }
        return laws
    }

    /// LP (interior point + repair, and simplex) = flow = SFM = brute force over all 2^V subsets (1e-9) for every law; the flow's minimum cut and the SFM
    /// minimiser reproduce alpha* (1e-12); the SFM certificate brackets the brute-force value with gap ≤ 1e-12.
    @Test func everyRouteAgreesWithBruteForce() async {
        await seededPropertyCheck(count: 50, input: Gen.int(in: 0...1_000_000), Gen.int(in: 2...10), Gen.int(in: 1...3))
        { seed, v, n in
            let (p, q, q2) = AcceptancePropertyTests.instance(seed, vocabulary: v)
            var rng = Xoshiro256(seed: UInt64(seed) &+ 17)
            let q3 = Distribution.dirichlet(v, concentration: 0.3, using: &rng)
            for law in Self.laws(q, q2, q3, n, v) {
                let brute = try! optimalAcceptance(target: p, law: law, method: .bruteForce).alpha
                let lp = try! optimalAcceptance(target: p, law: law, method: .lp)
                let simplex = try! optimalAcceptance(target: p, law: law, method: .lp, lpAlgorithm: .simplex)
                #expect(abs(simplex.alpha - brute) < 1e-9, "\(law.name) lp simplex")
                #expect(lp.upper - lp.lower <= 1e-12, "\(law.name) lp (interior + repair) gap \(lp.upper - lp.lower)")
                let flow = try! optimalAcceptance(target: p, law: law, method: .flow)
                let sfm = try! optimalAcceptance(target: p, law: law, method: .sfm)
                #expect(abs(lp.alpha - brute) < 1e-9, "\(law.name) lp")
                #expect(abs(flow.alpha - brute) < 1e-9, "\(law.name) flow \(flow.alpha) brute \(brute)")
                #expect(abs(sfm.alpha - brute) < 1e-9, "\(law.name) sfm \(sfm.alpha) brute \(brute)")
                #expect(abs(flow.certificateValue - brute) < 1e-12, "\(law.name) min cut value")
                #expect(flow.lower <= brute + 1e-12 && flow.upper >= brute - 1e-12, "\(law.name) flow bracket")
                #expect(abs(sfm.certificateValue - brute) < 1e-12, "\(law.name) sfm minimiser value")
                #expect(sfm.lower <= brute + 1e-12 && sfm.upper >= brute - 1e-12, "\(law.name) sfm bracket")
                #expect(sfm.upper - sfm.lower <= 1e-12, "\(law.name) sfm gap \(sfm.upper - sfm.lower)")
            }
        }
    }

    /// The SFM certificate is a genuine point of the base polytope: rebuilt from its orders and weights, it equals
    /// the reported point, and Σ min(0, x) is the reported lower value.
    @Test func submodularCertificateRebuildsFromItsVertices() throws {
        var rng = Xoshiro256(seed: 5)
        let v = 40
        let p = Distribution.dirichlet(v, concentration: 0.5, using: &rng)
        let qs = (0..<3).map { _ in Distribution.dirichlet(v, concentration: 0.4, using: &rng) }
        let law = try DraftLaw.independent(qs)
        let objective = try SubsetObjective(target: p, law: law)
        let result = SubmodularMinimizer(groundSize: v, vertex: objective.greedyVertex)
            .minimize(initialOrders: objective.startingOrders())
        #expect(result.converged)
        #expect(abs(result.weights.reduce(0, +) - 1) < 1e-12)
        #expect(result.weights.allSatisfy { $0 > 0 })
        var x = [Double](repeating: 0, count: v)
        for (order, w) in zip(result.orders, result.weights) {
            #expect(order.sorted() == Array(0..<v))
            let y = objective.greedyVertex(order)
            for t in 0..<v { x[t] += w * y[t] }
        }
        for t in 0..<v { #expect(abs(x[t] - result.point[t]) < 1e-14) }
        #expect(abs(x.reduce(0) { $0 + min(0, $1) } - result.lower) < 1e-14)
        // Every greedy vertex sums to F(V) = p(V) − Q(V) = 0.
        for order in result.orders { #expect(abs(objective.greedyVertex(order).reduce(0, +)) < 1e-14) }
        // The flow on the same instance agrees.
        let flow = try optimalAcceptance(target: p, law: law, method: .flow)
        #expect(abs(flow.alpha - (1 + result.upper)) < 1e-12)
    }

    /// Independent drafts beyond the LP (V = 600, 180,000 draft sets for the flow): flow = SFM to 1e-11, the SFM
    /// gap ≤ 1e-12, and alpha* ≥ the identical-draft alpha* of neither draft is implied — only the bracket is.
    @Test func independentDraftsFlowEqualsSubmodular() throws {
        var rng = Xoshiro256(seed: 11)
        let v = 600
        let logits = (0..<v).map { -1.1 * log(Double($0 + 1)) + Double(Int(rng.next() % 1000)) / 1000 }
        let p = try Distribution(logits: logits, temperature: 1)
        let q1 = try Distribution(logits: logits.map { $0 + Double(Int(rng.next() % 600)) / 1000 }, temperature: 1.2)
        let q2 = try Distribution(logits: logits.map { $0 + Double(Int(rng.next() % 600)) / 1000 }, temperature: 2.0)
        let law = try DraftLaw.independent([q1, q2])
        let flow = try optimalAcceptance(target: p, law: law, method: .flow)
        let sfm = try optimalAcceptance(target: p, law: law, method: .sfm)
        #expect(abs(flow.alpha - sfm.alpha) < 1e-11, "flow \(flow.alpha) sfm \(sfm.alpha)")
        #expect(sfm.upper - sfm.lower <= 1e-12)
        #expect(abs(sfm.certificateValue - sfm.alpha) < 1e-13)
        #expect(flow.upper - flow.lower <= 1e-12)
    }

    /// A target and n independent draft laws on V tokens, Dirichlet with concentrations and zero entries varying
    /// with the seed (the instance family of the brute-force checks below).
    static func independentInstance(
        seed: Int, vocabulary v: Int, drafts n: Int, using rng: inout Xoshiro256
    )
        -> (Distribution, [Distribution])
    {
        let p = Distribution.dirichlet(
            v, concentration: [0.2, 0.5, 1, 3][seed % 4],
            zeroFraction: seed % 3 == 0 ? 0.2 : 0, using: &rng)
        let qs = (0..<n).map { i in
            Distribution.dirichlet(
                v, concentration: [0.3, 1, 2][(seed + i) % 3],
                zeroFraction: (seed + i) % 4 == 0 ? 0.25 : 0, using: &rng)
        }
        return (p, qs)
    }

    /// The AM–GM dual of ``ProductDualBound`` against brute force over all 2^V subsets (V ≤ 12, 2–4 independent
    /// drafts with zeros): for random weights c (Π c = 1) the scan's L(c) never exceeds min F (the theorem), the
    /// iteration's bracket always contains min F, its set has value `upper`, and `certifiedMinimum` closes the gap
    /// (≤ 1e-12) by one route or the other.
    @Test func productDualBoundBracketsBruteForce() async {
        await seededPropertyCheck(count: 80, input: Gen.int(in: 0...1_000_000), Gen.int(in: 2...12), Gen.int(in: 2...4))
        { seed, v, n in
            var rng = Xoshiro256(seed: UInt64(seed), stream: 5)
            let (p, qs) = Self.independentInstance(seed: seed, vocabulary: v, drafts: n, using: &rng)
            let law = try! DraftLaw.independent(qs)
            let minF = try! optimalAcceptance(target: p, law: law, method: .bruteForce).alpha - 1
            for _ in 0..<5 {
                let logs = (0..<n).map { _ in 4 * rng.nextUniform() - 2 }
                let mean = logs.reduce(0, +) / Double(n)
                let c = logs.map { exp($0 - mean) }
                let scan = ProductDualBound.scan(target: p, drafts: qs, weights: c)
                #expect(
                    scan.lower <= minF + 1e-14, "seed=\(seed) V=\(v) n=\(n): L(c) = \(scan.lower) > min F = \(minF)")
            }
            let dual = ProductDualBound.minimize(target: p, drafts: qs)
            #expect(dual.lower <= minF + 1e-14 && dual.upper >= minF - 1e-14, "seed=\(seed) V=\(v) n=\(n): bracket")
            #expect(abs(subsetBoundValue(target: p, law: law, set: dual.minimizer) - 1 - dual.upper) < 1e-14)
            let certified = try! SubsetObjective(target: p, law: law).certifiedMinimum()
            #expect(certified.converged && certified.gap <= 1e-12, "seed=\(seed) V=\(v) n=\(n): gap \(certified.gap)")
            #expect(certified.lower <= minF + 1e-14, "seed=\(seed) V=\(v) n=\(n): \(certified.route) lower above min F")
            #expect(abs(certified.upper - minF) < 1e-12, "seed=\(seed) V=\(v) n=\(n): \(certified.upper) vs \(minF)")
        }
    }

    /// An LLM-style target (Zipf-like logits at temperature 1) and the draft family's logits (the target's plus
    /// N(0, 0.7²) noise), to be softmaxed at the drafts' temperatures.
    static func llmStyleFamily(vocabulary v: Int, seed: UInt64) throws -> (Distribution, [Double]) {
        var rng = Xoshiro256(seed: seed)
        let logits = Distribution.zipfLogits(v, using: &rng)
        return (
            try Distribution(logits: logits, temperature: 1),
            logits.map { $0 + 0.7 * Distribution.gaussian(using: &rng) }
        )
    }

    /// Independent drafts at V = 32,000 (one LLM-style draft family at temperatures 1.2, 1.6, …; target at 1.0),
    /// n = 2, 4 and 8: `sfm` closes through the AM–GM dual with gap ≤ 1e-12, its set reproduces alpha*
    /// (p(H) + 1 − Π q_i(H), 1e-13), and alpha* is at least the exact acceptance of recursive rejection sampling.
    @Test func independentDraftsAtVocabularyScale() throws {
        let (p, noisy) = try Self.llmStyleFamily(vocabulary: 32_000, seed: 32)
        for n in [2, 4, 8] {
            let qs = try (0..<n).map { try Distribution(logits: noisy, temperature: 1.2 + 0.4 * Double($0)) }
            let law = try DraftLaw.independent(qs)
            let objective = try SubsetObjective(target: p, law: law)
            let result = objective.certifiedMinimum()
            #expect(result.route == .productDual, "n=\(n)")
            #expect(result.gap <= 1e-12, "n=\(n): gap \(result.gap)")
            let bound = try optimalAcceptance(target: p, law: law, method: .sfm)
            #expect(abs(bound.certificateValue - bound.alpha) < 1e-13, "n=\(n)")
            var product = 1.0
            for q in qs { product *= bound.certificate.reduce(0) { $0 + q[$1] } }
            let direct = bound.certificate.reduce(0) { $0 + p[$1] } + 1 - product
            #expect(abs(direct - bound.alpha) < 1e-13, "n=\(n): \(direct) vs \(bound.alpha)")
            // Recursive rejection sampling: 1 − Π_i (1 − a_i), a_i = Σ min(r_{i−1}, q_i), r_i ∝ (r_{i−1} − q_i)_+.
            var residual = p.probabilities, rejected = 1.0
            for q in qs {
                let excess = zip(residual, q.probabilities).map { max(0, $0 - $1) }
                let total = excess.reduce(0, +)
                rejected *= total
                if total > 0 { residual = excess.map { $0 / total } }
            }
            let rrs = 1 - rejected
            #expect(rrs <= bound.alpha + 1e-12, "n=\(n): RRS \(rrs) above alpha* \(bound.alpha)")
        }
    }

    /// Contraction closes the minimum-norm point's bracket (independent drafts): started from a Wolfe run stopped
    /// after one iteration, the contracted minimum equals brute force over all 2^V subsets (V ≤ 12, 2–4 drafts, zeros,
    /// p = q) to 1e-13, its set has the value it reports, and every decision it made was sound (the bracket contains
    /// min F).
    @Test func contractionAgreesWithBruteForce() async {
        await seededPropertyCheck(
            count: 120, input: Gen.int(in: 0...1_000_000), Gen.int(in: 2...12), Gen.int(in: 2...4)
        ) { seed, v, n in
            var rng = Xoshiro256(seed: UInt64(seed), stream: 9)
            let (p, drawn) = Self.independentInstance(seed: seed, vocabulary: v, drafts: n, using: &rng)
            var qs = drawn
            if seed % 7 == 0 { qs[0] = p }
            let law = try! DraftLaw.independent(qs)
            let minF = try! optimalAcceptance(target: p, law: law, method: .bruteForce).alpha - 1
            let objective = try! SubsetObjective(target: p, law: law)
            let start = objective.minimize(tolerance: 1e-12, maxIterations: 1, dualWeights: nil)
            for limit in [0, 3, 20] {
                let c = try! #require(
                    objective.contractedMinimum(
                        from: start, tolerance: 1e-12, maxIterations: 2_000,
                        enumerationLimit: limit))
                Self.expectCertified(c, minimum: minF, target: p, law: law, "seed=\(seed) V=\(v) n=\(n) limit \(limit)")
            }
        }
    }

    /// A certified minimum of F = p(H) − Q(H) against brute force `minimum`: its bracket contains it (1e-13), it
    /// closes to ≤ 1e-12, and its set has the value reported (1e-13).
    static func expectCertified(
        _ c: SubsetObjective.CertifiedMinimum, minimum: Double, target p: Distribution, law: DraftLaw, _ label: String
    ) {
        #expect(
            c.lower <= minimum + 1e-13 && c.upper >= minimum - 1e-13,
            "\(label): [\(c.lower), \(c.upper)] vs \(minimum)")
        #expect(c.converged && c.gap <= 1e-12, "\(label): gap \(c.gap)")
        #expect(
            abs(subsetBoundValue(target: p, law: law, set: c.minimizer) - 1 - c.upper) < 1e-13,
            "\(label): the set does not have the value reported")
    }

    /// At V = 300 with two drafts far apart in temperature (where the AM–GM dual leaves a gap), contraction from a
    /// five-iteration Wolfe run certifies min F to ≤ 1e-12 and agrees with the exact max-flow route (1e-12).
    @Test func contractionAgreesWithFlowAtScale() throws {
        let (p, noisy) = try Self.llmStyleFamily(vocabulary: 300, seed: 77)
        for (t1, t2) in [(1.2, 2.4), (1.2, 1.25), (0.8, 3.0)] {
            let law = try DraftLaw.independent([
                try Distribution(logits: noisy, temperature: t1),
                try Distribution(logits: noisy, temperature: t2)
            ])
            let objective = try SubsetObjective(target: p, law: law)
            let start = objective.minimize(tolerance: 1e-12, maxIterations: 5, dualWeights: nil)
            let c = try #require(objective.contractedMinimum(from: start, tolerance: 1e-12, maxIterations: 2_000))
            let flow = try optimalAcceptance(target: p, law: law, method: .flow)
            #expect(c.converged && c.gap <= 1e-12, "(\(t1), \(t2)): gap \(c.gap)")
            #expect(abs(1 + c.upper - flow.alpha) <= 1e-12, "(\(t1), \(t2)): \(1 + c.upper) vs flow \(flow.alpha)")
            #expect(abs(subsetBoundValue(target: p, law: law, set: c.minimizer) - 1 - c.upper) < 1e-13)
        }
    }

    /// The branch and bound over t = q₁(H) for two independent drafts: its bracket contains brute force over all 2^V
    /// subsets and closes to ≤ 1e-12 (V ≤ 12, zeros, p = q), its set has the value reported; at V = 300 it equals
    /// the exact flow on the pairs where the AM–GM dual leaves a gap.
    @Test func pairParametricAgreesWithBruteForceAndFlow() async throws {
        await seededPropertyCheck(count: 150, input: Gen.int(in: 0...1_000_000), Gen.int(in: 2...12)) { seed, v in
            var rng = Xoshiro256(seed: UInt64(seed), stream: 13)
            let (p, drawn) = Self.independentInstance(seed: seed, vocabulary: v, drafts: 2, using: &rng)
            var qs = drawn
            if seed % 5 == 0 { qs[1] = p }
            if seed % 11 == 0 { qs[0] = qs[1] }
            let law = try! DraftLaw.independent(qs)
            let minF = try! optimalAcceptance(target: p, law: law, method: .bruteForce).alpha - 1
            let c = try! #require(try! SubsetObjective(target: p, law: law).pairParametricMinimum(tolerance: 1e-12))
            Self.expectCertified(c, minimum: minF, target: p, law: law, "seed=\(seed) V=\(v)")
        }
        let (p, noisy) = try Self.llmStyleFamily(vocabulary: 300, seed: 78)
        for (t1, t2) in [(1.2, 2.4), (1.2, 1.25), (0.8, 3.0), (1.0, 1.0)] {
            let law = try DraftLaw.independent([
                try Distribution(logits: noisy, temperature: t1),
                try Distribution(logits: noisy, temperature: t2)
            ])
            let c = try #require(try SubsetObjective(target: p, law: law).pairParametricMinimum(tolerance: 1e-12))
            let flow = try optimalAcceptance(target: p, law: law, method: .flow)
            #expect(c.converged && c.gap <= 1e-12, "(\(t1), \(t2)): gap \(c.gap)")
            #expect(abs(1 + c.upper - flow.alpha) <= 1e-12, "(\(t1), \(t2)): \(1 + c.upper) vs flow \(flow.alpha)")
        }
    }
}
