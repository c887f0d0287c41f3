import MultidraftCLI

// The `multidraft` command with the toolkit's verifiers. A user's executable does the same with its own registry.
MultidraftCommand.main(registry: .standard)
