// Experiment (c) K-SEQ / alpha* against the (1 - 1/e) guarantee.
import ExperimentSupport

experimentMain("kseq_ratio")
