import Testing
@testable import ExperimentSupport

@Suite("Candidate-length experiment")
struct CandidateLengthSweepTests {
    @Test(
        "quick sweep: one item per (model, cost), exact ordering oracle <= optimum <= fixed and lagged, simulation within 5 SE, reproducible"
    )
    func quickSweep() throws {
        let items = CandidateLengthSweep.items(scale: .quick)
        #expect(items.count == 7 * 2) // 5 synthetic laws, 2 real (the shipped chains)
        var checked = 0
        for (t, item) in items.enumerated() {
            let observations = try CandidateLengthSweep.observations(for: item, index: t, seed: 42)
            #expect(observations.count == 4 * 12 + 1)
            var exact: [String: Double] = [:]
            for o in observations where o.metric == "time_per_token" && o.source == "exact" {
                exact[o.policy] = o.value
            }
            for o in observations where o.metric == "time_per_token" && o.source == "simulated" {
                let se = try #require(o.standardError)
                #expect(
                    abs(o.value - exact[o.policy]!) <= 5 * se + 1e-12,
                    "\(item.model.name) c=\(item.costRatio) \(o.policy)")
                checked += 1
            }
            let opt = exact["threshold_optimal"]!
            #expect(exact["hindsight_oracle"]! <= opt + 1e-12)
            #expect(opt <= exact["fixed_best"]! + 1e-12)
            #expect(opt <= exact["threshold_lagged_as_coded"]! + 1e-12)
            let again = try CandidateLengthSweep.observations(for: item, index: t, seed: 42)
            #expect(zip(again, observations).allSatisfy { $0.value == $1.value && $0.metric == $1.metric })
        }
        #expect(checked == 56)
    }
}
