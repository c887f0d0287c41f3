/// A seedable, fast pseudo-random number generator: xoshiro256** (Blackman & Vigna, 2018).
///
/// Every random stream in the toolkit comes from one of these, so that one `--seed` reproduces a run exactly.
/// Independent streams for the same seed are derived with ``init(seed:stream:)``: the pair `(seed, stream)` is
/// expanded by SplitMix64 into the 256-bit state, so streams that differ only in their index do not overlap in
/// practice (period 2^256 − 1).
///
/// ```
/// var rng = Xoshiro256(seed: 42)
/// let u = rng.nextUniform()        // U ~ Uniform[0, 1), 53 random bits
/// ```
///
/// Complexity: O(1) per draw. Not cryptographically secure.
public struct Xoshiro256: RandomNumberGenerator, Sendable, Hashable {
    @usableFromInline var s0: UInt64
    @usableFromInline var s1: UInt64
    @usableFromInline var s2: UInt64
    @usableFromInline var s3: UInt64

    /// A generator for `seed`, stream 0.
    public init(seed: UInt64) {
        self.init(seed: seed, stream: 0)
    }

    /// A generator for the independent stream number `stream` of `seed`.
    public init(seed: UInt64, stream: UInt64) {
        var mixer = SplitMix64(state: seed ^ (stream &* 0xD1B5_4A32_D192_ED03))
        // Burn one output so that (seed, 0) and (seed ^ k, k-dependent) do not trivially alias.
        _ = mixer.next()
        mixer.state ^= stream &* 0x9E37_79B9_7F4A_7C15
        s0 = mixer.next()
        s1 = mixer.next()
        s2 = mixer.next()
        s3 = mixer.next()
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 }
    }

    @inlinable
    public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    @inlinable
    func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 {
        (x << k) | (x >> (64 &- k))
    }
}

/// SplitMix64 (Steele, Lea & Flood, 2014): used to expand seeds into generator states.
public struct SplitMix64: RandomNumberGenerator, Sendable, Hashable {
    public var state: UInt64

    public init(state: UInt64) {
        self.state = state
    }

    @inlinable
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension RandomNumberGenerator {
    /// A uniform draw from [0, 1) with 53 random bits: `U = (next() >> 11) · 2^-53`.
    @inlinable
    public mutating func nextUniform() -> Double {
        Double(next() >> 11) * 0x1p-53
    }
}
