import Foundation
import Testing
@testable import MultidraftSupport
import Distributions

@Suite struct GeneratorTests {
    @Test func sameSeedSameStreamIsReproducible() {
        var a = Xoshiro256(seed: 42, stream: 3), b = Xoshiro256(seed: 42, stream: 3)
        for _ in 0..<1000 { #expect(a.next() == b.next()) }
    }

    @Test func streamsAndSeedsDiffer() {
        var firsts = Set<UInt64>()
        for seed in 0..<20 as Range<UInt64> {
            for stream in 0..<20 as Range<UInt64> {
                var g = Xoshiro256(seed: seed, stream: stream)
                firsts.insert(g.next())
            }
        }
        #expect(firsts.count == 400)
    }

    /// U ∈ [0, 1) with mean 1/2 and variance 1/12 (5σ bands over 10⁶ draws).
    @Test func uniformMoments() {
        var g = Xoshiro256(seed: 7)
        let n = 1_000_000
        var sum = 0.0, sumSquares = 0.0, low = 1.0, high = 0.0
        for _ in 0..<n {
            let u = g.nextUniform()
            sum += u; sumSquares += u * u; low = min(low, u); high = max(high, u)
        }
        let mean = sum / Double(n), variance = sumSquares / Double(n) - mean * mean
        #expect(low >= 0 && high < 1)
        #expect(abs(mean - 0.5) < 5 * (1.0 / 12 / Double(n)).squareRoot())
        #expect(abs(variance - 1.0 / 12) < 5 * (1.0 / 180 / Double(n)).squareRoot())
    }
}

@Suite struct ParallelMapTests {
    @Test func resultsAreInIndexOrderForAnyThreadCount() {
        let reference = (0..<1000).map { i -> UInt64 in
            var g = Xoshiro256(seed: 1, stream: UInt64(i)); return g.next()
        }
        for threads in [1, 2, 3, 8] {
            let values = parallelMap(count: 1000, threads: threads) { i -> UInt64 in
                var g = Xoshiro256(seed: 1, stream: UInt64(i)); return g.next()
            }
            #expect(values == reference)
        }
        #expect(parallelMap(count: 0, threads: 2) { $0 }.isEmpty)
    }

    @Test func medianTiming() {
        var calls = 0
        let result = Stopwatch.median(repeats: 5) { () -> Int in
            calls += 1; return calls
        }
        #expect(calls == 5 && result.value == 5 && result.milliseconds >= 0)
    }
}

@Suite struct AllocatorTuningTests {
    /// On glibc the setting is applied (a build that compiled it out, as a missing `__GLIBC__` once did, fails here).
    @Test func appliesOnGlibc() {
        #if canImport(Glibc)
        #expect(tuneAllocatorForLargeArrays())
        #endif
    }
}
