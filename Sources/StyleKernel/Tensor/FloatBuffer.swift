#if canImport(Glibc)
    import Glibc
#endif

/// A fixed-size, 64-byte aligned block of Float that the engine reuses across iterations.
/// Planar tensors (channels × height × width, row-major) live in these; no per-iteration
/// allocation happens in the hot path — buffers are made once per scale and overwritten.
///
/// Buffers whose size grows with the image are made with `init(checkedCount:)` (with
/// `CheckedMemory`, the checked allocation of everything that grows with an input), which throws
/// `StyleError.outOfMemory` when the allocation fails (Swift's own allocator would trap and take
/// the host process down). `init(count:)` is for the model's fixed-size weights and tests.
public final class FloatBuffer: @unchecked Sendable {
    public let count: Int
    public let pointer: UnsafeMutablePointer<Float>

    /// Zero-filled; throws `StyleError.outOfMemory` if the memory cannot be had.
    public init(checkedCount count: Int) throws {
        guard count >= 0, count <= Int.max / 2 / MemoryLayout<Float>.stride else {
            throw StyleError.outOfMemory("cannot allocate a buffer of \(count) floats")
        }
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        // 64-byte alignment suits AVX-512 loads and OpenBLAS's packing.
        var raw: UnsafeMutableRawPointer? = nil
        guard posix_memalign(&raw, 64, bytes) == 0, let raw else {
            throw StyleError.outOfMemory(
                "cannot allocate \(MemoryEstimate.mebibytes(bytes)) MiB: the system refused the memory")
        }
        self.count = count
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    /// Zero-filled. Traps if the memory cannot be had: only for small buffers of a size fixed by
    /// the model (weights), never for anything that grows with an image.
    public convenience init(count: Int) {
        do { try self.init(checkedCount: count) } catch { fatalError("\(error)") }
    }

    public convenience init(checkedValues values: [Float]) throws {
        try self.init(checkedCount: values.count)
        values.withUnsafeBufferPointer { v in
            if let base = v.baseAddress { pointer.update(from: base, count: v.count) }
        }
    }

    /// A copy of `values`; traps like `init(count:)` if the memory cannot be had.
    public convenience init(_ values: [Float]) {
        do { try self.init(checkedValues: values) } catch { fatalError("\(error)") }
    }

    deinit { free(pointer) }

    public var buffer: UnsafeMutableBufferPointer<Float> { .init(start: pointer, count: count) }
    public var array: [Float] { Array(buffer) }

    public func zero() { pointer.update(repeating: 0, count: count) }
    public func copy(from other: FloatBuffer) {
        precondition(other.count == count)
        pointer.update(from: other.pointer, count: count)
    }
}

/// A planar tensor shape: channels × height × width.
public struct Shape3: Equatable, Sendable, CustomStringConvertible {
    public var channels: Int
    public var height: Int
    public var width: Int
    public init(_ channels: Int, _ height: Int, _ width: Int) {
        self.channels = channels
        self.height = height
        self.width = width
    }
    public var plane: Int { height * width }
    public var count: Int { channels * height * width }
    public var description: String { "\(channels)×\(height)×\(width)" }
}
