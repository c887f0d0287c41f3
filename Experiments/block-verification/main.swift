// Experiment (m): the block LP L*(K, gamma) against block verification and node-by-node verifiers.
import ExperimentSupport

experimentMain("block_verification")
