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
        let cut = minimumCut(vocabularySize: p.vocabularySize)
        let dualSet = (0..<p.vocabularySize).filter { tokenDuals[$0] > 0.5 }
        let candidates = [cut, dualSet].map { ($0, subsetBoundValue(target: p, law: law, set: $0)) }
        return candidates.min { abs($0.1 - acceptedMass) < abs($1.1 - acceptedMass) }!
    }

    /// Throws ``AcceptanceError/lpUnverified(detail:)`` unless the set law sums to 1 and the certificate's value
    /// equals the accepted mass within ``verificationTolerance``.
    public func verify(target p: Distribution, law: DraftLaw) throws {
        var total = 0.0, compensation = 0.0
        for set in sets { compensatedAdd(&total, &compensation, set.mass) }
        guard total.isFinite, abs(total - 1) <= 1e-9 else {
            throw AcceptanceError.lpUnverified(detail: "the draft-set masses of the \(law.name) law with n = \(law.drafts) sum to \(total), not 1 (they cannot be computed accurately at this size)")
        }
        guard acceptedMass.isFinite else {
            throw AcceptanceError.lpUnverified(detail: "the plan's accepted mass is \(acceptedMass)")
        }
        let value = certificate(target: p, law: law).value
        guard value.isFinite, abs(value - acceptedMass) <= Self.verificationTolerance else {
            throw AcceptanceError.lpUnverified(detail: "the LP's value \(acceptedMass) is not confirmed by its certificate (p(H) + 1 - Q(H) = \(value))")
        }
    }
}
