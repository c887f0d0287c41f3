// Experiment (o): the engine audit on a simulated engine serving the real pair: false positives and detection of re-created bugs.
import ExperimentSupport

experimentMain("engine_audit")
