// Experiment (f) distribution-preservation audit of every verifier.
import ExperimentSupport

experimentMain("audit")
