import Foundation
import Multidraft

/// Bounded work: every size a command reads is checked before it is used, and the time or memory a run needs is
/// estimated from its inputs (in Double, so the estimate itself cannot overflow) and refused beyond a limit, with
/// the estimate and the option that raises the limit in the message.
enum CLILimits {
    /// Default of `--max-weight-lp-variables` (importance): the pair-weight LPs have ±1 coefficients and one row per
    /// token, and solve much faster than transport LPs of the same size.
    static let defaultMaxWeightLPVariables = 200_000
    /// Default of `--max-work` (simulate): trials × drafts, seconds to a minute of Monte-Carlo on one core.
    static let defaultMaxWork = 5e8
    /// Default of `--max-memory-mb`.
    static let defaultMaxMemoryMB = 2_048.0
    /// Largest `--threads`.
    static let maxThreads = 1_024
    /// Largest `--repeat`.
    static let maxRepeat = 10_000
    /// Largest `--max-length` of `length --alpha` (the scan is linear in it).
    static let maxLeviathanLength = 100_000_000
    /// Largest `--bins` of `length --acceptance`.
    static let maxBins = 10_000_000
    /// Largest number of drafts a Monte-Carlo run accepts (each trial holds and verifies every draft).
    static let maxSimulatedDrafts = 1_000_000

    /// Refuses `value` outside `range`, naming the option and the range.
    static func require(_ value: Int, in range: ClosedRange<Int>, option: String) throws {
        guard range.contains(value) else {
            throw UsageError("\(option) must be in \(range.lowerBound)...\(range.upperBound), got \(value)")
        }
    }

    /// Refuses a non-finite or non-positive limit value.
    static func requirePositive(_ value: Double, option: String) throws {
        guard value.isFinite, value > 0 else { throw UsageError("\(option) must be a positive number, got \(value)") }
    }

    /// Refuses when the estimated work exceeds `limit`.
    static func requireWork(_ estimate: Double, limit: Double, what: String, option: String) throws {
        guard estimate.isFinite, estimate <= limit else {
            throw UsageError(
                "the run needs about \(format(estimate)) \(what), above the limit \(format(limit)); raise it with \(option) if you mean it"
            )
        }
    }

    /// Refuses when the estimated memory exceeds `limitMB`.
    static func requireMemory(bytes: Double, limitMB: Double) throws {
        let megabytes = bytes / 1_048_576
        guard megabytes.isFinite, megabytes <= limitMB else {
            throw UsageError(
                "the run needs about \(format(megabytes)) MB of memory, above the limit \(format(limitMB)) MB; raise it with --max-memory-mb if you mean it"
            )
        }
    }

    /// Refuses a set-level LP (the transport LP of alpha* or of the optimal verifier) beyond `limit` variables, before
    /// anything is built.
    static func requireLPSize(
        _ law: DraftLaw, limit: Int, purpose: String,
        option: String = "--max-lp-variables"
    ) throws {
        let size = OptimalTransportLP.estimatedSize(of: law)
        guard size.variables.isFinite, size.variables <= Double(limit) else {
            let what = option == "--max-lp-variables" ? "variables" : "arcs"
            throw UsageError(
                "\(option == "--max-lp-variables" ? "LP" : "draft-set graph") too large: \(purpose) needs about \(format(size.variables)) \(what) (\(format(size.sets)) draft sets), above the limit \(limit); raise it with \(option) if you mean it"
            )
        }
        let work = setLawWork(law)
        guard work <= maxSetLawWork else {
            throw UsageError(
                "LP too large: the draft-set law for \(purpose) with n = \(law.drafts) needs about \(format(work)) steps to compute (limit \(format(maxSetLawWork))); use fewer drafts"
            )
        }
    }

    /// Largest work of `--method brute-force` on the without-replacement law: 2^V subsets, each Q(H) an
    /// exponential-race integral of about V·n steps.
    static let maxBruteForceRaceWork = 1e7

