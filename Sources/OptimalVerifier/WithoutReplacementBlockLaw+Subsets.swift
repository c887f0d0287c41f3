import Foundation

extension WithoutReplacementBlockLaw {
    /// The integrals of ``directIntegrals(env:q:w:threads:first:)`` with the Luce-clock integral in closed form, for
    /// small blocks [derived here].
    ///
    /// At a fixed race time τ the block's other tokens enter [u^{n−1}] M_{V∖x} through φ_y = ē_y + u π_y e^{−s w_y}
    /// (drafted only if its Luce clock rings after s) and, for the token z arriving at τ, through q_z ē_z. Expanding
    /// over the set S ⊆ B ∖ x of drafted rivals (|S| ≤ n − 1; z ∉ S),
    ///
    /// ```
    /// [u^{n−1}] M_{V∖x} = Σ_S e^{−s W_S} Π_{y∈S} π_y · Π_{y∈B∖x∖S} ē_y · (M^{HL}_{n−1−|S|} + q(B∖x∖S) A^{HL}_{n−1−|S|})
    /// ∫₀^∞ e^{−s (w_x + W_S)} ds = 1 / (w_x + W_S),     ∫₀^∞ s e^{−s (w_x + W_S)} ds = 1 / (w_x + W_S)²
    /// ```
    ///
    /// with W_S = Σ_{y∈S} w_y and (A, M)^{HL} the environment's polynomials at τ. So the s-integral is exact (no s
    /// nodes) and only the τ rule remains; every term is positive (q(B∖x∖S) and the products are accumulated over
    /// the tokens left out of S, never by subtraction).
    ///
    /// - Complexity: O(G_τ · m · C) with C = Σ_{k<n} C(m − 1, k) the rival sets per token (each reached once by a
    ///   depth-first walk); ``subsetRivalSets(blockSize:drafts:)`` counts them, and the router takes this route when
    ///   it is cheaper than the direct route's O(G_τ · G_s · m · n).
    static func subsetIntegrals(
        env: Environment, q: [Double], w: [Double], first wantFirst: Bool
    )
        -> (zeroth: [Double], first: [Double]?)
    {
        let n = env.drafts, m = q.count, width = 2 * n
        var zeroth = [Double](repeating: 0, count: m), firstOut = [Double](repeating: 0, count: wantFirst ? m : 0)
        var pi = [Double](repeating: 0, count: m), eb = [Double](repeating: 0, count: m)
        // the rivals of the current token, and the products and sums of their tails (ē and q from position j on)
        var rivals = [Int](repeating: 0, count: max(0, m - 1))
        var tailE = [Double](repeating: 1, count: m), tailQ = [Double](repeating: 0, count: m)
        for gi in env.tau.indices {
            let t = env.tau[gi], cg = env.tauWeight[gi], base = gi * width
            for y in 0..<m { (pi[y], eb[y]) = piAndExp(q[y] * t) }
            for x in 0..<m where pi[x] > 0 {
                var count = 0
                for y in 0..<m where y != x {
                    rivals[count] = y
                    count += 1
                }
                tailE[count] = 1
                tailQ[count] = 0
                for j in stride(from: count - 1, through: 0, by: -1) {
                    tailE[j] = tailE[j + 1] * eb[rivals[j]]
                    tailQ[j] = tailQ[j + 1] + q[rivals[j]]
                }
                var sum0 = 0.0, sum1 = 0.0
                let wx = w[x]
                /// Rivals from position j on are still undecided; S so far has `size` tokens of weight W and
                /// drafted product P, the rivals left out have undrafted product E and mass Q.
                func walk(_ j: Int, size: Int, weight: Double, drafted: Double, undrafted: Double, mass: Double) {
                    if size == n - 1 || j == count {
                        // every remaining rival is left out
                        let k = n - 1 - size
                        let e = undrafted * tailE[j], rest = mass + tailQ[j]
                        let value = drafted * e * (env.coefficients[base + n + k] + rest * env.coefficients[base + k])
                        let a = 1 / (wx + weight)
                        sum0 += value * a
                        if wantFirst { sum1 += value * a * a }
                        return
                    }
                    let y = rivals[j]
                    // y drafted (its Luce clock after s), then y left out
                    walk(
                        j + 1, size: size + 1, weight: weight + w[y], drafted: drafted * pi[y], undrafted: undrafted,
                        mass: mass)
                    walk(
                        j + 1, size: size, weight: weight, drafted: drafted, undrafted: undrafted * eb[y],
                        mass: mass + q[y])
                }
                walk(0, size: 0, weight: 0, drafted: 1, undrafted: 1, mass: 0)
                zeroth[x] += cg * pi[x] * sum0
                if wantFirst { firstOut[x] += cg * pi[x] * sum1 }
            }
        }
        return (zeroth, wantFirst ? firstOut : nil)
    }

    /// Σ_{k<n} C(m − 1, k): the rival sets of one token of a block of m tokens with n drafts (what
    /// ``subsetIntegrals(env:q:w:first:)`` sums per token and τ node).
    static func subsetRivalSets(blockSize m: Int, drafts n: Int) -> Double {
        var total = 0.0, binomial = 1.0
        for k in 0..<min(n, m) {
            total += binomial
            binomial = binomial * Double(m - 1 - k) / Double(k + 1)
        }
        return total
    }
}
