/// A dense displacement field: u (x) and v (y) in pixels, each height × width, row-major.
public struct FlowField: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var u: [Float]
    public var v: [Float]
}

extension FlowField {
    /// Throws unless the size is positive and each plane holds width × height values (`u` and `v`
    /// are mutable, so a field is checked where it is used, not only where it was made).
    func validate(_ what: @autoclosure () -> String) throws {
        let (count, overflow) = width.multipliedReportingOverflow(by: height)
        guard width > 0, height > 0, !overflow, u.count == count, v.count == count else {
            throw StyleError.invalidArgument(
                "\(what()): a flow field of \(width)×\(height) needs \(overflow ? "too many" : String(count)) "
                    + "values per plane, got \(u.count) and \(v.count)")
        }
    }
}
