import AcceptanceBounds
import Distributions
import Simulation
import Verifiers
import MultidraftSupport

/// The checks the toolkit applies to its own verifiers, for any ``Verifier`` built by a factory: usable from Swift
/// Testing or XCTest in any package that depends on the product `MultidraftTesting`.
///
/// ```swift
/// let report = try await VerifierConformance.check(
///     laws: [.iid, .withoutReplacement], drafts: 1...3, vocabulary: 2...6, instances: 200, seed: 1
/// ) { target, law in try MyVerifier(target: target, law: law) }
/// #expect(report.passed, "\(report)")
/// ```
///
/// On generated instances (small V, every ``ConformanceInstance/Shape``: zero entries, p = q, disjoint supports, a
/// draft token of mass 1 − 1e-12) it checks, by exact enumeration of the law's draft tuples and the verifier's
/// ``Verifier/conditionalOutcome(given:)``, each ``Property``; then a Monte-Carlo run at a larger V per law. A failed
/// property is reported once, with the smallest instance on which it failed.
public enum VerifierConformance {
    /// A property a lossless verifier must have.
    public enum Property: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        /// The factory threw for a law and draft count the verifier claims, or the verifier reports another law.
        case construction
        /// `conditionalOutcome(given:)` is missing, so the exact checks cannot run.
        case conditionalOutcome = "conditional-outcome"
        /// The exact output law equals p to ``Options/lawTolerance`` (enumeration).
        case lossless
        /// The membership acceptance P(Y ∈ set(x)) is at most alpha* of the law.
        case belowOptimum = "below-optimum"
        /// The coin acceptance is at most the membership acceptance.
        case coinBelowMembership = "coin-below-membership"
        /// A claimed ``Verifier/exactAcceptance`` equals the enumerated membership acceptance.
        case exactAcceptance = "exact-acceptance"
        /// On every tuple of positive probability, under coins pinned to 0 and to 1 − 2⁻⁵³ at any draw, the output has
        /// p(Y) > 0 and an accepted draft index points at the output token.
        case targetSupport = "target-support"
        /// The same seed gives the same outcomes (also for 1 and 2 Monte-Carlo threads).
        case reproducible
        /// The Monte-Carlo output counts pass a chi-square test against p (p-value above ``Options/pValueFloor``).
        case monteCarloLaw = "monte-carlo-law"
        /// The Monte-Carlo acceptance is within 5 standard errors of `exactAcceptance` and not 5 above alpha*.
        case monteCarloAcceptance = "monte-carlo-acceptance"