    /// Refuses a brute-force enumeration whose per-subset race integrals would take minutes.
    static func requireBruteForce(_ law: DraftLaw) throws {
        guard case .withoutReplacement = law.kind else { return }
        let work = pow(2, Double(law.vocabularySize)) * Double(law.vocabularySize) * Double(law.drafts)
        guard work <= maxBruteForceRaceWork else {
            throw UsageError(
                "--method brute-force on the without-replacement law needs about \(format(work)) race steps (2^V subsets x V x n), above the limit \(format(maxBruteForceRaceWork)); use --method dual, which is exact for this law"
            )
        }
    }

    /// Largest `--repeat` × LP variables (one repetition of the largest default LP, ``Limits/lpVariables``).
    static let maxRepeatedLPVariables = 200_000.0
    /// Largest `--repeat` × the size of a scan (V, or V·n for the without-replacement race).
    static let maxRepeatedScanWork = 1e9

    /// Refuses `--repeat R` when R computations would take long: R × LP variables for the LP (× 100 allowed for the
    /// flow), R × V (× n for the without-replacement race, × 100 n for sfm) for the others. `method` is the resolved
    /// route (never `.auto`).
    static func requireRepeatWork(_ law: DraftLaw, method: BoundMethod, repeat r: Int) throws {
        guard r > 1 else { return }
        if method == .flow {
            let work = Double(r) * OptimalTransportLP.estimatedSize(of: law).variables
            guard work <= 100 * maxRepeatedLPVariables else {
                throw UsageError(
                    "--repeat \(r) solves a flow of about \(format(OptimalTransportLP.estimatedSize(of: law).variables)) arcs \(r) times (\(format(work)) arc-solves, limit \(format(100 * maxRepeatedLPVariables))); lower --repeat"
                )
            }
        } else if method == .lp {
            let work = Double(r) * OptimalTransportLP.estimatedSize(of: law).variables
            guard work <= maxRepeatedLPVariables else {
                throw UsageError(
                    "--repeat \(r) solves an LP of about \(format(OptimalTransportLP.estimatedSize(of: law).variables)) variables \(r) times (\(format(work)) variable-solves, limit \(format(maxRepeatedLPVariables))); lower --repeat"
                )
            }
        } else {
            var size = Double(law.vocabularySize)
            if case .withoutReplacement = law.kind { size *= Double(law.drafts) }
            if method == .bruteForce { size = pow(2, Double(law.vocabularySize)) * Double(law.vocabularySize) }
            if method == .sfm { size *= 100 * Double(law.drafts) } // tens to hundreds of vertices of O(V n)
            let work = Double(r) * size
            guard work <= maxRepeatedScanWork else {
                throw UsageError(
                    "--repeat \(r) repeats a computation of about \(format(size)) steps (\(format(work)) in all, limit \(format(maxRepeatedScanWork))); lower --repeat"
                )
            }
        }
    }

    /// Largest work of building a draft-set law (the masses Q_set(S) before the LP).
    static let maxSetLawWork = 1e9

    /// The steps needed to compute every Q_set(S): |S| · n² per set for iid drafts (composition counts), 2^n · n per
    /// set without replacement, 2^min(n, V) · n per set for independent drafts, V for greedy and SpecHub.
    static func setLawWork(_ law: DraftLaw) -> Double {
        let sets = OptimalTransportLP.estimatedSize(of: law).sets
        let n = Double(law.drafts), v = Double(law.vocabularySize)
        switch law.kind {
        case .iid: return sets * min(n, v) * n * n
        case .withoutReplacement: return sets * pow(2, n) * n
        case .independent: return sets * pow(2, min(n, v)) * n
        case .greedy, .specHub: return v
        case .explicit: return sets * n
        }
    }

    /// A number for a message: an integer when it is one and not huge, else three significant digits.
    static func format(_ x: Double) -> String {
        if !x.isFinite { return x.isNaN ? "an unknown number of" : "more than 1e308" }
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        return String(format: "%.3g", x)
    }
}
