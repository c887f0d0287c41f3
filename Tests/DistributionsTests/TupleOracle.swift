import Distributions

/// Independent test oracle: the probability of every ordered draft tuple, straight from the definitions.
enum TupleOracle {
    static func tuples(_ law: DraftLaw) -> [([Int], Double)] {
        let v = law.vocabularySize, n = law.drafts
        var out: [([Int], Double)] = []
        func all(_ prefix: [Int], _ body: ([Int]) -> Double) {
            if prefix.count == n { let pr = body(prefix); if pr > 0 { out.append((prefix, pr)) }; return }
            for x in 0..<v { all(prefix + [x], body) }
        }
        switch law.kind {
        case .iid(let q):
            all([]) { t in t.reduce(1.0) { $0 * q[$1] } }
        case .independent(let qs):
            all([]) { t in zip(t, qs).reduce(1.0) { $0 * $1.1[$1.0] } }
        case .withoutReplacement(let q):
            all([]) { t in
                guard Set(t).count == t.count else { return 0 }
                var pr = 1.0
                for k in 0..<t.count {
                    let remaining = (0..<v).filter { !t[0..<k].contains($0) }.reduce(0.0) { $0 + q[$1] }
                    pr *= q[t[k]] / remaining
                }
                return pr
            }
        case .greedy(let q):
            let top = law.deterministicTokens
            let rest = (0..<v).filter { !top.contains($0) }.reduce(0.0) { $0 + q[$1] }
            for x in 0..<v where !top.contains(x) && q[x] > 0 { out.append((top + [x], q[x] / rest)) }
        case .specHub(let q):
            let a = law.deterministicTokens[0]
            let rest = (0..<v).filter { $0 != a }.reduce(0.0) { $0 + q[$1] }
            for i in 0..<v where i != a && q[i] > 0 {
                out.append(([i, a], q[i]))
                out.append(([a, i], q[a] * q[i] / rest))
            }
        case .explicit(let e):
            out = Array(zip(e.tuples, e.probabilities))
        }
        return out
    }

    /// Q_set by aggregating tuples.
    static func setLaw(_ law: DraftLaw) -> [[Int]: Double] {
        var m: [[Int]: Double] = [:]
        for (t, pr) in tuples(law) { m[Array(Set(t)).sorted(), default: 0] += pr }
        return m
    }

    /// Q(H) by summing tuples inside H.
    static func subsetMass(_ law: DraftLaw, _ mask: [Bool]) -> Double {
        tuples(law).filter { $0.0.allSatisfy { mask[$0] } }.reduce(0) { $0 + $1.1 }
    }

    /// Every law on (q, n) that accepts these parameters.
    static func laws(_ q: Distribution, _ q2: Distribution, drafts n: Int) -> [DraftLaw] {
        var laws: [DraftLaw] = []
        if let l = try? DraftLaw.iid(q, drafts: n) { laws.append(l) }
        if let l = try? DraftLaw.withoutReplacement(q, drafts: n) { laws.append(l) }
        if let l = try? DraftLaw.greedy(q, drafts: n) { laws.append(l) }
        if n == 2, let l = try? DraftLaw.specHub(q) { laws.append(l) }
        if let l = try? DraftLaw.independent(Array(repeating: [q, q2], count: n).flatMap { $0 }.prefix(n).map { $0 }) {
            laws.append(l)
        }
        return laws
    }
}
