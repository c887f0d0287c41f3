import ArgumentParser
import ExperimentSupport

/// Experiment (e): scaling of LP and dual optimal-acceptance computations with V and n.
struct Scaling: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "scaling", abstract: "Scaling of LP and dual computations with V and n.")
    @OptionGroup var options: ExperimentOptions
    func run() throws { try runExperiments([ScalingExperiment.name], options: options) }
}

Scaling.main()
