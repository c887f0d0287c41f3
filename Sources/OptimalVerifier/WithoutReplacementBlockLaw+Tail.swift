import ImportanceSampling
import MultidraftNumerics
import AcceptanceBounds
import Foundation
import MultidraftSupport

extension WithoutReplacementBlockLaw {
    /// Largest q·τ_max of a token handled by the tail expansion.
    static let tailThreshold = 0.25
    /// The largest tokens of a block that always stay in the head, so that no single tail token dominates the tail's
    /// power sums.
    static let minimumHead = 32
    /// Smallest tail for which the expansion is used (below it the direct route is as fast).
    static let minimumTail = 256
    /// The truncation of a coarse tail evaluation (``Evaluator/law(weights:threads:elasticity:coarse:coarseTolerance:)``), against
    /// the precise 10⁻¹⁸: at the largest offset in a bin 11 Taylor terms instead of 16, and z-series of 11–17 terms
    /// instead of 15–22 (n = 2–8), with exponentials skipped below e^{−32} instead of e^{−50}.
    static let coarseTolerance = 1e-12

    /// The tokens by decreasing q (ties by index): the order that splits a block into head and tail. It depends on
    /// the block alone, so an ``Evaluator`` sorts once for all its evaluations.
    static func massOrdered(_ q: [Double]) -> [Int] {
        (0..<q.count).sorted { q[$0] > q[$1] || (q[$0] == q[$1] && $0 < $1) }
    }

