import Foundation
import MultidraftSupport
import PropertyBased
import Testing
import Distributions

/// Runs `body` on `count` inputs drawn from `generators` under a **fixed** seed, so that a test is the same on every
/// run and a red test always means a change in the code (`swift-property-based`'s own `propertyCheck` draws a fresh
/// seed on every run). The seed defaults to a stable hash of the calling file and function, so each test has its own
/// fixed stream.
///
/// **Opt-in campaign.** With the environment variable `MULTIDRAFT_PROPERTY_CAMPAIGN=K` (K ≥ 1) every call runs
/// K × `count` inputs under a fresh seed instead (or under `MULTIDRAFT_PROPERTY_SEED=S` to replay one), and prints
/// the seed it used to standard error, so that any failure can be replayed and its instance added to a regression
/// table of the tests.
///
/// Inputs are generated with `swift-property-based`'s ``Xoshiro`` seeded by (seed, case index), so a failing case is
/// replayed alone by its index. Complexity: `count` calls of `body`.
public func seededPropertyCheck<each Value, each Shrink>(
    count: Int, seed: UInt64? = nil,
    input generators: repeat Generator<each Value, each Shrink>,
    fileID: String = #fileID, function: String = #function,
    perform body: (repeat each Value) async throws -> Void
) async rethrows {
    let plan = PropertyCampaign.plan(count: count, seed: seed, fileID: fileID, function: function)
    for index in 0..<plan.count {
        var rng = Xoshiro(seed: PropertyCampaign.state(seed: plan.seed, index: UInt64(index)))
        let values = (repeat (each generators).run(using: &rng))
        try await body(repeat each values)
    }
}

/// The seed and count of a ``seededPropertyCheck(count:seed:input:fileID:function:perform:)`` run: fixed by
/// default, a campaign under `MULTIDRAFT_PROPERTY_CAMPAIGN`.
public enum PropertyCampaign {
    /// The campaign's multiplier, or nil when no campaign runs.
    public static var multiplier: Int? {
        guard let text = ProcessInfo.processInfo.environment["MULTIDRAFT_PROPERTY_CAMPAIGN"],
            let k = Int(text), k >= 1
        else { return nil }
        return k
    }

    /// `count` cases under the fixed seed, or the campaign's K × `count` under a fresh (or replayed) seed.
    public static func plan(count: Int, seed: UInt64?, fileID: String, function: String) -> (seed: UInt64, count: Int) {
        let fixed = seed ?? stableHash("\(fileID)#\(function)")
        guard let k = multiplier else { return (fixed, count) }
        let replay = ProcessInfo.processInfo.environment["MULTIDRAFT_PROPERTY_SEED"].flatMap { UInt64($0) }
        let fresh = replay ?? UInt64.random(in: 0...UInt64.max)
        FileHandle.standardError.write(
            Data(
                "property campaign: \(fileID) \(function): seed \(fresh), \(k * count) cases (replay with MULTIDRAFT_PROPERTY_SEED=\(fresh))\n"
                    .utf8))
        return (fresh, k * count)
    }

    /// FNV-1a, 64 bits: stable across runs and platforms (unlike `Hasher`).
    public static func stableHash(_ text: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return h
    }

    /// The generator state of case `index`: four words of the toolkit's splitmix-seeded stream.
    static func state(seed: UInt64, index: UInt64) -> (UInt64, UInt64, UInt64, UInt64) {
        var source = Xoshiro256(seed: seed, stream: index)
        return (source.next(), source.next(), source.next(), source.next() | 1)
    }
}
