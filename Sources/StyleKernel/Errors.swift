/// Every failure the engine reports. Nothing in StyleKernel traps on bad input: it throws one of
/// these, with a message that says what went wrong and, where there is one, what to do about it.
public enum StyleError: Error, Equatable, CustomStringConvertible, Sendable {
    /// A caller-supplied value is out of range or malformed (sizes, weights, layer names, lists).
    case invalidArgument(String)
    /// No model file could be found where the engine looked.
    case modelNotFound(String)
    /// A model file exists but is corrupt, truncated, foreign or inconsistent.
    case invalidModel(String)
    /// Reading or writing a file failed.
    case io(String)
    /// The progress callback asked to stop.
    case cancelled
    /// The optimisation produced a non-finite value (NaN/∞); weights or learning rate too large.
    case numerical(String)
    /// The work does not fit in memory: refused up front from the plan's estimate, or an
    /// allocation failed.
    case outOfMemory(String)
    /// A bug in stylefilter (e.g. OpenBLAS rejected an argument the engine computed).
    case `internal`(String)

    public var description: String {
        switch self {
        case .invalidArgument(let m): return m
        case .modelNotFound(let m): return m
        case .invalidModel(let m): return m
        case .io(let m): return m
        case .cancelled: return "cancelled by the progress callback"
        case .numerical(let m): return m
        case .outOfMemory(let m): return m
        case .internal(let m): return m
        }
    }
}
