// Experiment (k): the batch pipeline end to end on the shipped (synthetic) model-pair sample.
import ExperimentSupport

experimentMain("model_pairs")
