import Foundation
import Testing
@testable import CandidateLength

@Suite("Candidate-length experiment")
struct ExperimentTests {
    @Test("quick experiment: tidy table, exact ordering oracle <= optimum <= fixed and lagged, simulation within 5 SE, thread-independent")
    func quickExperiment() throws {
        let table = candidateLengthExperiment(quick: true, seed: 42, threads: 2)
        let header = table.header
        #expect(header.first == "model")
        #expect(header.contains("std_error") && header.contains("seed"))
        let rows: [[String]] = table.lines.map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.count == 5 * 2 * (4 * 12 + 1))
        func value(_ row: [String], _ column: String) -> String { row[header.firstIndex(of: column)!] }
        func real(_ v: String) -> Double { Double(v) ?? .nan }
        var exact: [String: Double] = [:]
        for r in rows where value(r, "metric") == "time_per_token" && value(r, "source") == "exact" {
            exact["\(value(r, "model"))|\(value(r, "cost_ratio"))|\(value(r, "policy"))"] = real(value(r, "value"))
        }
        var checked = 0
        for r in rows where value(r, "metric") == "time_per_token" && value(r, "source") == "simulated" {
            let key = "\(value(r, "model"))|\(value(r, "cost_ratio"))|\(value(r, "policy"))"
            let se = real(value(r, "std_error"))
            #expect(abs(real(value(r, "value")) - exact[key]!) <= 5 * se + 1e-12, "\(key)")
            checked += 1
        }
        #expect(checked == 40)
        for model in ["M1", "M3", "M4", "beta_4_1", "beta_2_1"] {
            for c in ["0.1", "0.2"] {
                let opt = exact["\(model)|\(c)|threshold_optimal"]!
                #expect(exact["\(model)|\(c)|hindsight_oracle"]! <= opt + 1e-12)
                #expect(opt <= exact["\(model)|\(c)|fixed_best"]! + 1e-12)
                #expect(opt <= exact["\(model)|\(c)|threshold_lagged_as_coded"]! + 1e-12)
            }
        }
        let again = candidateLengthExperiment(quick: true, seed: 42, threads: 1)
        #expect(again.header == table.header)
        #expect(again.lines.count == table.lines.count)
        let diff = zip(again.lines, table.lines).enumerated().first { $0.element.0 != $0.element.1 }
        #expect(diff == nil, "first differing row \(String(describing: diff?.offset)): \(String(describing: diff?.element))")
    }
}
