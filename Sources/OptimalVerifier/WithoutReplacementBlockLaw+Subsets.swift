import Foundation

extension WithoutReplacementBlockLaw {
    /// The closed-form route for small blocks [derived here]: the Luce-clock integral done exactly, and the race
    /// integral done once per block, so that an evaluation of r_w costs no quadrature at all.
    ///
    /// At a fixed race time τ the block's other tokens enter [u^{n−1}] M_{V∖x} through φ_y = ē_y + u π_y e^{−s w_y}
    /// (drafted only if its Luce clock rings after s) and, for the token z arriving at τ, through q_z ē_z. Expanding
    /// over the set T ⊆ B ∖ x of drafted rivals (|T| ≤ n − 1; z ∉ T),
    ///
    /// ```
    /// [u^{n−1}] M_{V∖x} = Σ_T e^{−s W_T} Π_{y∈T} π_y · Π_{y∈B∖x∖T} ē_y · (M^{HL}_{n−1−|T|} + q(B∖x∖T) A^{HL}_{n−1−|T|})
    /// ∫₀^∞ e^{−s (w_x + W_T)} ds = 1 / (w_x + W_T),     ∫₀^∞ s e^{−s (w_x + W_T)} ds = 1 / (w_x + W_T)²
    /// ```
    ///
    /// with W_T = Σ_{y∈T} w_y and (A, M)^{HL} the environment's polynomials at τ. Only 1/(w_x + W_T) depends on the
    /// weights, so
    ///
    /// ```
    /// r_w(x) = w_x Σ_T K(x, T) / (w_x + W_T),
    /// K(x, T) = ∫ dτ π_x Π_{y∈T} π_y Π_{y∈B∖x∖T} ē_y (M^{HL}_{n−1−|T|} + q(B∖x∖T) A^{HL}_{n−1−|T|})
    /// ```
    ///
    /// and the kernel K, a τ rule over positive terms (q(B∖x∖T) and the products are accumulated over the tokens
    /// left out of T, never by subtraction), is computed once per block. Sets are indexed by size, then by their
    /// colexicographic rank Σ_i C(c_i, i + 1) (c_0 < c_1 < … the members).
    ///
    /// - Complexity: construction O(G_τ · m · C) with C = Σ_{k<n} C(m − 1, k) the rival sets per token (each reached
    ///   once by a depth-first walk; ``subsetRivalSets(blockSize:drafts:)``); each evaluation O(m · S + S · n) with
    ///   S = Σ_{k<n} C(m, k) the sets; memory O(m · S).
    public struct SubsetKernel: Sendable {
        let size: Int, setCount: Int
        /// kernel[x · setCount + index(T)] = K(x, T) (0 when x ∈ T)
        let kernel: [Double]
        /// members of set t: members[memberStart[t]..<memberStart[t + 1]]
        let members: [Int], memberStart: [Int]

        /// The kernel of a block of tokens with draft masses q > 0 in the environment `env` (n ≥ 2, reachable).
        init(environment env: Environment, draftMasses q: [Double]) {
            let n = env.drafts, m = q.count
            let largest = min(n - 1, m)
            // binomial[a · n + b] = C(a, b) for a ≤ m, b < n; set offsets by size
            var binomial = [Double](repeating: 0, count: (m + 1) * n)
            for a in 0...m {
                binomial[a * n] = 1
                if a > 0 {
                    for b in 1..<n { binomial[a * n + b] = binomial[(a - 1) * n + b - 1] + binomial[(a - 1) * n + b] }
                }
            }
            var offset = [Int](repeating: 0, count: n + 1)
            for k in 0..<n { offset[k + 1] = offset[k] + (k <= largest ? Int(binomial[m * n + k]) : 0) }
            let setCount = offset[n]
            // every set's members, in index order
            var setMembers = [[Int]](repeating: [], count: setCount)
            func enumerate(_ start: Int, _ chosen: inout [Int]) {
                var rank = 0
                for (i, c) in chosen.enumerated() { rank += Int(binomial[c * n + i + 1]) }
                setMembers[offset[chosen.count] + rank] = chosen
                guard chosen.count < largest else { return }
                for y in start..<m {
                    chosen.append(y)
                    enumerate(y + 1, &chosen)
                    chosen.removeLast()
                }
            }
            var chosen: [Int] = []
            enumerate(0, &chosen)
            var memberStart = [0]
            for set in setMembers { memberStart.append(memberStart.last! + set.count) }
            self.members = setMembers.flatMap { $0 }
            self.memberStart = memberStart
            self.size = m
            self.setCount = setCount
            self.kernel =
                n == 2
                ? Self.pairKernel(environment: env, draftMasses: q)
                : Self.walkKernel(
                    environment: env, draftMasses: q, setCount: setCount, binomial: binomial, offset: offset)
        }

