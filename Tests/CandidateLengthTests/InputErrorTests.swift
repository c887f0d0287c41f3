import Foundation
import Testing
@testable import CandidateLength

@Suite("Input validation: typed errors with one-line messages, never a crash")
struct InputErrorTests {
    func isError(_ body: () throws -> Void) -> String? {
        do { try body(); return nil } catch { return "\(error)" }
    }

    @Test("every invalid input throws a one-line CandidateLengthError")
    func invalidInputs() throws {
        let cases: [() throws -> Void] = [
            { _ = try Leviathan.bestLength(alpha: 1.2, cost: 0.1) },
            { _ = try Leviathan.bestLength(alpha: -0.1, cost: 0.1) },
            { _ = try Leviathan.bestLength(alpha: .nan, cost: 0.1) },
            { _ = try Leviathan.bestLength(alpha: 0.8, cost: 0) },
            { _ = try Leviathan.bestLength(alpha: 0.8, cost: -1) },
            { _ = try Leviathan.bestLength(alpha: 0.8, cost: .infinity) },
            { _ = try Leviathan.bestLength(alpha: 0.8, cost: 0.1, maxLength: 0) },
            { _ = try Leviathan.expectedTokens(alpha: 0.8, length: -1) },
            { _ = try Leviathan.length(forThreshold: .nan, alpha: 0.5, maxLength: 3) },
            { _ = try AcceptanceLaw(values: [], weights: []) },
            { _ = try AcceptanceLaw(values: [0.5, 1.5], weights: [1, 1]) },
            { _ = try AcceptanceLaw(values: [0.5], weights: [-1]) },
            { _ = try AcceptanceLaw(values: [0.5], weights: [0]) },
            { _ = try AcceptanceLaw(values: [0.5, 0.6], weights: [1]) },
            { _ = try CostModel(draftTime: 0) },
            { _ = try CostModel(draftTime: 0.1, targetTime: -1) },
            { _ = try ThresholdRule(threshold: .nan, maxLength: 5) },
            { _ = try ThresholdRule(threshold: 0.5, maxLength: 0) },
            { _ = try ThresholdRule(threshold: 0.5, minLength: 6, maxLength: 5) },
            { _ = try ThresholdRule(threshold: 0.5, maxLength: 5, head: .weighted(0)) },
            { _ = try IAPModel(law: .constant(0.5), cost: CostModel(draftTime: 0.1), maxLength: 0) },
            {
                _ = try IAPModel(
                    law: AcceptanceLaw(samples: (0..<40).map { Double($0) / 40 }),
                    cost: CostModel(draftTime: 0.1), maxLength: 30)
            },
            { _ = try AcceptanceLaw.parse("", source: "s") },
            { _ = try AcceptanceLaw.parse("0.5,1,2\n", source: "s") },
            { _ = try AcceptanceLaw.parse("0.5\n0.5,1\n", source: "s") },
            { _ = try AcceptanceLaw.parse("1.5\n", source: "s") },
            { _ = try readTextFile("/nonexistent/file.txt") },
            {
                let m = try IAPModel(law: .constant(0.5), cost: CostModel(draftTime: 0.1), maxLength: 5)
                _ = try m.evaluate(try ThresholdRule(threshold: 0.5, maxLength: 6))
            }
        ]
        for (i, body) in cases.enumerated() {
            do {
                try body()
                Issue.record("case \(i) did not throw")
            } catch let error as CandidateLengthError {
                let message = error.description
                #expect(!message.isEmpty && !message.contains("\n"), "case \(i): \(message)")
            } catch {
                Issue.record("case \(i) threw a foreign error \(error)")
            }
        }
    }

    @Test("acceptance-law parsing: one value per line or value,weight pairs; equal values merge")
    func parseLaw() throws {
        let a = try AcceptanceLaw.parse("0.95,0.8\n0.3,0.2\n", source: "s")
        #expect(a.values == [0.3, 0.95] && abs(a.weights[1] - 0.8) < 1e-15)
        let b = try AcceptanceLaw.parse("acceptance\n0.5\n1\n0.5 # comment\n", source: "s")
        #expect(b.values == [0.5, 1] && abs(b.weights[0] - 2.0 / 3) < 1e-15)
        let binned = try AcceptanceLaw(samples: (0..<1000).map { Double($0) / 999 }).binned(10)
        #expect(binned.supportSize == 10 && abs(binned.mean - 0.5) < 1e-12)
    }
}
