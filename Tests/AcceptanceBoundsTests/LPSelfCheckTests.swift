import Foundation
import Testing
@testable import AcceptanceBounds
@testable import Distributions

/// The LP path checks its own result (issue 15): a plan whose accepted mass its certificate does not confirm, or a
/// set law that does not sum to 1, is refused; large draft counts get exact set masses.
@Suite struct LPSelfCheckTests {
    let p = try! Distribution([0.1, 0.2, 0.3, 0.4]), q = try! Distribution([0.4, 0.3, 0.2, 0.1])

    @Test func anOptimalPlanPassesItsCheck() throws {
        let law = try DraftLaw.iid(q, drafts: 2)
        let plan = try optimalCoupling(target: p, law: law)
        try plan.verify(target: p, law: law)
        #expect(abs(plan.certificate(target: p, law: law).value - plan.acceptedMass) <= 1e-12)
    }

    @Test func aPlanBelowItsCertificateIsRefused() throws {
        let law = try DraftLaw.iid(q, drafts: 2)
        let plan = try optimalCoupling(target: p, law: law)
        let starved = TransportPlan(
            sets: plan.sets, flows: plan.flows.map { $0.map { $0 * 0.5 } },
            residualTarget: plan.residualTarget, acceptedMass: plan.acceptedMass * 0.5,
            lpObjective: plan.lpObjective, status: plan.status, exactConfirmed: false,
            tokenDuals: plan.tokenDuals)
        #expect(throws: AcceptanceError.self) { try starved.verify(target: p, law: law) }
    }

    @Test func aSetLawThatDoesNotSumToOneIsRefused() throws {
        let law = try DraftLaw.iid(q, drafts: 2)
        let plan = try optimalCoupling(target: p, law: law)
        let lost = plan.sets.map { DraftSet(tokens: $0.tokens, mass: $0.mass * 0.9) }
        let broken = TransportPlan(
            sets: lost, flows: plan.flows, residualTarget: plan.residualTarget,
            acceptedMass: plan.acceptedMass, lpObjective: plan.lpObjective, status: plan.status,
            exactConfirmed: false, tokenDuals: plan.tokenDuals)
        do {
            try broken.verify(target: p, law: law)
            Issue.record("a set law summing to 0.9 passed")
        } catch let error as AcceptanceError {
            #expect(error.description.contains("sum to"))
        }
    }

    /// Beyond n = 150 the i.i.d. set masses are composition counts carried as probabilities (n! overflows):
    /// they still sum to 1 and match the closed form of a two-token set, 1 − q₀ⁿ − q₁ⁿ.
    @Test(arguments: [151, 177, 400])
    func largeDraftCountsGiveExactSetMasses(n: Int) throws {
        let q2 = try Distribution([0.3, 0.7])
        let sets = try DraftLaw.iid(q2, drafts: n).setLaw()
        let total = sets.reduce(0) { $0 + $1.mass }
        #expect(abs(total - 1) <= 1e-12)
        let both = try #require(sets.first { $0.tokens == [0, 1] })
        #expect(abs(both.mass - (1 - pow(0.3, Double(n)) - pow(0.7, Double(n)))) <= 1e-12)
        let alpha = try optimalAcceptance(
            target: try Distribution([0.5, 0.5]), law: try DraftLaw.iid(q2, drafts: n),
            method: .lp
        ).alpha
        let dual = try optimalAcceptance(
            target: try Distribution([0.5, 0.5]), law: try DraftLaw.iid(q2, drafts: n),
            method: .dual
        ).alpha
        #expect(abs(alpha - dual) <= 1e-9)
    }
}
