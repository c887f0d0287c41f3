import Distributions
import PropertyBased
import Testing
import Verifiers
import MultidraftSupport

extension VerifierConformance {
    /// The exact properties as a property-based test on `swift-property-based`'s generators: each case draws
    /// (seed, V, n, law, shape); a failing case is recorded as a Swift Testing issue naming the property and the
    /// instance (its seed replays it). The cases are drawn under a fixed seed
    /// (``seededPropertyCheck(count:seed:input:fileID:function:perform:)``), so the test is the same on every run;
    /// `MULTIDRAFT_PROPERTY_CAMPAIGN=K` explores K × `count` fresh cases instead. Call it from a `@Test`.
    ///
    /// ```swift
    /// @Test func conformsWithShrinking() async {
    ///     await VerifierConformance.propertyCheck(laws: [.iid], drafts: 1...3, vocabulary: 2...6) {
    ///         try MyVerifier(target: $0, law: $1)
    ///     }
    /// }
    /// ```
    public static func propertyCheck(
        laws: [DraftLawName], drafts: ClosedRange<Int>, vocabulary: ClosedRange<Int>, count: Int = 100,
        options: Options = Options(), sourceLocation: SourceLocation = #_sourceLocation, make: @escaping Factory
    ) async {
        precondition(
            !laws.isEmpty && drafts.lowerBound >= 1 && vocabulary.lowerBound >= 2
                && vocabulary.upperBound <= ExactVerification.maxVocabulary)
        let shapes = ConformanceInstance.Shape.allCases
        await seededPropertyCheck(
            count: count, seed: PropertyCampaign.stableHash("VerifierConformance.propertyCheck"),
            input: Gen.int(in: 0...1_000_000), Gen.int(in: vocabulary), Gen.int(in: drafts),
            Gen.int(in: 0...(laws.count - 1)), Gen.int(in: 0...(shapes.count - 1))
        ) { seed, v, n, lawIndex, shapeIndex in
            let law = laws[lawIndex]
            var rng = Xoshiro256(seed: UInt64(seed))
            let instance = ConformanceInstance.random(
                vocabulary: v, drafts: law == .specHub ? 2 : n, law: law, shape: shapes[shapeIndex], using: &rng)
            for failure in checkExactly(instance, seed: UInt64(seed), options: options, make: make) {
                Issue.record("\(failure)", sourceLocation: sourceLocation)
            }
        }
    }
}
