import MultidraftSupport
import Verifiers
import Distributions

/// The Monte-Carlo engine: draws draft tuples from a verifier's law and verifies them, counting outputs, coin
/// acceptances and membership acceptances.
///
/// ```
/// chunk c (trials [c·C, min((c+1)·C, N)), C = chunkSize):
///     drafting stream      Xoshiro256(seed: seed, stream: 2c)
///     verification stream  Xoshiro256(seed: seed, stream: 2c + 1)
/// worker w of K threads takes chunks w, w + K, …; integer counts are summed
/// ```
///
/// Every chunk's randomness depends only on (seed, c), and integer sums do not depend on the order of addition, so
/// the result (timing aside) is identical for every thread count. Drafting costs O(n) per tuple (alias tables of
/// ``DraftSampler``) and verification is the verifier's precomputed O(n) path, so a trial is not O(V) (except on the
/// rejection paths of `rrs-without-replacement`).
public enum MonteCarlo {
    /// Trials per chunk.
    public static let defaultChunkSize = 1 << 16

    /// Runs `trials` verifications of `verifier` on fresh draft tuples.
    /// - Precondition: trials ≥ 1, threads ≥ 1 (the CLI checks them first).
    public static func run<V: Verifier>(
        verifier: V, trials: Int, seed: UInt64, threads: Int = 1, chunkSize: Int = MonteCarlo.defaultChunkSize
    ) -> SimulationResult {
        run(verifier: verifier, trials: trials, seed: seed, threads: threads, chunkSize: chunkSize, progress: nil)
    }

    /// Runs `trials` verifications, reporting finished chunks to `progress` (a terminal progress line).
    package static func run<V: Verifier>(
        verifier: V, trials: Int, seed: UInt64, threads: Int, chunkSize: Int, progress: TerminalProgress?
    ) -> SimulationResult {
        precondition(trials >= 1 && threads >= 1 && chunkSize >= 1)
        let watch = Stopwatch()
        let sampler = verifier.law.makeSampler()
        let vocabulary = verifier.target.vocabularySize
        let chunks = trials / chunkSize + (trials % chunkSize == 0 ? 0 : 1) // no overflow near Int.max
        let workers = min(threads, chunks)
        let partials = parallelMap(count: workers, threads: workers) { worker -> TrialTally in
            var tally = TrialTally(vocabularySize: vocabulary)
            var c = worker
            while c < chunks {
                var draftRNG = Xoshiro256(seed: seed, stream: 2 * UInt64(c))
                var verifyRNG = Xoshiro256(seed: seed, stream: 2 * UInt64(c) + 1)
                let count = min(chunkSize, trials - c * chunkSize)
                verifier._simulateTrials(
                    count, sampler: sampler, draftRNG: &draftRNG, verifyRNG: &verifyRNG, into: &tally)
                progress?.advance(by: count)
                c += workers
            }
            return tally
        }
        progress?.finish()
        var total = TrialTally(vocabularySize: vocabulary)
        for t in partials { total.add(t) }
        return SimulationResult(
            verifier: verifier.name, law: verifier.law.name, drafts: verifier.law.drafts, trials: trials, seed: seed,
            counts: total.counts, membershipCount: total.member, coinCount: total.coin,
            target: verifier.target.probabilities, elapsedMilliseconds: watch.elapsedMilliseconds)
    }

    /// Runs a verifier given as an existential: the existential is opened once, and the trial loop is the
    /// verifier's own ``Verifier/_simulateTrials(_:sampler:draftRNG:verifyRNG:into:)``, specialised for its type
    /// (for every conforming type, the toolkit's and a user's alike).
    public static func run(
        anyVerifier verifier: any Verifier, trials: Int, seed: UInt64, threads: Int = 1,
        chunkSize: Int = MonteCarlo.defaultChunkSize
    ) -> SimulationResult {
        run(anyVerifier: verifier, trials: trials, seed: seed, threads: threads, chunkSize: chunkSize, progress: nil)
    }

    /// Runs a verifier given as an existential, reporting finished chunks to `progress`. The existential is opened
    /// once, and every chunk runs the verifier's own compiled trial loop (``Verifier/_simulateTrials``).
    package static func run(
        anyVerifier verifier: any Verifier, trials: Int, seed: UInt64, threads: Int, chunkSize: Int,
        progress: TerminalProgress?
    ) -> SimulationResult {
        run(verifier: verifier, trials: trials, seed: seed, threads: threads, chunkSize: chunkSize, progress: progress)
    }
}
