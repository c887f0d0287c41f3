// Experiment (d, continued): when a single SpecDec++ threshold is not optimal under Markov difficulty.
import ExperimentSupport

experimentMain("markov_thresholds")
