// Experiment (n): a real target (SmolLM2-135M-Instruct) and real drafts derived from it, on the shipped export.
import ExperimentSupport

experimentMain("real_models")
