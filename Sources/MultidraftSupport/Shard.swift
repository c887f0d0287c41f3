/// One shard `i/N` of a sharded run: the work items whose index is ≡ i (mod N). The batch command and the
/// experiment runner both parse `--shard` with it.
package struct Shard: Sendable, Equatable {
    /// 0 ≤ index < count.
    package let index: Int
    /// N ≥ 1.
    package let count: Int

    /// The whole run as one shard.
    package static let whole = Shard(uncheckedIndex: 0, count: 1)

    private init(uncheckedIndex index: Int, count: Int) { (self.index, self.count) = (index, count) }

    /// Parses `i/N`; nil unless both are integers with 0 ≤ i < N.
    package init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, i >= 0, i < n else { return nil }
        (index, count) = (i, n)
    }

    /// Whether item `item` belongs to this shard.
    package func contains(_ item: Int) -> Bool { item % count == index }
}