        public var description: String { rawValue }
    }

    /// One failed property, on the smallest instance where it failed.
    public struct Failure: Sendable, CustomStringConvertible {
        public let property: Property
        public let instance: ConformanceInstance
        public let detail: String
        /// On how many instances the property failed.
        public let occurrences: Int

        public var description: String {
            "\(property) failed (\(occurrences)×); smallest instance: \(instance): \(detail)"
        }
    }

    /// The outcome of a check.
    public struct Report: Sendable, CustomStringConvertible {
        /// One entry per failed property, in ``Property`` order.
        public let failures: [Failure]
        /// Instances checked exactly (generated instances whose law could be built).
        public let exactInstances: Int
        /// Monte-Carlo instances run.
        public let monteCarloInstances: Int

        public var passed: Bool { failures.isEmpty }
        /// The failed properties.
        public var failedProperties: [Property] { failures.map(\.property) }

        public var description: String {
            if passed { return "passed: \(exactInstances) exact instances, \(monteCarloInstances) Monte-Carlo runs" }
            return failures.map(\.description).joined(separator: "\n")
        }
    }

    /// Tolerances and sizes.
    public struct Options: Sendable {
        /// max_y |P(Y = y) − p(y)| allowed.
        public var lawTolerance = 1e-12
        /// Slack of membership ≤ alpha* (alpha* of the independent law is an LP value).
        public var boundTolerance = 1e-9
        /// |exactAcceptance − enumeration| allowed.
        public var exactAcceptanceTolerance = 1e-12
        /// V of the Monte-Carlo instances (one per law).
        public var monteCarloVocabulary = 32
        /// Trials per Monte-Carlo instance; 0 skips the Monte-Carlo properties.
        public var monteCarloTrials = 200_000
        /// Worker threads of the Monte-Carlo runs (results do not depend on it).
        public var threads = 2
        /// The chi-square p-value below which the output law is rejected: 5.7e-7 is a two-sided 5σ band.
        public var pValueFloor = 5.7e-7
        /// Standard errors allowed between the Monte-Carlo acceptance and the exact one.
        public var sigmas = 5.0

        public init() {}
    }

    /// Why a check could not start.
    public enum ConfigurationError: Error, Equatable, CustomStringConvertible {
        case noLaws
        case invalidRange(String)

        public var description: String {
            switch self {
            case .noLaws: return "the conformance check needs at least one law"
            case .invalidRange(let detail): return "invalid conformance range: \(detail)"
            }
        }
    }

    /// The factory: builds the verifier under test for a target and a law.
    public typealias Factory = @Sendable (Distribution, DraftLaw) throws -> any Verifier

    /// Checks every ``Property`` on `instances` generated instances (law, n and V drawn from the given lists and
    /// ranges, shapes in turn, all from `seed`) and one Monte-Carlo instance per law. Throws only for invalid ranges.
    public static func check(
        laws: [DraftLawName], drafts: ClosedRange<Int>, vocabulary: ClosedRange<Int>, instances: Int, seed: UInt64,
        options: Options = Options(), make: @escaping Factory
    ) async throws -> Report {
        try checkSynchronously(
            laws: laws, drafts: drafts, vocabulary: vocabulary, instances: instances, seed: seed,
            options: options, make: make)
    }

    /// ``check(laws:drafts:vocabulary:instances:seed:options:make:)`` without `async`.
    public static func checkSynchronously(
        laws: [DraftLawName], drafts: ClosedRange<Int>, vocabulary: ClosedRange<Int>, instances: Int, seed: UInt64,
        options: Options = Options(), make: Factory
    ) throws -> Report {
        guard !laws.isEmpty else { throw ConfigurationError.noLaws }
        guard drafts.lowerBound >= 1 else { throw ConfigurationError.invalidRange("drafts must be >= 1") }
        guard vocabulary.lowerBound >= 2, vocabulary.upperBound <= ExactVerification.maxVocabulary else {
            throw ConfigurationError.invalidRange("vocabulary must lie in 2...\(ExactVerification.maxVocabulary)")
        }
        var collector = Collector()
        var exactCount = 0
        let shapes = ConformanceInstance.Shape.allCases
        for index in 0..<max(0, instances) {
            var rng = Xoshiro256(seed: seed, stream: UInt64(index))
            let law = laws[index % laws.count]
            let v = pick(vocabulary, &rng)
            // SpecHub is defined for n = 2 only.
            let n = law == .specHub ? 2 : pick(drafts, &rng)
            guard drafts.contains(n) else { continue }
            let instance = ConformanceInstance.random(
                vocabulary: v, drafts: n, law: law, shape: shapes[(index / laws.count) % shapes.count], using: &rng)
            // Instances whose law cannot exist (more distinct drafts than tokens with positive q) are skipped.
            guard (try? instance.makeLaw()) != nil else { continue }
            exactCount += 1
            for failure in checkExactly(instance, seed: seed &+ UInt64(index), options: options, make: make) {
                collector.add(failure)
            }
        }
        var monteCarloCount = 0
        if options.monteCarloTrials > 0 {
            for (k, law) in laws.enumerated() {
                var rng = Xoshiro256(seed: seed, stream: (1 << 32) + UInt64(k))
                let n = law == .specHub ? 2 : min(drafts.upperBound, max(drafts.lowerBound, 3))
                guard drafts.contains(n) else { continue }
                let instance = ConformanceInstance.random(
                    vocabulary: max(options.monteCarloVocabulary, n), drafts: n, law: law, shape: .zeros, using: &rng)
                guard (try? instance.makeLaw()) != nil else { continue }
                monteCarloCount += 1
                for failure in checkMonteCarlo(instance, seed: seed &+ UInt64(k), options: options, make: make) {
                    collector.add(failure)
                }
            }
        }
        return Report(failures: collector.report(), exactInstances: exactCount, monteCarloInstances: monteCarloCount)
    }

    /// The exact properties (and reproducibility) on one instance; an empty list when it passes. This is the entry
    /// point of the property-based check, and a way to re-run a reported instance.
    public static func checkExactly(
        _ instance: ConformanceInstance, seed: UInt64 = 1, options: Options = Options(), make: Factory
    ) -> [Failure] {
        checking(instance, make: make) { p, law, verifier, fail in
            guard verifier.law == law, verifier.target == p else {
                return fail(.construction, "the verifier reports another target or law than it was built for")
            }
            var failures: [Failure] = []
            failures += checkSupport(verifier, instance: instance, seed: seed)
            failures += checkReproducible(verifier, instance: instance, seed: seed)
            let exact: ExactVerification
            do { exact = try ExactVerification(verifier) } catch {
                return failures + fail(.conditionalOutcome, "exact enumeration impossible: \(error)")
            }
            var worst = (token: 0, error: 0.0)
            for y in 0..<p.vocabularySize {
                let e = abs(exact.outputLaw[y] - p[y])
                if e > worst.error || e.isNaN { worst = (y, e) }
            }
            if !(worst.error <= options.lawTolerance) {
                failures += fail(
                    .lossless,
                    "P(Y = \(worst.token)) = \(exact.outputLaw[worst.token]) but p(\(worst.token)) = \(p[worst.token]) (error \(worst.error) > \(options.lawTolerance))"
                )
            }
            if let alpha = try? optimalAcceptance(target: p, law: law, method: .auto).alpha,
                !(exact.membershipAcceptance <= alpha + options.boundTolerance)
            {
                failures += fail(.belowOptimum, "membership acceptance \(exact.membershipAcceptance) > alpha* \(alpha)")
            }
            if !(exact.coinAcceptance <= exact.membershipAcceptance + options.lawTolerance) {
                failures += fail(
                    .coinBelowMembership,
                    "coin acceptance \(exact.coinAcceptance) > membership \(exact.membershipAcceptance)")
            }
            if let claimed = verifier.exactAcceptance,
                !(abs(claimed - exact.membershipAcceptance) <= options.exactAcceptanceTolerance)
            {
                failures += fail(
                    .exactAcceptance, "exactAcceptance \(claimed) but enumeration gives \(exact.membershipAcceptance)")
            }
            return failures
        }
    }

    /// The Monte-Carlo properties on one (larger) instance.
    public static func checkMonteCarlo(
        _ instance: ConformanceInstance, seed: UInt64 = 1, options: Options = Options(), make: Factory
    ) -> [Failure] {
        checking(instance, make: make) { p, law, verifier, fail in
            let trials = options.monteCarloTrials
            let result = MonteCarlo.run(anyVerifier: verifier, trials: trials, seed: seed, threads: options.threads)
            var failures: [Failure] = []
            let chi = result.chiSquare
            if !(chi.pValue > options.pValueFloor) {
                let impossible = (0..<p.vocabularySize).filter { p[$0] == 0 && result.counts[$0] > 0 }
                let why = impossible.isEmpty ? "" : "; tokens with p = 0 emitted: \(impossible)"
                failures += fail(
                    .monteCarloLaw,
                    "chi-square X² = \(chi.statistic), dof \(chi.degreesOfFreedom), p-value \(chi.pValue) ≤ \(options.pValueFloor) over \(trials) trials (seed \(seed))\(why)"
                )
            }
            let a = result.acceptance
            if let claimed = verifier.exactAcceptance {
                let se = (claimed * (1 - claimed) / Double(trials)).squareRoot()
                if !(abs(a - claimed) <= options.sigmas * se + 1e-12) {
                    failures += fail(
                        .monteCarloAcceptance,
                        "simulated acceptance \(a) vs exactAcceptance \(claimed): \((a - claimed) / max(se, 1e-300)) standard errors (seed \(seed))"
                    )
                }
            }
            if let alpha = try? optimalAcceptance(target: p, law: law, method: .auto).alpha {
                let se = (alpha * (1 - alpha) / Double(trials)).squareRoot()
                if !(a <= alpha + options.sigmas * se + options.boundTolerance) {
                    failures += fail(
                        .monteCarloAcceptance,
                        "simulated acceptance \(a) above alpha* \(alpha) by \((a - alpha) / max(se, 1e-300)) standard errors (seed \(seed))"
                    )
                }
            }
            return failures
        }
    }

    /// A one-failure list for `instance`.
    static func failure(on instance: ConformanceInstance) -> (Property, String) -> [Failure] {
        { property, detail in [Failure(property: property, instance: instance, detail: detail, occurrences: 1)] }
    }

    /// Runs `body` on the instance's target, law and verifier, with a maker of one-failure lists; the
    /// `construction` failure if the factory throws; nothing if the instance itself cannot be built.
    static func checking(
        _ instance: ConformanceInstance, make: Factory,
        _ body: (Distribution, DraftLaw, any Verifier, (Property, String) -> [Failure]) -> [Failure]
    ) -> [Failure] {
        switch build(instance, make: make) {
        case .failure(let stop): return stop.failures
        case .success(let (p, law, verifier)): return body(p, law, verifier, failure(on: instance))
        }
    }

    /// The instance's target, law and verifier; a `construction` failure if the factory throws, nothing to check
    /// (no failures) if the instance itself cannot be built.
    static func build(
        _ instance: ConformanceInstance, make: Factory
    ) -> Result<(Distribution, DraftLaw, any Verifier), BuildFailure> {
        guard let p = try? instance.makeTarget(), let law = try? instance.makeLaw() else {
            return .failure(BuildFailure([]))
        }
        do { return .success((p, law, try make(p, law))) } catch {
            return .failure(BuildFailure(failure(on: instance)(.construction, "the factory threw: \(error)")))
        }
    }

    /// The failures that stop the checks of one instance before they start.
    struct BuildFailure: Error {
        let failures: [Failure]
        init(_ failures: [Failure]) { self.failures = failures }
    }

    /// Output in supp(p) and consistent accepted-draft indices under coins pinned at their extremes.
    static func checkSupport(_ verifier: some Verifier, instance: ConformanceInstance, seed: UInt64) -> [Failure] {
        guard let tuples = try? verifier.law.tupleLaw(maxTuples: 20_000) else { return [] }
        let p = verifier.target
        let draws = 2 * verifier.law.drafts + 2
        for tuple in tuples where tuple.probability > 0 {
            for pinned in 0..<draws {
                for value in [UInt64.zero, UInt64.max] {
                    var rng = PinnedDrawGenerator(
                        base: Xoshiro256(seed: seed, stream: UInt64(pinned)), pinnedDraw: pinned,
                        value: value)
                    let outcome = verifier.verify(tuple.tokens, using: &rng)
                    let coin = value == 0 ? "0" : "1 − 2⁻⁵³"
                    let y = outcome.token
                    var problem: String?
                    if !(0..<p.vocabularySize).contains(y) {
                        problem = "output token \(y) is outside the vocabulary"
                    } else if !(p[y] > 0) {
                        problem = "output token \(y) has p = 0"
                    } else if let i = outcome.acceptedDraft, !(tuple.tokens.indices.contains(i) && tuple.tokens[i] == y)
                    {
                        problem = "acceptedDraft \(i) is not the output token \(y)"
                    }
                    if let problem {
                        return [
                            Failure(
                                property: .targetSupport, instance: instance,
                                detail: "drafts \(tuple.tokens), uniform draw #\(pinned) = \(coin): \(problem)",
                                occurrences: 1)
                        ]
                    }
                }
            }
        }
        return []
    }

    /// The same seeds give the same outcomes; 1 and 2 Monte-Carlo threads give the same counts.
    static func checkReproducible(_ verifier: some Verifier, instance: ConformanceInstance, seed: UInt64) -> [Failure] {
        func outcomes() -> [VerificationOutcome] {
            var draftRNG = Xoshiro256(seed: seed, stream: 7), verifyRNG = Xoshiro256(seed: seed, stream: 8)
            let sampler = verifier.law.makeSampler()
            return (0..<64).map { _ in verifier.verify(sampler.sample(using: &draftRNG), using: &verifyRNG) }
        }
        if outcomes() != outcomes() {
            return [
                Failure(
                    property: .reproducible, instance: instance,
                    detail: "two runs of 64 verifications with seed \(seed) differ", occurrences: 1)
            ]
        }
        let one = MonteCarlo.run(verifier: verifier, trials: 3_001, seed: seed, threads: 1, chunkSize: 500)
        let two = MonteCarlo.run(verifier: verifier, trials: 3_001, seed: seed, threads: 2, chunkSize: 500)
        if !one.sameCounts(as: two) {
            return [
                Failure(
                    property: .reproducible, instance: instance,
                    detail: "Monte Carlo with seed \(seed) gives other counts on 1 and 2 threads", occurrences: 1)
            ]
        }
        return []
    }

    static func pick(_ range: ClosedRange<Int>, _ rng: inout Xoshiro256) -> Int {
        range.lowerBound + Int(rng.next() % UInt64(range.count))
    }

    /// Keeps, per property, the smallest failing instance and the number of failures.
    struct Collector {
        var smallest: [Property: Failure] = [:]
        var counts: [Property: Int] = [:]

        mutating func add(_ failure: Failure) {
            counts[failure.property, default: 0] += 1
            if let current = smallest[failure.property],
                !failure.instance.size.lexicographicallyPrecedes(current.instance.size)
            {
                return
            }
            smallest[failure.property] = failure
        }

        func report() -> [Failure] {
            Property.allCases.compactMap { property in
                smallest[property].map {
                    Failure(
                        property: property, instance: $0.instance, detail: $0.detail, occurrences: counts[property] ?? 1
                    )
                }
            }
        }
    }
}

/// A generator that returns `value` at draw number `pinnedDraw` and `base`'s draws otherwise: pins one coin of a
/// verification at an extreme (0 gives U = 0, `UInt64.max` gives U = 1 − 2⁻⁵³) without making the others constant.
public struct PinnedDrawGenerator: RandomNumberGenerator {
    public var base: Xoshiro256
    public let pinnedDraw: Int
    public let value: UInt64
    var count = 0

    public init(base: Xoshiro256, pinnedDraw: Int, value: UInt64) {
        self.base = base
        self.pinnedDraw = pinnedDraw
        self.value = value
    }

    public mutating func next() -> UInt64 {
        defer { count += 1 }
        let x = base.next()
        return count == pinnedDraw ? value : x
    }
}
