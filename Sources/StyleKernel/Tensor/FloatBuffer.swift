#if canImport(Glibc)
import Glibc
#endif

/// A fixed-size, 64-byte aligned block of Float that the engine reuses across iterations.
/// Planar tensors (channels × height × width, row-major) live in these; no per-iteration
/// allocation happens in the hot path — buffers are made once per scale and overwritten.
public final class FloatBuffer: @unchecked Sendable {
    public let count: Int
    public let pointer: UnsafeMutablePointer<Float>

    /// Zero-filled.
    public init(count: Int) {
        precondition(count >= 0)
        self.count = count
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        // 64-byte alignment suits AVX-512 loads and OpenBLAS's packing.
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: values.count) }
    }

    deinit { UnsafeMutableRawPointer(pointer).deallocate() }

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
        self.channels = channels; self.height = height; self.width = width
    }
    public var plane: Int { height * width }
    public var count: Int { channels * height * width }
    public var description: String { "\(channels)×\(height)×\(width)" }
}
