#if canImport(Glibc)
    import Glibc
#endif

/// The one checked allocator for memory whose size comes from the input or the options.
///
/// Swift's own allocation (arrays, class instances) traps when the system refuses memory, which
/// would take a host process down. So memory that grows with an image or a file is allocated
/// here: `FloatBuffer(checkedCount:)` for the engine's buffers, `floats` and `array` for arrays —
/// where a host's image or a file first arrives (decoded pixels, a host's buffers, model tensors,
/// standard input) and inside a run (resized, cropped, padded and recoloured images, masks, the
/// output's samples). An array's memory cannot be handed to Swift from outside, so `reserve` first
/// asks the system for the same amount and gives it back: a refusal then throws, and the array
/// that follows gets the memory just shown to be there. The whole run's plan was checked, and
/// probed the same way, by `MemoryEstimate.require` before it started; this catches what changed
/// since (another process, or an estimate that fell short).
public enum CheckedMemory {
    /// Throws `StyleError.outOfMemory` naming `what` unless `count` values of `T` can be had now.
    public static func reserve<T>(_ count: Int, of type: T.Type, what: @autoclosure () -> String) throws {
        let (bytes, overflow) = max(count, 1).multipliedReportingOverflow(by: MemoryLayout<T>.stride)
        guard count >= 0, !overflow, bytes <= Int.max / 2 else {
            throw StyleError.outOfMemory("\(what()): \(count) values cannot be allocated")
        }
        guard canMap(bytes) else {
            throw StyleError.outOfMemory(
                "\(what()) needs \(MemoryEstimate.mebibytes(bytes)) MiB and the system refused the memory; "
                    + "free memory or use smaller images")
        }
    }

    /// Whether `bytes` of private, writable memory can be had now: mapped and unmapped at once,
    /// untouched (no RAM is used), under the same address-space limit and overcommit accounting
    /// as malloc's large blocks. Not malloc and free: the compiler may drop an unused pair and
    /// assume it succeeded.
    public static func canMap(_ bytes: Int) -> Bool {
        guard bytes >= 0 else { return false }
        let length = max(bytes, 1)
        guard let region = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
            region != MAP_FAILED
        else { return false }
        munmap(region, length)
        return true
    }

    /// `count` floats, each `value`.
    public static func floats(
        _ count: Int, repeating value: Float = 0,
        what: @autoclosure () -> String
    ) throws -> [Float] {
        try reserve(count, of: Float.self, what: what())
        return [Float](repeating: value, count: count)
    }

    /// `count` values filled by `body`, as `Array(unsafeUninitializedCapacity:)`.
    public static func array<T>(
        _ count: Int, what: @autoclosure () -> String,
        _ body: (inout UnsafeMutableBufferPointer<T>, inout Int) throws -> Void
    ) throws -> [T] {
        try reserve(count, of: T.self, what: what())
        return try [T](unsafeUninitializedCapacity: count, initializingWith: body)
    }
}
