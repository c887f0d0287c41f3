import Distributions
/// The LP path checks its own result before anyone reads it: a number it cannot stand behind is refused, never
/// printed as `optimal`.
///
/// ```
/// 1. the draft-set law is a probability law:   |Σ_S Q_set(S) − 1| ≤ 1e-9
/// 2. primal feasibility (by construction: the plan is repaired to rows ≤ Q_set(S), columns ≤ p(j))
/// 3. optimality by weak duality:               every H gives Σ z ≤ p(H) + 1 − Q(H); the plan is optimal iff the
///                                              best of the minimum cut and the dual's token set closes the gap
/// ```
extension TransportPlan {
    /// Largest accepted gap between the plan's accepted mass and its certificate's value p(H) + 1 − Q(H).
    public static let verificationTolerance = 1e-8

    /// The certificate H (minimum cut or the LP duals' token set, whichever is closer to the accepted mass) and its
    /// value p(H) + 1 − Q(H).
    public func certificate(target p: Distribution, law: DraftLaw) -> (set: [Int], value: Double) {
        Self.certificate(
            flows: FlatFlows(sets: sets, nested: flows), acceptedMass: acceptedMass,
            tokenDuals: tokenDuals, target: p, law: law)
    }

    /// Throws ``AcceptanceError/lpUnverified(detail:)`` unless the set law sums to 1 and the certificate's value
    /// equals the accepted mass within ``verificationTolerance``; returns that certificate
    /// (``certificate(target:law:)``).
    @discardableResult
    public func verify(target p: Distribution, law: DraftLaw) throws -> (set: [Int], value: Double) {
        try Self.verified(
            flows: FlatFlows(sets: sets, nested: flows), acceptedMass: acceptedMass,
            tokenDuals: tokenDuals, target: p, law: law)
    }
}
