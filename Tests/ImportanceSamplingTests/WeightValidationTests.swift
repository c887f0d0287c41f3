import Testing
@testable import ImportanceSampling

/// User weight tables are validated before use: each off-diagonal entry must be finite and in [0, 1].
@Suite struct WeightValidationTests {
    @Test func badEntriesAreNamed() throws {
        _ = try PairWeights(vocabularySize: 2, table: [0, 0.3, 0.7, 0])
        #expect(throws: ImportanceSamplingError.invalidWeight(what: "w(0, 1)", value: 1.5)) {
            try PairWeights(vocabularySize: 2, table: [0, 1.5, 0.2, 0])
        }
        #expect(throws: ImportanceSamplingError.self) { try PairWeights(vocabularySize: 2, table: [0, 0.5, .nan, 0]) }
        #expect(throws: ImportanceSamplingError.self) { try PairWeights(vocabularySize: 2, table: [0, 0.5, 0.5]) }
    }
}
