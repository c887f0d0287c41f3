import Foundation
import Testing
@testable import Distributions
import MultidraftSupport

@Suite struct DistributionValidationTests {
    @Test func acceptsAValidVector() throws {
        let p = try Distribution([0.5, 0.3, 0.2])
        #expect(p.vocabularySize == 3)
        #expect(p.support == [0, 1, 2])
        #expect(abs(p.overlap(with: try Distribution([0.2, 0.3, 0.5])) - 0.7) < 1e-15)
    }

    @Test func toleratesRoundOffWithinOneBillionth() throws {
        _ = try Distribution([0.5, 0.5 + 5e-10])
        #expect {
            try Distribution([0.5, 0.500000002])
        } throws: { error in
            guard case DistributionError.notNormalized(let sum) = error else { return false }
            return abs(sum - 1.000000002) < 1e-15
        }
    }

    @Test func namesTheFirstBadEntry() {
        #expect(throws: DistributionError.empty) { try Distribution([]) }
        #expect(throws: DistributionError.negative(index: 1, value: -0.1)) { try Distribution([0.6, -0.1, 0.5]) }
        #expect {
            try Distribution([0.5, .nan, 0.5])
        } throws: { error in
            guard case DistributionError.notFinite(index: 1, _) = error else { return false }
            return true
        }
        #expect(throws: DistributionError.notFinite(index: 0, value: .infinity)) { try Distribution([.infinity, 0]) }
        #expect(throws: DistributionError.notNormalized(sum: 0.9)) { try Distribution([0.5, 0.4]) }
    }

    @Test func errorMessagesAreOneLineAndSpecific() {
        let message = DistributionError.negative(index: 3, value: -0.25).description
        #expect(message.contains("entry 3") && message.contains("negative") && !message.contains("\n"))
        #expect(DistributionError.notNormalized(sum: 0.9).description.contains("0.9"))
    }

    @Test func normalizingInitializerRescales() throws {
        let p = try Distribution(normalizing: [2, 1, 1])
        #expect(p.probabilities == [0.5, 0.25, 0.25])
        #expect(throws: DistributionError.zeroMass) { try Distribution(normalizing: [0, 0]) }
        #expect(throws: DistributionError.negative(index: 0, value: -1)) { try Distribution(normalizing: [-1, 2]) }
    }

    @Test func remainingMassIsExactAtLowTemperature() throws {
        let q = try Distribution([1.0, 1e-20, 1e-20, 1e-20])
        #expect(abs(q.remainingMass(excluding: [0]) - 3e-20) < 1e-35)
        #expect(1 - q[0] == 0) // the trap that remainingMass avoids
    }

    @Test func topTokensBreaksTiesBySmallerIndex() throws {
        let q = try Distribution([0.2, 0.3, 0.2, 0.3])
        #expect(q.topTokens(1) == [1])
        #expect(q.topTokens(3) == [1, 3, 0])
        var rng = Xoshiro256(seed: 5)
        let big = Distribution.dirichlet(300, concentration: 0.5, using: &rng)
        let reference = big.indices.sorted { big[$0] != big[$1] ? big[$0] > big[$1] : $0 < $1 }
        #expect(big.topTokens(7) == Array(reference.prefix(7)))
        #expect(big.topTokens(100) == Array(reference.prefix(100)))
    }
}

@Suite struct LogitsTests {
    @Test func softmaxAtATemperature() throws {
        let p = try Distribution(logits: [0, log(2), log(3)], temperature: 1)
        #expect(abs(p[0] - 1.0 / 6) < 1e-15 && abs(p[1] - 2.0 / 6) < 1e-15 && abs(p[2] - 3.0 / 6) < 1e-15)
        let cold = try Distribution(logits: [0, log(2)], temperature: 0.5) // ∝ (1, 4)
        #expect(abs(cold[1] - 0.8) < 1e-15)
    }

    @Test func largeLogitsDoNotOverflow() throws {
        let p = try Distribution(logits: [1000, 999, -.infinity], temperature: 1)
        #expect(abs(p[0] - 1 / (1 + exp(-1))) < 1e-15)
        #expect(p[2] == 0)
    }

    @Test func topKAndTopP() throws {
        let logits = [log(0.1), log(0.4), log(0.3), log(0.2)]
        let k2 = try Distribution(logits: logits, topK: 2)
        #expect(abs(k2[1] - 4.0 / 7) < 1e-15 && abs(k2[2] - 3.0 / 7) < 1e-15 && k2[0] == 0 && k2[3] == 0)
        let nucleus = try Distribution(logits: logits, topP: 0.75) // 0.4 + 0.3 = 0.7 < 0.75, add 0.2
        #expect(nucleus[0] == 0 && abs(nucleus[3] - 0.2 / 0.9) < 1e-15)
    }

    @Test func invalidParameters() {
        #expect(throws: DistributionError.invalidTemperature(0)) { try Distribution(logits: [1, 2], temperature: 0) }
        #expect(throws: DistributionError.invalidTopK(0)) { try Distribution(logits: [1, 2], topK: 0) }
        #expect(throws: DistributionError.invalidTopP(1.5)) { try Distribution(logits: [1, 2], topP: 1.5) }
        #expect(throws: DistributionError.notFinite(index: 1, value: .infinity)) {
            try Distribution(logits: [1, .infinity])
        }
        #expect(throws: DistributionError.zeroMass) { try Distribution(logits: [-.infinity, -.infinity]) }
        #expect(throws: DistributionError.empty) { try Distribution(logits: []) }
    }
}
