/// A failure the command reports as one line, `stylize: error: <message>`, before exiting non-zero.
struct CommandFailure: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
