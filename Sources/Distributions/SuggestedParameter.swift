/// A parameter of a library call that an error message suggests changing.
///
/// Libraries name parameters in words ("the iteration budget"); they never spell a front end's options. A front
/// end that spells them its own way reads ``ParameterSuggesting/suggestedParameters`` and adds its spelling to the
/// message (the `multidraft` command adds its flags, e.g. `--max-iterations`).
public enum SuggestedParameter: String, Sendable, CaseIterable {
    /// Keep only the k most probable tokens.
    case topK
    /// Keep the smallest set of tokens with mass at least p.
    case topP
    /// Read stored rows as logits rather than probabilities.
    case logits
    /// The draft distributions.
    case draft
    /// The verifiers to evaluate.
    case verifiers
    /// A Monte-Carlo estimate (a number of trials) instead of an exact computation.
    case trials
    /// The number of support values (bins) of an acceptance law.
    case bins
    /// The largest candidate length.
    case maxLength
    /// The iteration budget of an iterative method.
    case maxIterations
    /// Confirmation of an LP optimum in exact rational arithmetic.
    case exactConfirmation
    /// The method that computes alpha*.
    case method
    /// The truncation s of a weight LP.
    case truncate
    /// The scheme of a two-step verifier.
    case scheme
    /// The largest LP or transport plan (variables) to build.
    case maxPlanVariables
    /// The largest draft-set graph (arcs) of a maximum-flow route.
    case maxFlowArcs
}

/// An error whose message suggests changing parameters of the call that threw it.
public protocol ParameterSuggesting: Error {
    /// The parameters the message suggests changing, in the order it names them (empty when it suggests none).
    var suggestedParameters: [SuggestedParameter] { get }
}
