import MultidraftSupport

extension WithoutReplacementBlockLaw {
    /// Blocks of at least this many tokens take the tail expansion even at equal weights (its cost per evaluation
    /// hardly grows with the block, this route's grows as m·n²).
    static let equalWeightBlockLimit = 4096

    /// The integrals of ``directIntegrals(env:q:w:threads:first:)`` when every token of the block has the same
    /// weight w: the Luce-clock integral in closed form, so only the τ quadrature remains.
    ///
    /// **Derivation [here].** With one weight, every Luce factor of the block is the same v = e^{−s w}: a drafted
    /// rival y ∈ B contributes u·π_y·v, so the block's pair (A_B, M_B) over B ∖ x is a polynomial in t = u·v, and
    /// with the environment's (A_E, M_E) in u,
    ///
    /// ```
    /// [u^{n−1}] M_{V∖x} = Σ_{k<n} c_k v^k,   c_k = M_E[n−1−k]·A_B[k] + A_E[n−1−k]·M_B[k]
    /// ∫₀^∞ e^{−s w} v^k ds = 1/(w(k+1)),     ∫₀^∞ s e^{−s w} v^k ds = 1/(w²(k+1)²)
    /// ```
    ///
    /// (k counts the drafted rivals of the block). So r_w(x) = ∫ dτ π_x Σ_k c_k/(k+1), which does not depend on w
    /// (with equal weights the choice among the block's drafts is uniform), and the elasticity is
    /// 1 − Σ_k c_k/(k+1)² / Σ_k c_k/(k+1). The pair over B ∖ x is the product of the prefix and suffix pairs inside
    /// the block, contracted with the environment's coefficients weighted by 1/(k+1) (and 1/(k+1)²). Every term is
    /// positive; the s integral is exact, so the law carries only the τ rule's error (that of every route).
    ///
    /// A block of one run (``RealisedOptimalSelection``: ratios within the slope's margin) often loses nothing at
    /// equal weights; this route evaluates it at O(m·n²) per τ node instead of O(m·n·G_s) (G_s ≈ 40–90 s nodes).
    /// - Complexity: O(G_τ·m·n²), split over `threads` in fixed chunks of τ nodes (the result does not depend on
    ///   the thread count).
    static func equalWeightIntegrals(
        env: Environment, q: [Double], weight w: Double, threads: Int, first: Bool
    ) -> (zeroth: [Double], first: [Double]?) {
        let n = env.drafts, m = q.count, width = 2 * n
        let gt = env.tau.count
        let chunks = min(16, gt)
        let parts: [([Double], [Double])] = parallelMap(count: chunks, threads: max(1, threads)) { c in
            let lo = c * gt / chunks, hi = (c + 1) * gt / chunks
            var acc = [Double](repeating: 0, count: m), acc1 = [Double](repeating: 0, count: first ? m : 0)
            let pi = UnsafeMutablePointer<Double>.allocate(capacity: m)
            let eb = UnsafeMutablePointer<Double>.allocate(capacity: m)
            let mark = UnsafeMutablePointer<Double>.allocate(capacity: m)
            let suffix = UnsafeMutablePointer<Double>.allocate(capacity: (m + 1) * width)
            let left = UnsafeMutablePointer<Double>.allocate(capacity: width)
            // the environment's coefficients contracted with 1/(k+1) (a: with A_B, b: with M_B), and with 1/(k+1)²
            let contraction = UnsafeMutablePointer<Double>.allocate(capacity: 4 * n)
            defer {
                for buffer in [pi, eb, mark, suffix, left, contraction] { buffer.deallocate() }
            }
            env.coefficients.withUnsafeBufferPointer { coefficients in
                for gi in lo..<hi {
                    let t = env.tau[gi], cg = env.tauWeight[gi]
                    for y in 0..<m {
                        (pi[y], eb[y]) = piAndExp(q[y] * t)
                        mark[y] = q[y] * eb[y]
                    }
                    let base = gi * width
                    for k in 0..<n {
                        let inverse = 1 / Double(k + 1)
                        let a = coefficients[base + n - 1 - k], mE = coefficients[base + n + n - 1 - k]
                        contraction[k] = mE * inverse // multiplies A_B[k]
                        contraction[n + k] = a * inverse // multiplies M_B[k]
                        contraction[2 * n + k] = mE * inverse * inverse
                        contraction[3 * n + k] = a * inverse * inverse
                    }
                    // suffix[j] = (A, M) in t of tokens j..<m; suffix[m] = (1, 0)
                    let lastBase = m * width
                    for i in 0..<width { suffix[lastBase + i] = 0 }
                    suffix[lastBase] = 1
                    for j in stride(from: m - 1, through: 0, by: -1) {
                        multiplyPair(
                            suffix, from: (j + 1) * width, to: j * width, n: n, p: pi[j], e: eb[j], mark: mark[j])
                    }
                    for i in 0..<width { left[i] = 0 }
                    left[0] = 1
                    for j in 0..<m {
                        let right = suffix + (j + 1) * width
                        var value = 0.0, value1 = 0.0
                        for i in 0..<n {
                            let la = left[i], lm = left[n + i]
                            for r in 0..<(n - i) {
                                let k = i + r
                                let aTerm = la * right[r], mTerm = lm * right[r] + la * right[n + r]
                                value += aTerm * contraction[k] + mTerm * contraction[n + k]
                                if first { value1 += aTerm * contraction[2 * n + k] + mTerm * contraction[3 * n + k] }
                            }
                        }
                        let scale = cg * pi[j]
                        acc[j] += scale * value
                        if first { acc1[j] += scale * value1 }
                        multiplyPair(left, from: 0, to: 0, n: n, p: pi[j], e: eb[j], mark: mark[j])
                    }
                }
            }
            return (acc, acc1)
        }
        var zeroth = [Double](repeating: 0, count: m), moment = [Double](repeating: 0, count: first ? m : 0)
        for part in parts {
            for y in 0..<m { zeroth[y] += part.0[y] }
            if first { for y in 0..<m { moment[y] += part.1[y] } }
        }
        // ∫ ds e^{−s w} v^k = 1/(w(k+1)) and ∫ ds s e^{−s w} v^k = 1/(w²(k+1)²): the 1/w factors here
        return (zeroth.map { $0 / w }, first ? moment.map { $0 / (w * w) } : nil)
    }
}
