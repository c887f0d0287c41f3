import FirstDraftVerifier
import MultidraftCLI

// The toolkit's command-line tool, with the user's verifier registered beside the toolkit's own.
do {
    MultidraftCommand.main(registry: try .standard.registering(.firstDraft))
} catch {
    fatalError("\(error)")
}
