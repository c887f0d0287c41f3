import Testing
@testable import MultidraftSupport

/// parallelMap keeps index order and gives the same values for every thread count.
@Suite struct ParallelMapTests {
    @Test func sameResultForEveryThreadCount() {
        func work(_ i: Int) -> UInt64 {
            var rng = Xoshiro256(seed: 7, stream: UInt64(i))
            return rng.next()
        }
        let one = parallelMap(count: 37, threads: 1, work)
        #expect(one.count == 37)
        #expect(Set(one).count == 37)   // distinct streams give distinct first outputs
        for threads in [2, 3, 8] { #expect(parallelMap(count: 37, threads: threads, work) == one) }
    }
}