    /// The same integrals as ``directIntegrals(env:q:w:threads:first:)`` for a large block, by splitting it into a
    /// **head** (the tokens with q·τ_max > 1/4 and the 32 largest) evaluated directly and a **tail** whose tokens
    /// are never computed one (τ, s) node at a time. With c_y = o_y e^{−s w_y}, o_y = e^{q_y τ} − 1 ≤ e^{1/4} − 1:
    ///
    /// ```
    /// Π_{tail}(1 + u c_y) = exp(Σ_i (−1)^{i+1} uⁱ P_i / i),   P_i = Σ_y c_yⁱ      (Newton's identities, degree < n)
    /// Σ_{z∈tail} q_z / (1 + u c_z) = Σ_k (−u)^k R_k,           R_k = Σ_y q_y c_y^k
    /// o_yⁱ = Σ_{m≥i} β_{i,m} (q_y τ)^m,  β_{i,m} = i!·S(m, i)/m!   (S: Stirling numbers of the second kind)
    /// P_i(τ, s) = Σ_m β_{i,m} τ^m F_{i,m}(s),  F_{i,m}(s) = Σ_y q_y^m e^{−i w_y s}     (forward exponential sums)
    /// ```
    ///
    /// and, removing x from the full product (A, M) = (A, M)_{H∪L} ⊗ head ⊗ tail by the same series,
    ///
    /// ```
    /// r_w(x) = w_x Σ_{j<n} (−1)^j Σ_m β_{j+1,m} q_x^m [ L^M_{j,m}((j+1) w_x) − (j+1) q_x L^A_{j,m}((j+1) w_x) ]
    /// L^M_{j,m}(λ) = ∫ ds e^{−λ s} ∫ dτ τ^m M_{n−1−j}(τ, s)       (transposed exponential sums; L^A with A)
    /// ```
    ///
    /// The m-series are truncated where β_{i,m}(q τ)^m falls below ε = `tolerance` (10⁻¹⁸) of its first term
    /// (q τ ≤ 1/4 on the tail), and so are the exponential sums' Taylor series; the j-sum is finite. A coarser
    /// tolerance (``coarseTolerance``, for the evaluations that only steer a fit) takes fewer terms of both and skips
    /// exponentials below ε/100 instead of e^{−50}. Returns nil when the tail would hold fewer than ``minimumTail``
    /// tokens.
    /// - Complexity: O(G_τ·G_s·n·(|head| + n + M)) for the nodes and O(n·M·(m + bins·G_s)·K) for the exponential
    ///   sums, M the series length (about 20 at n = 8).
    static func tailIntegrals(
        env: Environment, q: [Double], w: [Double], threads: Int, first wantFirst: Bool, tolerance: Double = 1e-18,
        massOrder: [Int]? = nil
    )
        -> (zeroth: [Double], first: [Double]?)?
    {
        let n = env.drafts, m = q.count
        guard n >= 2, let tauMax = env.tau.last else { return nil }
        let byMass = massOrder ?? massOrdered(q)
        var headCount = minimumHead
        while headCount < m && q[byMass[headCount]] * tauMax > tailThreshold { headCount += 1 }
        guard m - headCount >= minimumTail else { return nil }
        let head = Array(byMass[0..<headCount]), tail = Array(byMass[headCount...])
        let bigQ = q[tail[0]]
        let z = tail.map { q[$0] / bigQ }
        let wt = tail.map { w[$0] }
        var tailMass = 0.0, comp = 0.0
        for y in tail { compensatedAdd(&tailMass, &comp, q[y]) }
        // β_{i,m} for i ≤ n, m ≤ degree: coefficients of (eˣ − 1)^i.
        let theta = bigQ * tauMax
        let degree = n + 80
        var exm1 = [Double](repeating: 0, count: degree + 1)
        var f = 1.0
        for k in 1...degree { f /= Double(k); exm1[k] = f }
        var beta = [[Double]](repeating: [Double](repeating: 0, count: degree + 1), count: n + 1)
        beta[0][0] = 1
        for i in 1...n {
            for a in 0..<degree where beta[i - 1][a] != 0 {
                for b in 1...(degree - a) { beta[i][a + b] += beta[i - 1][a] * exm1[b] }
            }
        }
        // Series length: the first M with β_{i,i+M}·θ^M < ε for every i ≤ n (terms then keep falling).
        var terms = 1
        while terms < 80 {
            var worst = 0.0
            for i in 1...n { worst = max(worst, beta[i][i + terms] * pow(theta, Double(terms))) }
            if worst < tolerance { break }
            terms += 1
        }
        // The sets of the tail tokens' own series each token needs: set k of power j+1+k is below
        // β_{j+1,j+1+k}(q_y τ)^k ≤ worst(k)·z_y^k of the leading term, worst(k) = max_i β_{i,i+k} θ^k, so a token
        // stops (with one set to spare) at the first k where worst(k)·z^k < ε, the criterion of the series
        // length at z = 1; tokens far below the largest tail token need a few sets instead of all.
        let worst = (0...terms).map { k in (1...n).map { beta[$0][$0 + k] * pow(theta, Double(k)) }.max()! }
        let setLimits = z.map { zy -> Int in
            var k = 1, power = zy
            while k <= terms && worst[k] * power >= tolerance {
                k += 1
                power *= zy
            }
            return k + 2
        }
        let (sNodes, sWeights) = sGrid(wMin: w.min()!, wMax: w.max()!, drafts: n)
        let gs = sNodes.count
        // Terms below e^{−50} of their amplitude are skipped (2·10⁻²², far below the rounding of the alternating
        // sums), which halves |t d| against the default cutoff of 100 and so the Taylor terms per rate. Bins span
        // 2δ = 0.02 in log w (|t d| ≤ 50·(e^{0.01} − 1)·e^{0.01} ≈ 0.51, at most 17 terms): half the bins of
        // δ = 0.005 for two or three more terms, 10–20 % faster on the optimal_verifier pair at V = 152,064, n = 8
        // (T = 0.3 and 1.5).
        // (a coarse evaluation skips terms below ε/100 of their amplitude: e^{−32} at ε = 10⁻¹²)
        let sums = ExponentialSums(
            rates: wt, halfWidth: 0.01, terms: 18, cutoff: tolerance <= 1e-18 ? 50 : log(100 / tolerance),
            tolerance: tolerance)
        // F[i][m - i][h] = Σ_tail z^m e^{−i w s_h}, m = i … i + terms + 1 (the extra power for R_k).
        // The bin moments of every power z^m, m = 1 … n + terms + 1, in one pass over the tail (a power serves
        // every i ≤ it), summed at the times i·s of each i.
        let moments = sums.moments(amplitudePowersOf: z, count: n + terms + 1)
        var forward = [[[Double]]](repeating: [], count: n)
        for i in 1..<n {
            let times = sNodes.map { Double(i) * $0 }
            forward[i] = sums.forward(momentSets: Array(moments[(i - 1)...(i + terms)]), times: times, threads: threads)
        }
        let gt = env.tau.count, width = 2 * n
        let series = terms + 1 // m = j+1 … j+1+terms for the tail tokens' own factor
        let chunks = min(16, gt)
        struct Part { var cm: [Double]; var ca: [Double]; var acc: [Double]; var acc1: [Double] }
        let parts: [Part] = parallelMap(count: chunks, threads: max(1, threads)) { c in
            let lo = c * gt / chunks, hi = (c + 1) * gt / chunks
            // cm[((j·series) + (m − j − 1))·gs + h]
            var part = Part(
                cm: [Double](repeating: 0, count: n * series * gs),
                ca: [Double](repeating: 0, count: n * series * gs),
                acc: [Double](repeating: 0, count: headCount),
                acc1: [Double](repeating: 0, count: wantFirst ? headCount : 0))
            var tPower = [Double](repeating: 0, count: n + terms + 2)
            var pSum = [Double](repeating: 0, count: n), rSum = [Double](repeating: 0, count: n)
            var et = [Double](repeating: 0, count: n)
            var envPair = [Double](repeating: 0, count: width), tailPair = [Double](repeating: 0, count: width)
            var pi = [Double](repeating: 0, count: headCount), eb = [Double](repeating: 0, count: headCount)
            var headDecay = [Double](repeating: 0, count: headCount) // e^{−s w_y} at the current s node
            var suffix = [Double](repeating: 0, count: (headCount + 1) * width)
            var left = [Double](repeating: 0, count: width)
            for gi in lo..<hi {
                let t = env.tau[gi], cg = env.tauWeight[gi]
                let big = bigQ * t
                tPower[0] = 1
                for k in 1..<tPower.count { tPower[k] = tPower[k - 1] * big }
                let tailDecay = exp(-t * tailMass)
                for (i, y) in head.enumerated() { (pi[i], eb[i]) = piAndExp(q[y] * t) }
                let envBase = gi * width
                for h in 0..<gs {
                    // Tail power sums and the tail pair (A_t, M_t).
                    for i in 1..<n {
                        var sP = 0.0, sR = 0.0
                        let fi = forward[i]
                        for k in 0...terms {
                            let mm = i + k
                            let b = beta[i][mm] * tPower[mm]
                            sP += b * fi[k][h]
                            sR += b * fi[k + 1][h]
                        }
                        pSum[i] = sP
                        rSum[i] = bigQ * sR
                    }
                    et[0] = 1
                    for k in stride(from: 1, to: n, by: 1) {
                        var acc = 0.0
                        for i in 1...k { acc += (i & 1 == 1 ? 1 : -1) * pSum[i] * et[k - i] }
                        et[k] = acc / Double(k)
                    }
                    for k in 0..<n {
                        tailPair[k] = tailDecay * et[k]
                        var mk = 0.0
                        for i in 0...k { mk += et[k - i] * (i == 0 ? tailMass : (i & 1 == 1 ? -rSum[i] : rSum[i])) }
                        tailPair[n + k] = tailDecay * mk
                    }
                    // envPair = (A, M)_{H∪L} ⊗ tail
                    for k in 0..<n {
                        var a = 0.0, mm = 0.0
                        for i in 0...k {
                            let ea = env.coefficients[envBase + i], em = env.coefficients[envBase + n + i]
                            a += ea * tailPair[k - i]
                            mm += em * tailPair[k - i] + ea * tailPair[n + k - i]
                        }
                        envPair[k] = a
                        envPair[n + k] = mm
                    }
                    // Head: suffix products, then the left pass from envPair; it ends with the full product.
                    let lastBase = headCount * width
                    for i in 0..<width { suffix[lastBase + i] = 0 }
                    suffix[lastBase] = 1
                    let sh = sNodes[h]
                    for j in 0..<headCount { headDecay[j] = exp(-sh * w[head[j]]) }
                    for j in stride(from: headCount - 1, through: 0, by: -1) {
                        multiplyPair(
                            &suffix, from: (j + 1) * width, to: j * width, n: n,
                            p: pi[j] * headDecay[j], e: eb[j], mark: q[head[j]] * eb[j])
                    }
                    for i in 0..<width { left[i] = envPair[i] }
                    let weight = cg * sWeights[h]
                    for j in 0..<headCount {
                        let d = headDecay[j]
                        let term = weight * d * pi[j] * markedTop(left, suffix, at: (j + 1) * width, n: n)
                        part.acc[j] += term
                        if wantFirst { part.acc1[j] += term * sh }
                        multiplyPair(&left, from: 0, to: 0, n: n, p: pi[j] * d, e: eb[j], mark: q[head[j]] * eb[j])
                    }
                    // Tail accumulators: τ-moments of the full product's coefficients.
                    for j in 0..<n {
                        let fm = left[n + n - 1 - j], fa = left[n - 1 - j]
                        for k in 0..<series {
                            let c = cg * tPower[j + 1 + k]
                            let index = (j * series + k) * gs + h
                            part.cm[index] += c * fm
                            part.ca[index] += c * fa
                        }
                    }
                }
            }
            return part
        }
        var cm = [Double](repeating: 0, count: n * series * gs), ca = cm
        var acc = [Double](repeating: 0, count: headCount),
            acc1 = [Double](repeating: 0, count: wantFirst ? headCount : 0)
        for part in parts {
            for i in 0..<cm.count { cm[i] += part.cm[i]; ca[i] += part.ca[i] }
            for i in 0..<headCount { acc[i] += part.acc[i] }
            if wantFirst { for i in 0..<headCount { acc1[i] += part.acc1[i] } }
        }
        var zeroth = [Double](repeating: 0, count: m), firstOut = [Double](repeating: 0, count: wantFirst ? m : 0)
        for (i, y) in head.enumerated() {
            zeroth[y] = acc[i]
            if wantFirst { firstOut[y] = acc1[i] }
        }
        // Tail tokens: Σ_j (−1)^j Σ_m β_{j+1,m} z^m [L^M − (j+1) q L^A] (and the s-moments for the elasticity).
        // Per j, a layer of the powers P = j+1 … j+1+series of z: the M-term of order k = P − j − 1 and the A-term of
        // order k − 1 (its extra factor q = bigQ·z) share the power and one coefficient vector, and the sum over k is
        // a polynomial in z times z^{j+1}; all n layers in one pass over the tail
        // (``ExponentialSums/transposedSeries(layers:variable:firstMoment:setLimits:threads:)``: a token forms its
        // Taylor powers once, not once per j). d/dλ at λ = (j+1)w: the transposed first moment carries the factor
        // (j+1)s, hence the first-moment factor (−1)^j/(j+1).
        let layers = (0..<n).map { j -> ExponentialSums.SeriesLayer in
            let sign = j & 1 == 0 ? 1.0 : -1.0
            let sets: [[Double]?] = (0...series).map { k in
                let power = j + 1 + k
                let bM = k < series ? beta[j + 1][power] : 0
                let bA = k >= 1 ? Double(j + 1) * bigQ * beta[j + 1][power - 1] : 0
                if bM == 0 && bA == 0 { return nil }
                let baseM = (j * series + k) * gs, baseA = (j * series + k - 1) * gs
                return (0..<gs).map { h in
                    sWeights[h] * ((bM != 0 ? bM * cm[baseM + h] : 0) - (bA != 0 ? bA * ca[baseA + h] : 0))
                }
            }
            return ExponentialSums.SeriesLayer(
                coefficientSets: sets, times: sNodes.map { Double(j + 1) * $0 }, zerothFactor: sign,
                firstFactor: sign / Double(j + 1), power: j + 1)
        }
        let l = sums.transposedSeries(
            layers: layers, variable: z, firstMoment: wantFirst, setLimits: setLimits, threads: threads)
        let g0 = l.zeroth, g1 = l.first ?? []
        for (i, y) in tail.enumerated() {
            zeroth[y] = g0[i]
            if wantFirst { firstOut[y] = g1[i] }
        }
        return (zeroth, wantFirst ? firstOut : nil)
    }
}
