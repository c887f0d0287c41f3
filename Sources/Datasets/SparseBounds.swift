import Distributions

/// alpha* from top-k rows, where each model's dropped tokens are known only through their total `rest`.
///
/// Two dense problems bracket the true alpha*, for **i.i.d. and independent** drafts:
///
/// - **lower** — the *spread completion*: the tokens listed by any model, plus one atom per model carrying that
///   model's rest mass alone (every other model has 0 there). The true distributions are a coarsening of a
///   refinement of this (split each unlisted token's mass into one piece per model), and for these laws
///   Q(H) = Π_i q_i(H) depends only on masses, so splitting pieces that only one model charges changes nothing,
///   while merging atoms never lowers alpha* (a coupling of the fine problem maps to one of the coarse problem that
///   accepts at least as often). Hence alpha*(spread) ≤ alpha*(true).
/// - **upper** — the *lumped coarsening*: the tokens listed by **every** model, plus one lump for all others
///   (each model's lump mass = its rest + its listed mass outside the common set). Merging tokens never lowers
///   alpha*, so alpha*(true) ≤ alpha*(lumped).
///
/// The two meet (exact) when every model lists the same tokens and the rests are 0. Without-replacement, greedy and
/// SpecHub laws are not closed under these operations (a lump can be drafted twice), so they are refused.
public enum SparseBounds {
    /// The spread completion (lower) and the lumped coarsening (upper) of the target and the draft models.
    public static func completions(
        target: SparseRow, drafts: [SparseRow]
    ) throws
        -> (lower: (Distribution, [Distribution]), upper: (Distribution, [Distribution]))
    {
        let rows = [target] + drafts
        // Lower: union of listed tokens, then one rest atom per row.
        var union: [Int] = []
        var seen = Set<Int>()
        for r in rows { for t in r.indices where seen.insert(t).inserted { union.append(t) } }
        union.sort()
        let slot = Dictionary(uniqueKeysWithValues: union.enumerated().map { ($1, $0) })
        func spread(_ r: SparseRow, model m: Int) -> [Double] {
            var v = [Double](repeating: 0, count: union.count + rows.count)
            for (t, x) in zip(r.indices, r.values) { v[slot[t]!] = x }
            v[union.count + m] = r.rest
            return v
        }
        let lower = try rows.enumerated().map { try Distribution(normalizing: spread($1, model: $0)) }
        // Upper: tokens every row lists, plus one lump.
        var common = Set(rows[0].indices)
        for r in rows.dropFirst() { common.formIntersection(r.indices) }
        let kept = common.sorted()
        let keptSlot = Dictionary(uniqueKeysWithValues: kept.enumerated().map { ($1, $0) })
        func lumped(_ r: SparseRow) -> [Double] {
            var v = [Double](repeating: 0, count: kept.count + 1)
            var lump = r.rest
            for (t, x) in zip(r.indices, r.values) {
                if let k = keptSlot[t] { v[k] = x } else { lump += x }
            }
            v[kept.count] = lump
            return v
        }
        let upper = try rows.map { try Distribution(normalizing: lumped($0)) }
        return ((lower[0], Array(lower.dropFirst())), (upper[0], Array(upper.dropFirst())))
    }
}
