import MultidraftSupport

extension WithoutReplacementBlockLaw {
    /// Blocks of at least this many tokens take the tail expansion even at equal weights (this route's cost grows as
    /// m·n² per τ node). Not tuned: the fit starts at equal weights only in blocks below the large-block size, also
    /// 4,096.
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
        typealias Lanes = SIMD4<Double>
        let n = env.drafts, m = q.count, width = 2 * n
        let gt = env.tau.count
        let chunks = min(16, gt)
        // scratch per chunk run, four τ nodes to a vector: π, ē and the marking weight q·ē per token, the suffix pairs,
        // the prefix pair, and the environment's coefficients contracted with 1/(k+1) (a: with A_B, b: with M_B) and
        // with 1/(k+1)²
        let scratchSize = 3 * m + (m + 1) * width + width + 4 * n
        /// Adds the τ nodes of chunk `c` to acc (and acc1 when the first moment is wanted), four nodes at a time in
        /// the lanes of a vector (the last group padded with weight 0).
        func integrate(
            chunk c: Int, scratch: UnsafeMutablePointer<Lanes>, acc: UnsafeMutablePointer<Lanes>,
            acc1: UnsafeMutablePointer<Lanes>
        ) {
            let lo = c * gt / chunks, hi = (c + 1) * gt / chunks
            let pi = scratch, eb = pi + m, mark = eb + m
            let suffix = mark + m, left = suffix + (m + 1) * width, contraction = left + width
            env.coefficients.withUnsafeBufferPointer { coefficients in
                var g0 = lo
                while g0 < hi {
                    let count = min(4, hi - g0)
                    var t = Lanes(repeating: env.tau[g0]), cg = Lanes.zero
                    for l in 0..<count {
                        t[l] = env.tau[g0 + l]
                        cg[l] = env.tauWeight[g0 + l]
                    }
                    for y in 0..<m {
                        var a = Lanes.zero, b = Lanes.zero
                        for l in 0..<4 { (a[l], b[l]) = piAndExp(q[y] * t[l]) }
                        pi[y] = a
                        eb[y] = b
                        mark[y] = q[y] * b
                    }
                    for k in 0..<n {
                        let inverse = 1 / Double(k + 1)
                        var a = Lanes.zero, mE = Lanes.zero
                        for l in 0..<4 {
                            let base = (g0 + min(l, count - 1)) * width
                            a[l] = coefficients[base + n - 1 - k]
                            mE[l] = coefficients[base + n + n - 1 - k]
                        }
                        contraction[k] = mE * inverse // multiplies A_B[k]
                        contraction[n + k] = a * inverse // multiplies M_B[k]
                        contraction[2 * n + k] = mE * (inverse * inverse)
                        contraction[3 * n + k] = a * (inverse * inverse)
                    }
                    // suffix[j] = (A, M) in t of tokens j..<m; suffix[m] = (1, 0)
                    let lastBase = m * width
                    for i in 0..<width { suffix[lastBase + i] = .zero }
                    suffix[lastBase] = Lanes(repeating: 1)
                    for j in stride(from: m - 1, through: 0, by: -1) {
                        multiplyPair(
                            suffix, from: (j + 1) * width, to: j * width, n: n, p: pi[j], e: eb[j], mark: mark[j])
                    }
                    for i in 0..<width { left[i] = .zero }
                    left[0] = Lanes(repeating: 1)
                    for j in 0..<m {
                        let right = suffix + (j + 1) * width
                        var value = Lanes.zero, value1 = Lanes.zero
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
                    g0 += 4
                }
            }
        }
        // Each chunk sums into its own accumulator, added to the totals in chunk order, so the sums do not depend on
        // the thread count. A worker takes every `workers`-th chunk on one set of buffers (small blocks run one per
        // thread, thousands per setup: buffers per chunk were a visible share of their time).
        let workers = max(1, min(threads, chunks))
        let parts: [[[Double]]] = parallelMap(count: workers, threads: workers) { worker in
            let buffer = UnsafeMutablePointer<Lanes>.allocate(capacity: scratchSize + 2 * m)
            defer { buffer.deallocate() }
            let acc = buffer + scratchSize, acc1 = acc + m
            return stride(from: worker, to: chunks, by: workers).map { c in
                acc.initialize(repeating: .zero, count: 2 * m)
                integrate(chunk: c, scratch: buffer, acc: acc, acc1: acc1)
                return (0..<(first ? 2 * m : m)).map { acc[$0].sum() }
            }
        }
        var zeroth = [Double](repeating: 0, count: m), moment = [Double](repeating: 0, count: first ? m : 0)
        for c in 0..<chunks {
            let part = parts[c % workers][c / workers]
            for y in 0..<m { zeroth[y] += part[y] }
            if first { for y in 0..<m { moment[y] += part[m + y] } }
        }
        // ∫ ds e^{−s w} v^k = 1/(w(k+1)) and ∫ ds s e^{−s w} v^k = 1/(w²(k+1)²): the 1/w factors here
        return (zeroth.map { $0 / w }, first ? moment.map { $0 / (w * w) } : nil)
    }
}
