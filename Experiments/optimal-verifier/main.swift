// Experiment (i): the optimal verifier at V = 32,000 and 152,064 against alpha*, K-SEQ, RRS and SpecHub.
import ExperimentSupport

experimentMain("optimal_verifier")
