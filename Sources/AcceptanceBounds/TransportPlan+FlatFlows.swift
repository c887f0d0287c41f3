import MultidraftNumerics
import Distributions

/// The flows of a transport plan in one array: `values[offsets[s] + k]` = z(sets[s], sets[s].tokens[k]).
///
/// The repair, the minimum cut and the certificate check work on this layout: a law with ~10⁵ draft sets would
/// otherwise allocate, retain and release ~10⁵ small arrays per pass (measured: more than half of the max-flow
/// route's time at V = 300 before this layout); the set's tokens and masses ride along for the same reason.
/// ``TransportPlan`` keeps its nested `flows` for its users.
struct FlatFlows {
    /// offsets[s] ..< offsets[s + 1] are the entries of set s (count + 1 offsets).
    let offsets: [Int]
    /// tokens[offsets[s] + k] = sets[s].tokens[k]; masses[s] = Q_set(sets[s]).
    let tokens: [Int]
    let masses: [Double]
    var values: [Double]

    /// Zero flows shaped like `sets`.
    init(shapeOf sets: [DraftSet]) {
        var offsets = [Int](repeating: 0, count: sets.count + 1)
        var tokens = [Int](), masses = [Double](repeating: 0, count: sets.count)
        for s in sets.indices {
            let set = sets[s]
            offsets[s + 1] = offsets[s] + set.tokens.count
            tokens.append(contentsOf: set.tokens)
            masses[s] = set.mass
        }
        self.offsets = offsets
        self.tokens = tokens
        self.masses = masses
        values = [Double](repeating: 0, count: offsets[sets.count])
    }

    /// The flows `nested[s][k]` of `sets`.
    init(sets: [DraftSet], nested: [[Double]]) {
        self.init(shapeOf: sets)
        for s in nested.indices {
            precondition(nested[s].count == offsets[s + 1] - offsets[s], "flows[\(s)] does not match its set")
            for (k, x) in nested[s].enumerated() { values[offsets[s] + k] = x }
        }
    }

    var count: Int { masses.count }

    var nested: [[Double]] {
        (0..<(offsets.count - 1)).map { Array(values[offsets[$0]..<offsets[$0 + 1]]) }
    }

    /// Σ_k z(S_s, k), summed left to right from 0 (as `Array.reduce(0, +)`).
    @inline(__always)
    func rowSum(_ s: Int) -> Double {
        var total = 0.0
        for i in offsets[s]..<offsets[s + 1] { total += values[i] }
        return total
    }
}

extension TransportPlan {
    /// Makes `flows` exactly feasible: clip at 0, scale each set's row down to Q_set(S), then each token's column down
    /// to p(j). Values change only where they must (rounding of a maximum flow leaves most rows untouched).
    static func repair(flows: inout FlatFlows, target p: Distribution) {
        for i in flows.values.indices where !(flows.values[i] >= 0) { flows.values[i] = max(0, flows.values[i]) }
        for s in 0..<flows.count {
            let total = flows.rowSum(s), mass = flows.masses[s]
            if total > mass, total > 0 {
                for i in flows.offsets[s]..<flows.offsets[s + 1] { flows.values[i] = flows.values[i] * mass / total }
            }
        }
        var column = [Double](repeating: 0, count: p.vocabularySize)
        for i in flows.values.indices { column[flows.tokens[i]] += flows.values[i] }
        var scale = [Double](repeating: 1, count: p.vocabularySize)
        var anyScaled = false
        for j in 0..<p.vocabularySize where column[j] > p[j] && column[j] > 0 {
            scale[j] = p[j] / column[j]; anyScaled = true
        }
        guard anyScaled else { return }
        for i in flows.values.indices where scale[flows.tokens[i]] != 1 { flows.values[i] *= scale[flows.tokens[i]] }
    }

    /// (Σ z, p(j) − Σ_S z(S, j) clipped at 0), summed in set order.
    static func acceptedAndResidual(flows: FlatFlows, target p: Distribution) -> (accepted: Double, residual: [Double])
    {
        var accepted = 0.0
        var used = [Double](repeating: 0, count: p.vocabularySize)
        for i in flows.values.indices {
            used[flows.tokens[i]] += flows.values[i]
            accepted += flows.values[i]
        }
        return (accepted, (0..<p.vocabularySize).map { max(0, p[$0] - used[$0]) })
    }

