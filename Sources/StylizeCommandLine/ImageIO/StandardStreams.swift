import StyleKernel

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Whole reads of file descriptors (standard input), bounded, retrying short reads and EINTR.
/// (Writes: `FileIO.writeAll`.)
enum FileDescriptorIO {
    /// The most an image read from a stream (standard input) may take: 1 GiB. Debian's
    /// ImageMagick policy caps an image at 128 megapixels, which even as uncompressed 16-bit RGBA is
    /// 1 GiB; an endless stream (`/dev/zero`) fails here instead of exhausting memory.
    static let maximumStreamBytes = 1 << 30

    /// Reads `fd` to its end (standard input: `0`), at most `limit` bytes.
    static func readAll(_ fd: Int32, name: String, limit: Int = maximumStreamBytes) throws -> [UInt8] {
        var data: [UInt8] = []
        // A regular file (`stylize - < photo.png`) says its size: one allocation, and an early no.
        var st = stat()
        if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG {
            guard Int(st.st_size) <= limit else { throw tooLarge(name, limit: limit) }
            try grow(&data, to: Int(st.st_size), name: name)
        }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                guard n <= limit - data.count else { throw tooLarge(name, limit: limit) }
                if data.count + n > data.capacity {
                    try grow(&data, to: min(limit, max(2 * data.capacity, data.count + n)), name: name)
                }
                data.append(contentsOf: chunk[0..<n])
            } else if n == 0 {
                return data
            } else if errno != EINTR {
                throw StyleError.io("cannot read \(name): \(FileIO.errnoText())")
            }
        }
    }

    /// Room for `capacity` bytes, asked of the checked allocator first (a failed growth of the
    /// array itself would trap).
    private static func grow(_ data: inout [UInt8], to capacity: Int, name: String) throws {
        try CheckedMemory.reserve(capacity + data.count, of: UInt8.self, what: "reading \(name)")
        data.reserveCapacity(capacity)
    }

    private static func tooLarge(_ name: String, limit: Int) -> StyleError {
        StyleError.io(
            "\(name) is longer than \(NumberFormat.bytes(limit)), the most stylize reads from a stream "
                + "(is it an image?); to use a larger image, save it to a file and give the file's name")
    }
}
