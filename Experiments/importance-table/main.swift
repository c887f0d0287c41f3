// Experiment (b) K = 2, 4, 8: optimum vs importance sampling vs K-SEQ vs RRS.
import ExperimentSupport

experimentMain("importance_table")
