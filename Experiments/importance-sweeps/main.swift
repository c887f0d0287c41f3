// Experiment (b) the three-token sweeps of Khisti et al..
import ExperimentSupport

experimentMain("importance_sweeps")
