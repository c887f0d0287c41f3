// Experiment (e): scaling of LP and dual optimal-acceptance computations with V and n.
import ExperimentSupport

experimentMain("scaling")
