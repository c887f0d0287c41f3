import Distributions
import Solvers

/// An optimal transport plan between the draft-set law and the target: the accepted mass z(S, j) of every draft set
/// S and token j ∈ S, repaired so that it is exactly feasible (rows ≤ Q_set(S), columns ≤ p(j)).
///
/// This is the witness behind alpha*: Σ z = alpha*, and it defines the optimal verifier (output j with
/// probability z(S, j)/Q_set(S), else sample the leftover target mass), see `OptimalCouplingVerifier`.
public struct TransportPlan: Sendable {
    /// The draft sets with their masses Q_set(S).
    public let sets: [DraftSet]
    /// flows[s][k] = z(sets[s], sets[s].tokens[k]).
    public let flows: [[Double]]
    /// p(j) − Σ_S z(S, j), clipped at 0: the target mass left for the residual.
    public let residualTarget: [Double]
    /// Σ z: the accepted mass of the plan (alpha* when the LP is optimal).
    public let acceptedMass: Double
    /// The LP's objective as GLPK reported it (before the round-off repair).
    public let lpObjective: Double
    public let status: LPStatus
    public let exactConfirmed: Bool
    /// The LP's row duals on the token constraints (v(j) of the dual LP).
    public let tokenDuals: [Double]
}

extension TransportPlan {
    /// A minimum cut read off the plan: H = tokens reachable from the source in the residual network
    /// (source → S with slack, S → j ∈ S, j → S' with z(S', j) > 0). By max-flow/min-cut, p(H) + 1 − Q(H) = Σ z.
    public func minimumCut(vocabularySize: Int, tolerance: Double = 1e-12) -> [Int] {
        Self.minimumCut(
            flows: FlatFlows(sets: sets, nested: flows), vocabularySize: vocabularySize, tolerance: tolerance)
    }
}
