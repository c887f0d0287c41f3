// Experiment (a) alpha* against n and T with every verifier's exact and simulated acceptance.
import ExperimentSupport

experimentMain("acceptance")
