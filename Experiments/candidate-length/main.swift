// Experiment (d) SpecDec++ threshold vs fixed length vs oracle.
import ExperimentSupport

experimentMain("candidate_length")
