import MultidraftSupport
import Foundation

/// Fast sums of exponentials between a set of rates w_y > 0 and a set of times t_g ≥ 0, in both directions:
///
/// ```
/// forward:     F_g = Σ_y a_y e^{−t_g w_y}        (g = 0…G−1)
/// transposed:  T_y = Σ_g c_g e^{−t_g w_y}        (y = 0…Y−1)
/// ```
///
/// in O((Y + B·G)·K) instead of O(Y·G) exponentials. The rates are grouped into B bins spanning at most 2δ in log w
/// (runs of occupied cells of width 2δ, centred on their own span, so sparse rates get narrow bins); for a rate
/// w = w_c + d in the bin of centre w_c (|d| ≤ w_c(e^δ − 1)),
///
/// ```
/// e^{−t w} = e^{−t w_c} Σ_{k<K} (−t d)^k / k!   + R_K,      |R_K| ≤ e^{−t w_c} e^{|t d|} |t d|^K / K!
/// ```
///
/// so the forward sum needs the bin moments Σ a_y d_y^k / k! and the transposed sum needs the bin transforms
/// Σ_g c_g t_g^k e^{−t_g w_c}. Bins whose smallest rate has t·w > `cutoff` are skipped at that time (each skipped term
/// is below e^{−cutoff} times its amplitude). With the defaults (δ = 0.005, K = 18, cutoff = 100): |t d| ≤ 0.51, the
/// truncation error is below 10⁻¹⁸ relative, and the alternating sums lose at most a factor e^{2|t d|} ≤ 2.8 to
/// rounding — about 10⁻¹⁵ relative for non-negative a and c.
///
/// The Taylor terms follow each bin's actual spread (and each rate's offset), so a bin of one rate needs one or two.
///
/// - Complexity: construction O(Y); each sum O(Y·K + B·G·K), B ≤ ln(w_max/w_min)/(2δ) + 1.
package struct ExponentialSums: Sendable {
    /// Number of Taylor terms K.
    package let terms: Int
    /// Skip threshold on t·w.
    package let cutoff: Double
    /// Bin of each rate, and its offset d from the bin centre.
    let bin: [Int]
    let offset: [Double]
    /// Taylor terms each rate needs: termsNeeded(cutoff·|d|/w_low) with w_low the bin's smallest rate (no time
    /// beyond cutoff/w_low enters its bin, so |t d| never exceeds that argument).
    let rateTerms: [Int]
    /// Bin centres, smallest rates and largest offsets |d|.
    let centre: [Double]
    let lowest: [Double]
    let spread: [Double]
    /// θ_j = (ε·j!)^{1/j} for j = 1…K−1 (ε = `tolerance`, 10⁻¹⁸ by default), increasing in j: x^j/j! < ε exactly
    /// when x < θ_j, so the terms a
    /// sum needs are found by comparisons (``termsNeeded(_:)``), and along increasing times by advancing an index.
    let thresholds: [Double]

    /// - Parameter tolerance: the Taylor series are cut where x^j/j! < tolerance (10⁻¹⁸ by default; a coarser
    ///   tolerance takes fewer terms, for evaluations that only steer an iteration).
    /// - Precondition: every rate is positive and finite.
    package init(
        rates w: [Double], halfWidth delta: Double = 0.005, terms: Int = 18, cutoff: Double = 100,
        tolerance: Double = 1e-18
    ) {
        self.terms = terms
        self.cutoff = cutoff
        let thresholds = (1..<max(1, terms)).map { exp((log(tolerance) + lgamma(Double($0 + 1))) / Double($0)) }
        self.thresholds = thresholds
        let logs = w.map { log($0) }
        let uMin = logs.min() ?? 0
        let width = 2 * delta
        // Fixed cells of width 2δ in log w, then clusters: runs of consecutive occupied cells whose rates span at
        // most 2δ, centred at the middle of their span. A cluster never spans more than a cell, so |log w − log w_c|
        // ≤ δ as for fixed bins; where rates are sparse a cluster is narrow (one rate: d ≈ 0), and the term counts,
        // which follow the spread, drop to one or two.
        var cell = [Int](repeating: 0, count: w.count)
        var cells = 0
        for i in 0..<w.count {
            cell[i] = Int((logs[i] - uMin) / width)
            cells = max(cells, cell[i] + 1)
        }
        var cellLow = [Double](repeating: .infinity, count: cells)
        var cellHigh = [Double](repeating: -.infinity, count: cells)
        for i in 0..<w.count {
            cellLow[cell[i]] = min(cellLow[cell[i]], logs[i])
            cellHigh[cell[i]] = max(cellHigh[cell[i]], logs[i])
        }
        var clusterOf = [Int](repeating: -1, count: cells)
        var centreLog: [Double] = []
        var start = 0.0, end = 0.0
        for c in 0..<cells where cellLow[c] <= cellHigh[c] {
            if centreLog.isEmpty || cellHigh[c] > start + width {
                if !centreLog.isEmpty { centreLog[centreLog.count - 1] = (start + end) / 2 }
                start = cellLow[c]
                centreLog.append(0)
            }
            end = cellHigh[c]
            clusterOf[c] = centreLog.count - 1
        }
        if !centreLog.isEmpty { centreLog[centreLog.count - 1] = (start + end) / 2 }
        let count = centreLog.count
        let bin = cell.map { clusterOf[$0] }
        let centre = centreLog.map { exp($0) }
        var lowest = [Double](repeating: .infinity, count: count)
        var offset = [Double](repeating: 0, count: w.count)
        var spread = [Double](repeating: 0, count: count)
        for i in 0..<w.count {
            offset[i] = w[i] - centre[bin[i]]
            lowest[bin[i]] = min(lowest[bin[i]], w[i])
            spread[bin[i]] = max(spread[bin[i]], abs(offset[i]))
        }
        self.spread = spread
        var rateTerms = [Int](repeating: terms, count: w.count)
        for i in 0..<w.count {
            let x = cutoff * abs(offset[i]) / lowest[bin[i]]
            var j = 1
            while j < terms && x >= thresholds[j - 1] { j += 1 }
            rateTerms[i] = max(1, min(terms, j))
        }
        self.rateTerms = rateTerms
        self.bin = bin
        self.offset = offset
        self.centre = centre
        self.lowest = lowest
    }

    /// The number of Taylor terms after which x^j/j! < ε (the tolerance, at most ``terms``): the terms a (bin, time)
    /// pair needs when |t d| ≤ x. Terms beyond it are below ε of the bin's leading term, and are dropped.
    @inline(__always)
    package func termsNeeded(_ x: Double) -> Int {
        advanceTerms(1, to: x)
    }

    /// ``termsNeeded(_:)`` at x, searching up from `start` terms (a count known to suffice for a smaller x; the
    /// count is non-decreasing in x, so a loop over increasing times advances one index).
    @inline(__always)
    package func advanceTerms(_ start: Int, to x: Double) -> Int {
        var j = start
        while j < terms && x >= thresholds[j - 1] { j += 1 }
        return j
    }

    /// F_g = Σ_y a_y e^{−t_g w_y}. Times must increase. They are cut into fixed chunks computed on up to `threads`
    /// threads; every F_g is summed in the same order whatever the thread count.
    package func forward(amplitudes a: [Double], times t: [Double], threads: Int = 1) -> [Double] {
        forward(moments: moments(amplitudes: a), times: t, threads: threads)
    }

    /// The bin moments Σ_{y∈b} a_y d_y^j / j! of amplitudes a (and the bins they use): what
    /// ``forward(moments:times:threads:)`` needs, independent of the times, so that one set of amplitudes can be
    /// summed at several sets of times. O(Y·K).
    package func moments(amplitudes a: [Double]) -> Moments {
        moments(amplitudePowersOf: a, count: 1)[0]
    }

    /// ``moments(amplitudes:)`` of the powers a¹, a², …, a^P of one set of amplitudes, in one pass over the rates:
    /// each rate's Taylor basis d^j/j! is formed once for all P powers, and a rate's P·K' updates are contiguous
    /// (moments of one bin side by side, power by power). P calls on the powers give the same sums up to rounding
    /// (a^m·(d^j/j!) against (a^m)·d^j/j! formed in another order). O(Y·K·P).
    package func moments(amplitudePowersOf a: [Double], count p: Int) -> [Moments] {
        let k = terms, bins = centre.count
        guard p > 0 else { return [] }
        // grouped[(b·P + power)·K + j] = Σ_{y in b} a_y^{power+1} d_y^j / j!
        var grouped = [Double](repeating: 0, count: bins * p * k)
        var used = [Bool](repeating: false, count: bins)
        let reciprocal = (0...k).map { $0 == 0 ? 0 : 1 / Double($0) }
        var basis = [Double](repeating: 0, count: k)
        grouped.withUnsafeMutableBufferPointer { out in
            basis.withUnsafeMutableBufferPointer { basis in
                for y in 0..<a.count where a[y] != 0 {
                    let b = bin[y], d = offset[y], kk = rateTerms[y], amplitude = a[y]
                    used[b] = true
                    basis[0] = 1
                    for j in 1..<max(1, kk) { basis[j] = basis[j - 1] * d * reciprocal[j] }
                    var power = amplitude
                    var row = out.baseAddress! + b * p * k
                    for _ in 0..<p {
                        for j in 0..<kk { row[j] += power * basis[j] }
                        power *= amplitude
                        row += k
                    }
                }
            }
        }
        let usedBins = (0..<bins).filter { used[$0] }
        return (0..<p).map { power in
            var values = [Double](repeating: 0, count: bins * k)
            for b in usedBins {
                let source = (b * p + power) * k
                for j in 0..<k { values[b * k + j] = grouped[source + j] }
            }
            return Moments(values: values, usedBins: usedBins)
        }
    }

    /// Bin moments of one set of amplitudes (``moments(amplitudes:)``).
    package struct Moments: Sendable {
        /// values[b·K + j] = Σ_{y in b} a_y d_y^j / j!
        package let values: [Double]
        /// The bins that hold a rate with a non-zero amplitude (with ``moments(amplitudePowersOf:count:)``: a
        /// non-zero base amplitude).
        package let usedBins: [Int]
    }

    /// F_g = Σ_y a_y e^{−t_g w_y} from the amplitudes' bin moments; as ``forward(amplitudes:times:threads:)``.
    package func forward(moments: Moments, times t: [Double], threads: Int = 1) -> [Double] {
        forward(momentSets: [moments], times: t, threads: threads)[0]
    }

    /// ``forward(moments:times:threads:)`` for several sets of amplitudes at the same times: each e^{−t_g w_c} is
    /// computed once for all of them.
    package func forward(momentSets: [Moments], times t: [Double], threads: Int = 1) -> [[Double]] {
        let k = terms, sets = momentSets.count
        var used = [Bool](repeating: false, count: centre.count)
        for moments in momentSets { for b in moments.usedBins { used[b] = true } }
        let usedBins = (0..<centre.count).filter { used[$0] }
        // every set's moment j of a bin side by side, flat[(b·K + j)·sets + set], so that the Horner steps of all
        // sets are one element-wise pass (the same operations per set as a Horner pass of its own)
        var flat = [Double](repeating: 0, count: centre.count * k * sets)
        for (set, moments) in momentSets.enumerated() {
            for b in moments.usedBins {
                for j in 0..<k { flat[(b * k + j) * sets + set] = moments.values[b * k + j] }
            }
        }
        let chunks = min(8, t.count)
        // parts[chunk][(g − lo)·sets + set]
        let parts: [[Double]] = parallelMap(count: chunks, threads: threads) { c in
            let lo = c * t.count / chunks, hi = (c + 1) * t.count / chunks
            var out = [Double](repeating: 0, count: sets * (hi - lo))
            var horner = [Double](repeating: 0, count: sets)
            flat.withUnsafeBufferPointer { m in
                out.withUnsafeMutableBufferPointer { o in
                    horner.withUnsafeMutableBufferPointer { acc in
                        for b in usedBins {
                            var kk = 1
                            for g in lo..<hi {
                                let tg = t[g]
                                if tg * lowest[b] > cutoff { break }
                                // Σ_{j<K'} (−t)^j m_j by Horner, K' the terms that matter at |t d| ≤ t·spread.
                                kk = advanceTerms(kk, to: tg * spread[b])
                                let decay = exp(-tg * centre[b])
                                let top = (b * k + kk - 1) * sets
                                for set in 0..<sets { acc[set] = m[top + set] }
                                var j = kk - 2
                                while j >= 0 {
                                    let base = (b * k + j) * sets
                                    let row = m.baseAddress! + base
                                    for set in 0..<sets { acc[set] = row[set] - tg * acc[set] }
                                    j -= 1
                                }
                                let row = (g - lo) * sets
                                for set in 0..<sets { o[row + set] += decay * acc[set] }
                            }
                        }
                    }
                }
            }
            return out
        }
        return (0..<sets).map { set in
            var result = [Double](repeating: 0, count: t.count)
            for (c, part) in parts.enumerated() {
                let lo = c * t.count / chunks, hi = (c + 1) * t.count / chunks
                for g in lo..<hi { result[g] = part[(g - lo) * sets + set] }
            }
            return result
        }
    }

    /// T_y = Σ_g c_g e^{−t_g w_y} and, if `firstMoment`, T¹_y = Σ_g c_g t_g e^{−t_g w_y} from the same bin transforms
    /// (Σ_g c_g t_g^{j+1} e^{−t_g w_c}/j! = (j + 1)·N_{j+1}, N_j = Σ_g c_g t_g^j e^{−t_g w_c}/j!). Bins are cut into
    /// fixed chunks, then the rates, each computed on up to `threads` threads; the result does not depend on them.
    /// Times must increase.
    package func transposed(
        coefficients c: [Double], times t: [Double], firstMoment: Bool = false, threads: Int = 1
    )
        -> (zeroth: [Double], first: [Double]?)
    {
        // one coefficient set (x^0 = 1): the same transforms and Horner passes, bit for bit
        transposedSeries(
            coefficientSets: [c], times: t, variable: [Double](repeating: 0, count: bin.count),
            firstMoment: firstMoment, threads: threads)
    }

    /// Σ_k x_y^k T_k(y) for coefficient sets c_k at one set of times, T_k(y) = Σ_g c_{k,g} e^{−t_g w_y}, and, if
    /// `firstMoment`, Σ_k x_y^k T¹_k(y) (as ``transposed(coefficients:times:firstMoment:threads:)``): one pass over
    /// the rates (Horner in x over k, in d over the Taylor terms) instead of one transposed sum per k and its
    /// arrays. A nil set is zero. The bin transforms of every k are kept bin by bin, so a rate reads one contiguous
    /// block. Chunks as in the transposed sums: the result does not depend on `threads`.
    ///
    /// With `setLimits`, rate y sums only the sets k < setLimits[y] (a caller that knows x_y^k T_k(y) to be
    /// negligible beyond them).
    package func transposedSeries(
        coefficientSets c: [[Double]?], times t: [Double], variable x: [Double], firstMoment: Bool = false,
        setLimits: [Int]? = nil, threads: Int = 1
    ) -> (zeroth: [Double], first: [Double]?) {
        transposedSeries(
            layers: [SeriesLayer(coefficientSets: c, times: t)], variable: x, firstMoment: firstMoment,
            setLimits: setLimits, threads: threads)
    }

    /// One layer of ``transposedSeries(layers:variable:firstMoment:setLimits:threads:)``: coefficient sets at their
    /// own times, and the factors of its zeroth and first moments, times x_y^`power`.
    package struct SeriesLayer {
        package let coefficientSets: [[Double]?], times: [Double]
        package let zerothFactor: Double, firstFactor: Double, power: Int
        package init(
            coefficientSets: [[Double]?], times: [Double], zerothFactor: Double = 1, firstFactor: Double = 1,
            power: Int = 0
        ) {
            (self.coefficientSets, self.times) = (coefficientSets, times)
            (self.zerothFactor, self.firstFactor, self.power) = (zerothFactor, firstFactor, power)
        }
    }

    /// Σ_l a_l x_y^{p_l} S_l(y) and, if `firstMoment`, Σ_l b_l x_y^{p_l} S¹_l(y) over layers l (factors a_l, b_l,
    /// powers p_l), S_l(y) = Σ_k x_y^k T_{l,k}(y) the series of ``transposedSeries(coefficientSets:times:variable:
    /// firstMoment:setLimits:threads:)`` at the layer's own times: each layer's bin transforms as there, then one
    /// pass over the rates in which every layer's Horner vectors are scaled and added before the Taylor series in d,
    /// so a rate forms its powers of −d and its dot products once for all layers (the tail expansion sums one layer
    /// per draft count, at the times (j + 1)·s). One layer with factors 1 and power 0 is the single series (its
    /// route; the same operations as before layers existed). `setLimits` applies to every layer. Measured on the
    /// `optimal_verifier` pair at V = 152,064 without replacement: the setups at n = 4 and 8 fell by 10–28 %
    /// (T = 1, n = 4: 0.78 → 0.56 s; T = 1.5, n = 8: 2.0 → 1.55 s), identical gaps, blocks and iterations.
    package func transposedSeries(
        layers: [SeriesLayer], variable x: [Double], firstMoment: Bool = false, setLimits: [Int]? = nil,
        threads: Int = 1
    ) -> (zeroth: [Double], first: [Double]?) {
        let k = terms + 1, bins = centre.count
        precondition(k <= 24, "at most 23 Taylor terms") // a rate's row is read as three vectors of 8
        precondition(!layers.isEmpty)
        var used = [Bool](repeating: false, count: bins)
        for y in 0..<bin.count { used[bin[y]] = true }
        let usedBins = (0..<bins).filter { used[$0] }
        var slot = [Int](repeating: 0, count: bins)
        for (i, b) in usedBins.enumerated() { slot[b] = i }
        // 1/j for the Taylor basis
        let reciprocal = (0...k).map { $0 == 0 ? 0 : 1 / Double($0) }
        let chunks = max(1, min(8, usedBins.count))
        // per layer, from its offset in one buffer: [(slot·sets + set)·K + j] = N_j of that set in that bin, each layer
        // padded so that a rate may read three whole vectors of 8 from its last row
        var layerOffset = [Int](), total = 0
        for layer in layers {
            layerOffset.append(total)
            total += usedBins.count * layer.coefficientSets.count * k + 24
        }
        let transforms = UnsafeMutableBufferPointer<Double>.allocate(capacity: total)
        transforms.initialize(repeating: 0)
        defer { transforms.deallocate() }
        for (l, layer) in layers.enumerated() {
            let t = layer.times, sets = layer.coefficientSets.count
            let blockSize = sets * k
            // the coefficients side by side, flat[set·G + g] (0 for a nil set)
            var flat = [Double](repeating: 0, count: sets * t.count)
            for (set, coefficients) in layer.coefficientSets.enumerated() {
                guard let coefficients else { continue }
                for g in 0..<t.count { flat[set * t.count + g] = coefficients[g] }
            }
            let parts: [[Double]] = parallelMap(count: chunks, threads: threads) { c0 in
                let lo = c0 * usedBins.count / chunks, hi = (c0 + 1) * usedBins.count / chunks
                var part = [Double](repeating: 0, count: (hi - lo) * blockSize)
                var taylor = [Double](repeating: 0, count: k)
                flat.withUnsafeBufferPointer { cf in
                    part.withUnsafeMutableBufferPointer { out in
                        taylor.withUnsafeMutableBufferPointer { basis in
                            for (offset, b) in usedBins[lo..<hi].enumerated() {
                                var needed = 1
                                for g in 0..<t.count {
                                    let tg = t[g]
                                    if tg * lowest[b] > cutoff { break }
                                    needed = advanceTerms(needed, to: tg * spread[b])
                                    let count = min(k, needed + 1)
                                    // e^{−t w_c} t^j / j! once for every set
                                    basis[0] = exp(-tg * centre[b])
                                    for j in 1..<max(1, count) { basis[j] = basis[j - 1] * (tg * reciprocal[j]) }
                                    for set in 0..<sets {
                                        let coefficient = cf[set * t.count + g]
                                        if coefficient == 0 { continue }
                                        let base = offset * blockSize + set * k
                                        let row = out.baseAddress! + base
                                        for j in 0..<count { row[j] += coefficient * basis[j] }
                                    }
                                }
                            }
                        }
                    }
                }
                return part
            }
            var position = layerOffset[l]
            for part in parts {
                for value in part {
                    transforms[position] = value
                    position += 1
                }
            }
        }
        let base = UnsafeRawPointer(transforms.baseAddress!)
        let rateChunks = max(1, min(8, bin.count))
        let results: [([Double], [Double])] = parallelMap(count: rateChunks, threads: threads) { c0 in
            let lo = c0 * bin.count / rateChunks, hi = (c0 + 1) * bin.count / rateChunks
            var zeroth = [Double](repeating: 0, count: hi - lo)
            var first = [Double](repeating: 0, count: firstMoment ? hi - lo : 0)
            typealias Lanes = SIMD8<Double>
            // the powers of −d of the current rate (two tables of three vectors)
            let powers = UnsafeMutablePointer<Double>.allocate(capacity: 48)
            powers.initialize(repeating: 0, count: 48)
            defer { powers.deallocate() }
            do {
                for y in lo..<hi {
                    let d = offset[y], z = x[y]
                    let kk = rateTerms[y]
                    // Horner in x over each layer's sets, on the transforms N_j (j ≤ K' for the first moment) of a
                    // row at once: up to three vectors of 8 lanes, held in registers across the sets (lanes past the
                    // row's terms read the next row or the padding, and are multiplied by 0 below); the layers'
                    // vectors scaled by a_l x^{p_l} (and b_l x^{p_l}) and summed.
                    let width = firstMoment ? kk + 1 : kk
                    let chunks = (width + 7) / 8
                    var s0 = Lanes.zero, s1 = Lanes.zero, s2 = Lanes.zero
                    var f0 = Lanes.zero, f1 = Lanes.zero, f2 = Lanes.zero
                    let vector = MemoryLayout<Lanes>.stride
                    let back = k * MemoryLayout<Double>.stride
                    for (l, layer) in layers.enumerated() {
                        let sets = layer.coefficientSets.count
                        let block = slot[bin[y]] * sets * k
                        let usedSets = setLimits.map { max(1, min(sets, $0[y])) } ?? sets
                        var a0 = Lanes.zero, a1 = Lanes.zero, a2 = Lanes.zero
                        // (the row pointer steps down before each read: it never leaves the block)
                        var row = base + (layerOffset[l] + block + usedSets * k) * MemoryLayout<Double>.stride
                        switch chunks {
                        case 1:
                            for _ in 0..<usedSets {
                                row -= back
                                a0 = a0 * z + row.loadUnaligned(as: Lanes.self)
                            }
                        case 2:
                            for _ in 0..<usedSets {
                                row -= back
                                a0 = a0 * z + row.loadUnaligned(as: Lanes.self)
                                a1 = a1 * z + row.loadUnaligned(fromByteOffset: vector, as: Lanes.self)
                            }
                        default:
                            for _ in 0..<usedSets {
                                row -= back
                                a0 = a0 * z + row.loadUnaligned(as: Lanes.self)
                                a1 = a1 * z + row.loadUnaligned(fromByteOffset: vector, as: Lanes.self)
                                a2 = a2 * z + row.loadUnaligned(fromByteOffset: 2 * vector, as: Lanes.self)
                            }
                        }
                        var scale = 1.0
                        for _ in 0..<layer.power { scale *= z }
                        let zs = scale * layer.zerothFactor
                        s0 += zs * a0
                        if chunks > 1 { s1 += zs * a1 }
                        if chunks > 2 { s2 += zs * a2 }
                        if firstMoment {
                            let fs = scale * layer.firstFactor
                            f0 += fs * a0
                            if chunks > 1 { f1 += fs * a1 }
                            if chunks > 2 { f2 += fs * a2 }
                        }
                    }
                    // then the Taylor series in d: Σ_{j<K'} N_j (−d)^j, and for the first moment
                    // Σ_{1≤j≤K'} j·N_j (−d)^{j−1}, as dot products with the powers of −d (lanes 0…23: (−d)^j for
                    // j < K'; lanes 24…47: j·(−d)^{j−1} for 1 ≤ j ≤ K'; 0 elsewhere in the vectors read).
                    for j in 0..<(8 * chunks) { powers[j] = 0; powers[24 + j] = 0 }
                    var value = 1.0
                    for j in 0..<kk {
                        powers[j] = value
                        powers[25 + j] = Double(j + 1) * value
                        value *= -d
                    }
                    let table = UnsafeRawPointer(powers)
                    var sum0 = s0 * table.loadUnaligned(as: Lanes.self)
                    var sum1 = f0 * table.loadUnaligned(fromByteOffset: 3 * vector, as: Lanes.self)
                    if chunks > 1 {
                        sum0 += s1 * table.loadUnaligned(fromByteOffset: vector, as: Lanes.self)
                        sum1 += f1 * table.loadUnaligned(fromByteOffset: 4 * vector, as: Lanes.self)
                    }
                    if chunks > 2 {
                        sum0 += s2 * table.loadUnaligned(fromByteOffset: 2 * vector, as: Lanes.self)
                        sum1 += f2 * table.loadUnaligned(fromByteOffset: 5 * vector, as: Lanes.self)
                    }
                    zeroth[y - lo] = sum0.sum()
                    if firstMoment { first[y - lo] = sum1.sum() }
                }
            }
            return (zeroth, first)
        }
        return (results.flatMap(\.0), firstMoment ? results.flatMap(\.1) : nil)
    }
}