        /// K by the depth-first walk over every token's rival sets (any n ≥ 2). O(G_τ · m · C).
        static func walkKernel(
            environment env: Environment, draftMasses q: [Double], setCount: Int, binomial: [Double], offset: [Int]
        ) -> [Double] {
            let n = env.drafts, m = q.count, width = 2 * n
            var kernel = [Double](repeating: 0, count: m * setCount)
            let pi = UnsafeMutableBufferPointer<Double>.allocate(capacity: m)
            let eb = UnsafeMutableBufferPointer<Double>.allocate(capacity: m)
            let rivals = UnsafeMutableBufferPointer<Int>.allocate(capacity: max(1, m - 1))
            let tailE = UnsafeMutableBufferPointer<Double>.allocate(capacity: m)
            let tailQ = UnsafeMutableBufferPointer<Double>.allocate(capacity: m)
            defer { for buffer in [pi, eb, tailE, tailQ] { buffer.deallocate() }; rivals.deallocate() }
            q.withUnsafeBufferPointer { q in
                binomial.withUnsafeBufferPointer { binomial in
                    kernel.withUnsafeMutableBufferPointer { kernel in
                        env.coefficients.withUnsafeBufferPointer { coefficients in
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
                                    RivalSetWalk(
                                        drafts: n, count: count, scale: cg * pi[x],
                                        markedTop: coefficients.baseAddress! + base + n,
                                        plainTop: coefficients.baseAddress! + base, rivals: UnsafeBufferPointer(rivals),
                                        pi: UnsafeBufferPointer(pi), eb: UnsafeBufferPointer(eb), q: q,
                                        tailE: UnsafeBufferPointer(tailE), tailQ: UnsafeBufferPointer(tailQ),
                                        binomial: binomial.baseAddress!, offset: offset,
                                        out: kernel.baseAddress! + x * setCount
                                    ).run()
                                }
                            }
                        }
                    }
                }
            }
            return kernel
        }

        /// K for two drafts (rival sets ∅ and {y}, index 0 and 1 + y) by a double loop instead of the walk: per τ
        /// node, ē and q of B ∖ x ∖ y come from prefix, middle and suffix products and sums (positive terms), and
        /// K(x, {y}) = K(y, {x}) is computed once per pair. O(G_τ · m²).
        static func pairKernel(environment env: Environment, draftMasses q: [Double]) -> [Double] {
            let m = q.count, setCount = m + 1
            var kernel = [Double](repeating: 0, count: m * setCount)
            var pi = [Double](repeating: 0, count: m), eb = [Double](repeating: 0, count: m)
            // prefix[j] = Π_{i<j} ē_i (and Σ q_i), suffix[j] = Π_{i≥j} ē_i (and Σ q_i)
            var prefixE = [Double](repeating: 1, count: m + 1), prefixQ = [Double](repeating: 0, count: m + 1)
            var suffixE = [Double](repeating: 1, count: m + 1), suffixQ = [Double](repeating: 0, count: m + 1)
            for gi in env.tau.indices {
                let t = env.tau[gi], cg = env.tauWeight[gi], base = gi * 4
                // (A, M)^{HL} at this node: A₀, A₁, M₀, M₁
                let a0 = env.coefficients[base], a1 = env.coefficients[base + 1]
                let m0 = env.coefficients[base + 2], m1 = env.coefficients[base + 3]
                for y in 0..<m { (pi[y], eb[y]) = piAndExp(q[y] * t) }
                for j in 0..<m {
                    prefixE[j + 1] = prefixE[j] * eb[j]
                    prefixQ[j + 1] = prefixQ[j] + q[j]
                }
                for j in stride(from: m - 1, through: 0, by: -1) {
                    suffixE[j] = suffixE[j + 1] * eb[j]
                    suffixQ[j] = suffixQ[j + 1] + q[j]
                }
                kernel.withUnsafeMutableBufferPointer { k in
                    for x in 0..<m {
                        let scale = cg * pi[x]
                        // T = ∅
                        let e = prefixE[x] * suffixE[x + 1], rest = prefixQ[x] + suffixQ[x + 1]
                        k[x * setCount] += scale * e * (m1 + rest * a1)
                        // T = {y}, y > x: B ∖ x ∖ y = [0, x) ∪ (x, y) ∪ (y, m)
                        var middleE = 1.0, middleQ = 0.0
                        for y in (x + 1)..<max(x + 1, m) {
                            let pairE = prefixE[x] * middleE * suffixE[y + 1]
                            let pairQ = prefixQ[x] + middleQ + suffixQ[y + 1]
                            let value = scale * pi[y] * pairE * (m0 + pairQ * a0)
                            k[x * setCount + 1 + y] += value
                            k[y * setCount + 1 + x] += value
                            middleE *= eb[y]
                            middleQ += q[y]
                        }
                    }
                }
            }
            return kernel
        }

        /// Σ_T K(x, T)/(w_x + W_T) and, if `first`, Σ_T K(x, T)/(w_x + W_T)² for every token of the block (the
        /// integrals of ``directIntegrals(env:q:w:threads:first:)``). O(m · S + S · n).
        func integrals(weights w: [Double], first wantFirst: Bool) -> (zeroth: [Double], first: [Double]?) {
            var setWeight = [Double](repeating: 0, count: setCount)
            for t in 0..<setCount {
                var total = 0.0
                for i in memberStart[t]..<memberStart[t + 1] { total += w[members[i]] }
                setWeight[t] = total
            }
            var zeroth = [Double](repeating: 0, count: size)
            var firstOut = [Double](repeating: 0, count: wantFirst ? size : 0)
            for x in 0..<size {
                var sum0 = 0.0, sum1 = 0.0
                let row = x * setCount, wx = w[x]
                for t in 0..<setCount {
                    let k = kernel[row + t]
                    if k == 0 { continue }
                    let a = 1 / (wx + setWeight[t])
                    sum0 += k * a
                    if wantFirst { sum1 += k * a * a }
                }
                zeroth[x] = sum0
                if wantFirst { firstOut[x] = sum1 }
            }
            return (zeroth, wantFirst ? firstOut : nil)
        }
    }

    /// The integrals of ``directIntegrals(env:q:w:threads:first:)`` by the closed-form route (a kernel built for
    /// one evaluation; ``SubsetKernel``).
    static func subsetIntegrals(
        env: Environment, q: [Double], w: [Double], first wantFirst: Bool
    )
        -> (zeroth: [Double], first: [Double]?)
    {
        SubsetKernel(environment: env, draftMasses: q).integrals(weights: w, first: wantFirst)
    }

    /// Σ_{k<n} C(m − 1, k): the rival sets of one token of a block of m tokens with n drafts (what
    /// ``SubsetKernel`` sums per token and τ node).
    static func subsetRivalSets(blockSize m: Int, drafts n: Int) -> Double {
        var total = 0.0, binomial = 1.0
        for k in 0..<min(n, m) {
            total += binomial
            binomial = binomial * Double(m - 1 - k) / Double(k + 1)
        }
        return total
    }
}

