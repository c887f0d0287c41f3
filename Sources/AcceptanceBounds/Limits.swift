import Distributions
/// The size limits of alpha*'s routes and of the optimal verifier: one value, one default per limit.
///
/// The library routing (``optimalAcceptance(target:law:method:exact:limits:threads:sfmTolerance:lpAlgorithm:)``,
/// ``alphaStarBracket(target:law:limits:)``, ``BoundMethod/resolved(for:limits:)``, `makeOptimalVerifier`), `batch`,
/// the command line and the experiments all read their limits from a `Limits` value, and their defaults from
/// ``standard``, so a problem refused (or routed elsewhere) by one front end is refused (or routed) the same way by
/// every other. A size beyond a limit is refused before anything is allocated, with the estimate and the limit in a
/// typed error (``AcceptanceError/tooLarge(_:estimatedSets:estimatedSize:limit:)``).
///
/// Sizes are counted as the set-level transport problem counts them: Σ_S |S| over the draft sets S of the law, which
/// is the LP's variable count, the flow network's middle arcs and the plan's entries.
public struct Limits: Sendable, Equatable, Hashable {
    /// Largest transport LP GLPK is given (`.lp` route), in variables. Default 200,000: the interior point takes
    /// about 4 s at 90,000 variables (two independent drafts, V = 300; the Performance article), and its time grows
    /// faster than linearly.
    public var lpVariables: Int
    /// Largest draft-set graph of the maximum-flow route (`.flow`, and `.auto`'s flow fallback) and largest set law
    /// that `.sfm` enumerates for laws without a product form, in middle arcs. Default 5,000,000 (about 45 bytes per
    /// arc with the set law: 250 MB; seconds of Dinic's algorithm).
    public var flowArcs: Int
    /// Largest transport plan the optimal verifier builds and keeps (draft set × token entries) for laws other than
    /// i.i.d. and without replacement; beyond it independent drafts take the certified priority mixture, which needs
    /// no plan. Default 2,000,000 (about 100 MB held for the verifier's lifetime).
    public var planEntries: Int
    /// Major-iteration budget of submodular minimisation (`.sfm`, and the priority-mixture verifier). Default 2,000.
    public var sfmIterations: Int

    /// Limits with the given values; each parameter left out takes its default.
    public init(
        lpVariables: Int = 200_000, flowArcs: Int = 5_000_000, planEntries: Int = 2_000_000,
        sfmIterations: Int = 2_000
    ) {
        (self.lpVariables, self.flowArcs, self.planEntries, self.sfmIterations) = (
            lpVariables, flowArcs, planEntries, sfmIterations
        )
    }

    /// The default limits.
    public static let standard = Limits()
}

extension Limits {
    /// Which size limit a problem exceeded (``AcceptanceError/tooLarge(_:estimatedSets:estimatedSize:limit:)``).
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// ``Limits/lpVariables``.
        case lpVariables
        /// ``Limits/flowArcs``.
        case flowArcs
        /// ``Limits/planEntries``.
        case planEntries

        /// The problem the limit bounds, as an error message names it.
        public var problem: String {
            switch self {
            case .lpVariables: return "LP"
            case .flowArcs: return "draft-set graph"
            case .planEntries: return "transport plan"
            }
        }

        /// The unit of its size.
        public var unit: String {
            switch self {
            case .lpVariables: return "variables"
            case .flowArcs: return "arcs"
            case .planEntries: return "entries"
            }
        }

        /// The parameter that raises it.
        public var parameter: SuggestedParameter {
            switch self {
            case .lpVariables, .planEntries: return .maxPlanVariables
            case .flowArcs: return .maxFlowArcs
            }
        }
    }
}