    /// The minimum cut of ``minimumCut(vocabularySize:tolerance:)`` on the flat layout.
    static func minimumCut(flows: FlatFlows, vocabularySize: Int, tolerance: Double) -> [Int] {
        var setReached = [Bool](repeating: false, count: flows.count)
        var tokenReached = [Bool](repeating: false, count: vocabularySize)
        // The sets carrying positive flow to each token, in CSR form (arcs j → S of the residual network).
        var first = [Int](repeating: 0, count: vocabularySize + 1)
        for i in flows.values.indices where flows.values[i] > tolerance { first[flows.tokens[i] + 1] += 1 }
        for j in 0..<vocabularySize { first[j + 1] += first[j] }
        var fill = first
        var carriers = [Int](repeating: 0, count: first[vocabularySize])
        for s in 0..<flows.count {
            for i in flows.offsets[s]..<flows.offsets[s + 1] where flows.values[i] > tolerance {
                carriers[fill[flows.tokens[i]]] = s; fill[flows.tokens[i]] += 1
            }
        }
        var queue: [Int] = []
        for s in 0..<flows.count {
            let mass = flows.masses[s]
            if mass - flows.rowSum(s) > tolerance * max(1, mass) { setReached[s] = true; queue.append(s) }
        }
        var head = 0
        while head < queue.count {
            let s = queue[head]; head += 1
            for j in flows.tokens[flows.offsets[s]..<flows.offsets[s + 1]] where !tokenReached[j] {
                tokenReached[j] = true
                for s2 in carriers[first[j]..<first[j + 1]] where !setReached[s2] {
                    setReached[s2] = true
                    queue.append(s2)
                }
            }
        }
        return (0..<vocabularySize).filter { tokenReached[$0] }
    }

    /// The certificate of ``certificate(target:law:)`` on the flat layout: the better of the flows' minimum cut and
    /// the token set {j : tokenDuals[j] > 1/2}.
    static func certificate(
        flows: FlatFlows, acceptedMass: Double, tokenDuals: [Double],
        target p: Distribution, law: DraftLaw
    ) -> (set: [Int], value: Double) {
        let cut = minimumCut(flows: flows, vocabularySize: p.vocabularySize, tolerance: 1e-12)
        let dualSet = (0..<p.vocabularySize).filter { tokenDuals[$0] > 0.5 }
        let candidates = [cut, dualSet].map { ($0, subsetBoundValue(target: p, law: law, set: $0)) }
        return candidates.min { abs($0.1 - acceptedMass) < abs($1.1 - acceptedMass) }!
    }

    /// The checks of ``verify(target:law:)`` on the flat layout; returns the certificate.
    static func verified(
        flows: FlatFlows, acceptedMass: Double, tokenDuals: [Double],
        target p: Distribution, law: DraftLaw
    ) throws -> (set: [Int], value: Double) {
        var total = 0.0, compensation = 0.0
        for mass in flows.masses { compensatedAdd(&total, &compensation, mass) }
        guard total.isFinite, abs(total - 1) <= 1e-9 else {
            throw AcceptanceError.lpUnverified(
                detail:
                    "the draft-set masses of the \(law.name) law with n = \(law.drafts) sum to \(total), not 1 (they cannot be computed accurately at this size)"
            )
        }
        guard acceptedMass.isFinite else {
            throw AcceptanceError.lpUnverified(detail: "the plan's accepted mass is \(acceptedMass)")
        }
        let best = certificate(flows: flows, acceptedMass: acceptedMass, tokenDuals: tokenDuals, target: p, law: law)
        guard best.value.isFinite, abs(best.value - acceptedMass) <= verificationTolerance else {
            throw AcceptanceError.lpUnverified(
                detail:
                    "the LP's value \(acceptedMass) is not confirmed by its certificate (p(H) + 1 - Q(H) = \(best.value))"
            )
        }
        return best
    }
}
