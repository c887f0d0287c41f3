import Foundation

extension Distribution {
    /// The softmax of `logits / temperature`, optionally truncated to the top-k tokens and then to the top-p
    /// nucleus, and renormalised: the usual sampling pipeline of a language model.
    ///
    /// ```
    /// p(i) ∝ exp((ℓ_i − max ℓ) / T)        then top-k, then top-p (smallest prefix of the sorted p with mass ≥ top-p)
    /// ```
    ///
    /// - Parameters:
    ///   - logits: finite values or −∞ (a masked token); at least one must be finite.
    ///   - temperature: T > 0.
    ///   - topK: keep the k most likely tokens (ties to the smaller index); `nil` keeps all.
    ///   - topP: keep the smallest set of most likely tokens whose mass reaches `topP` ∈ (0, 1]; `nil` keeps all.
    /// - Complexity: O(V) without truncation, O(V log V) with it.
    public init(logits: [Double], temperature: Double = 1, topK: Int? = nil, topP: Double? = nil) throws {
        guard !logits.isEmpty else { throw DistributionError.empty }
        guard temperature.isFinite, temperature > 0 else { throw DistributionError.invalidTemperature(temperature) }
        if let k = topK, k < 1 { throw DistributionError.invalidTopK(k) }
        if let p = topP, !(p > 0 && p <= 1) { throw DistributionError.invalidTopP(p) }
        for (i, l) in logits.enumerated() where l.isNaN || l == .infinity {
            throw DistributionError.notFinite(index: i, value: l)
        }
        let maxLogit = logits.max()!
        guard maxLogit.isFinite else { throw DistributionError.zeroMass }
        var weights = logits.map { $0 == -.infinity ? 0 : exp(($0 - maxLogit) / temperature) }
        if topK != nil || topP != nil {
            let order = weights.indices.sorted { weights[$0] != weights[$1] ? weights[$0] > weights[$1] : $0 < $1 }
            var keep = order.count
            if let k = topK { keep = Swift.min(keep, k) }
            if let nucleus = topP {
                let total = weights.reduce(0, +)
                var cumulative = 0.0
                for (rank, token) in order.prefix(keep).enumerated() {
                    cumulative += weights[token]
                    if cumulative >= nucleus * total { keep = rank + 1; break }
                }
            }
            for token in order.dropFirst(keep) { weights[token] = 0 }
        }
        try self.init(normalizing: weights)
    }
}