/// The depth-first walk over the rival sets T of one token at one τ node (``WithoutReplacementBlockLaw/
/// SubsetKernel``): adds scale · value(T) to out[index(T)]. It reads the caller's buffers and writes only `out`, so
/// the recursion captures no shared state.
private struct RivalSetWalk {
    let drafts: Int, count: Int, scale: Double
    /// M^{HL}_k at markedTop[k], A^{HL}_k at plainTop[k] for this τ node.
    let markedTop: UnsafePointer<Double>, plainTop: UnsafePointer<Double>
    let rivals: UnsafeBufferPointer<Int>
    let pi: UnsafeBufferPointer<Double>, eb: UnsafeBufferPointer<Double>, q: UnsafeBufferPointer<Double>
    let tailE: UnsafeBufferPointer<Double>, tailQ: UnsafeBufferPointer<Double>
    /// binomial[a · n + b] = C(a, b); offset[k] = index of the first set of size k.
    let binomial: UnsafePointer<Double>, offset: [Int]
    let out: UnsafeMutablePointer<Double>

    func run() {
        walk(0, size: 0, rank: 0, drafted: scale, undrafted: 1, mass: 0)
    }

    /// Rivals from position j on are still undecided; T so far has `size` tokens, colexicographic rank `rank` and
    /// drafted product P (times the scale), the rivals left out have undrafted product E and mass Q.
    private func walk(_ j: Int, size: Int, rank: Int, drafted: Double, undrafted: Double, mass: Double) {
        if size == drafts - 1 || j == count {
            // every remaining rival is left out
            let k = drafts - 1 - size
            let e = undrafted * tailE[j], rest = mass + tailQ[j]
            out[offset[size] + rank] += drafted * e * (markedTop[k] + rest * plainTop[k])
            return
        }
        let y = rivals[j]
        // y drafted (its Luce clock after s), then y left out
        walk(
            j + 1, size: size + 1, rank: rank + Int(binomial[y * drafts + size + 1]), drafted: drafted * pi[y],
            undrafted: undrafted, mass: mass)
        walk(j + 1, size: size, rank: rank, drafted: drafted, undrafted: undrafted * eb[y], mass: mass + q[y])
    }
}
