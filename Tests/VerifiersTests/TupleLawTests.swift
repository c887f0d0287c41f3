import MultidraftTesting
import PropertyBased
import Testing
@testable import Verifiers
import Distributions

/// DraftLaw.tupleLaw against an independent brute-force enumeration (every tuple in Vⁿ, probability from the
/// sequential definition of each law).
@Suite struct TupleLawTests {
    static func bruteForce(_ law: DraftLaw, _ tuple: [Int]) -> Double {
        let v = law.vocabularySize
        switch law.kind {
        case .iid(let q): return tuple.reduce(1) { $0 * q[$1] }
        case .independent(let qs): return zip(tuple, qs).reduce(1) { $0 * $1.1[$1.0] }
        case .withoutReplacement(let q):
            var pr = 1.0
            for k in tuple.indices {
                if tuple[..<k].contains(tuple[k]) { return 0 }
                let rest = (0..<v).filter { !tuple[..<k].contains($0) }.map { q[$0] }.reduce(0, +)
                pr *= q[tuple[k]] / rest
            }
            return pr
        case .greedy(let q):
            let top = law.deterministicTokens
            guard Array(tuple.dropLast()) == top, !top.contains(tuple.last!) else { return 0 }
            return q[tuple.last!] / (0..<v).filter { !top.contains($0) }.map { q[$0] }.reduce(0, +)
        case .specHub(let q):
            let a = law.deterministicTokens[0]
            let rest = (0..<v).filter { $0 != a }.map { q[$0] }.reduce(0, +)
            if tuple[1] == a && tuple[0] != a { return q[tuple[0]] }
            if tuple[0] == a && tuple[1] != a { return q[a] * q[tuple[1]] / rest }
            return 0
        case .explicit: return 0
        }
    }

    @Test func matchesBruteForce() async {
        await seededPropertyCheck(count: 40, input: Gen.int(in: 0...1_000_000), Gen.int(in: 2...5), Gen.int(in: 1...3))
        { seed, v, n in
            let (_, q, q2) = Fixtures.instance(seed, vocabulary: v)
            var laws: [DraftLaw] = [
                try! DraftLaw.iid(q, drafts: n), try! DraftLaw.independent((0..<n).map { $0 % 2 == 0 ? q : q2 })
            ]
            if let l = try? DraftLaw.withoutReplacement(q, drafts: n) { laws.append(l) }
            if let l = try? DraftLaw.greedy(q, drafts: n) { laws.append(l) }
            if n == 2, let l = try? DraftLaw.specHub(q) { laws.append(l) }
            for law in laws {
                let tuples = try! law.tupleLaw()
                #expect(abs(tuples.reduce(0) { $0 + $1.probability } - 1) < 1e-12, "\(law.name)")
                #expect(Set(tuples.map(\.tokens)).count == tuples.count, "\(law.name) duplicates")
                #expect(Double(tuples.count) <= law.estimatedTupleCount, "\(law.name) estimate")
                var listed: [[Int]: Double] = [:]
                for t in tuples { listed[t.tokens] = t.probability }
                var all: [[Int]] = [[]]
                for _ in 0..<n { all = all.flatMap { prefix in (0..<v).map { prefix + [$0] } } }
                for t in all {
                    let expected = Self.bruteForce(law, t)
                    #expect(abs((listed[t] ?? 0) - expected) < 1e-14, "\(law.name) \(t)")
                }
            }
        }
    }
}
