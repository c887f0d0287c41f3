// Experiment (l): block efficiency of multi-draft sequences on Markov models, and optimal draft trees.
import ExperimentSupport

experimentMain("draft_trees")
