// Experiment (j): alpha* for independent non-identical drafts (Khisti et al.'s temperature pairs) by exact
// submodular minimisation, the verifiers that run on them, and the solve time of every exact route against V.
import ExperimentSupport

experimentMain("heterogeneous_drafts")
