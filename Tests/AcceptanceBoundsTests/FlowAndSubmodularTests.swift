import Foundation
import PropertyBased
import Testing
@testable import AcceptanceBounds
@testable import LinearProgramming
import MultidraftSupport
import Distributions

/// The max-flow route and exact submodular minimisation against the LP and brute force over all subsets.
@Suite struct FlowAndSubmodularTests {
    /// A textbook network (Cormen et al., Fig. 26.6): maximum flow 23, minimum cut {s, v1, v2, v4}.
    @Test func dinicOnTextbookNetwork() {
        var g = FlowNetwork(nodeCount: 6)   // s = 0, v1..v4 = 1..4, t = 5
        for (u, v, c) in [(0, 1, 16.0), (0, 2, 13.0), (2, 1, 4.0), (1, 3, 12.0), (3, 2, 9.0), (2, 4, 14.0),
                          (4, 3, 7.0), (3, 5, 20.0), (4, 5, 4.0)] {
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

    /// LP = flow = SFM = brute force over all 2^V subsets (1e-9) for every law; the flow's minimum cut and the SFM
    /// minimiser reproduce alpha* (1e-12); the SFM certificate brackets the brute-force value with gap ≤ 1e-12.
    @Test func everyRouteAgreesWithBruteForce() async {
        await propertyCheck(count: 50, input: Gen.int(in: 0...1_000_000), Gen.int(in: 2...10), Gen.int(in: 1...3)) { seed, v, n in
            let (p, q, q2) = AcceptancePropertyTests.instance(seed, vocabulary: v)
            var rng = Xoshiro256(seed: UInt64(seed) &+ 17)
            let q3 = Distribution.dirichlet(v, concentration: 0.3, using: &rng)
            for law in Self.laws(q, q2, q3, n, v) {
                let brute = try! optimalAcceptance(target: p, law: law, method: .bruteForce).alpha
                let lp = try! optimalAcceptance(target: p, law: law, method: .lp)
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
}
