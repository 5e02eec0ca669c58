#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import StyleKernel

/// Whole-buffer reads and writes on file descriptors, retrying short transfers and EINTR.
enum FileDescriptorIO {
    /// Reads `fd` to its end (standard input: `0`).
    static func readAll(_ fd: Int32, name: String) throws -> [UInt8] {
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                data.append(contentsOf: chunk[0..<n])
            } else if n == 0 {
                return data
            } else if errno != EINTR {
                throw StyleError.io("cannot read \(name): \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Writes all of `bytes` to `fd` (standard output: `1`).
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, name: String) throws {
        var offset = 0
        while offset < bytes.count {
            let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n > 0 {
                offset += n
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                throw StyleError.io("cannot write \(name): \(String(cString: strerror(errno)))")
            }
        }
    }
}
