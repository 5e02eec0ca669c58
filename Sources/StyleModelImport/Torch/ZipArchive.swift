import StyleKernel

/// The entries of a ZIP archive held in memory, as PyTorch's `torch.save` writes them (since
/// torch 1.6): every entry stored uncompressed, ZIP64 records when the archive is large.
/// Layout from PKWARE's APPNOTE.TXT (6.3.x): §4.3.16 end of central directory, §4.3.14–15 its
/// ZIP64 form and locator, §4.3.12 central directory headers, §4.3.7 local headers, §4.5.3 the
/// ZIP64 extra field. Every offset and length is checked against the bytes: a damaged archive is
/// an error, never a trap.
struct ZipArchive {
    struct Entry {
        let name: String
        /// The entry's data within the archive's bytes.
        let range: Range<Int>
    }

    let entries: [Entry]

    static let localSignature: UInt32 = 0x0403_4b50
    static let centralSignature: UInt32 = 0x0201_4b50
    static let endSignature: UInt32 = 0x0605_4b50
    static let end64Signature: UInt32 = 0x0606_4b50
    static let end64LocatorSignature: UInt32 = 0x0706_4b50

    /// Whether `bytes` start like a ZIP archive.
    static func looksLikeZip(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 4 && LittleEndian.u32(bytes, 0) == localSignature
    }

    init(_ bytes: [UInt8], source: String) throws {
        func bad(_ message: String) -> StyleError { .invalidModel("\(source): damaged ZIP archive: \(message)") }
        let n = bytes.count
        guard n >= 22 else { throw bad("too short") }
        // The end record is within the last 22 + 65535 bytes (its comment is at most 65535).
        var end = -1
        var i = n - 22
        while i >= max(0, n - 22 - 65535) {
            if LittleEndian.u32(bytes, i) == Self.endSignature {
                end = i
                break
            }
            i -= 1
        }
        guard end >= 0 else { throw bad("no end of central directory record") }
        var count = Int(LittleEndian.u16(bytes, end + 10))
        var directorySize = Int(LittleEndian.u32(bytes, end + 12))
        var directoryOffset = Int(LittleEndian.u32(bytes, end + 16))
        if count == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            let locator = end - 20
            guard locator >= 0, LittleEndian.u32(bytes, locator) == Self.end64LocatorSignature else {
                throw bad("no ZIP64 locator")
            }
            let end64 = try Self.int(LittleEndian.u64(bytes, locator + 8), below: n - 56, bad)
            guard LittleEndian.u32(bytes, end64) == Self.end64Signature else { throw bad("no ZIP64 end record") }
            count = try Self.int(LittleEndian.u64(bytes, end64 + 32), below: n, bad)
            directorySize = try Self.int(LittleEndian.u64(bytes, end64 + 40), below: n + 1, bad)
            directoryOffset = try Self.int(LittleEndian.u64(bytes, end64 + 48), below: n + 1, bad)
        }
        guard directoryOffset + directorySize <= n else { throw bad("the central directory lies beyond the file") }
        var entries: [Entry] = []
        var p = directoryOffset
        for _ in 0..<count {
            guard p + 46 <= n, LittleEndian.u32(bytes, p) == Self.centralSignature else {
                throw bad("central directory entry \(entries.count + 1) is missing")
            }
            let method = LittleEndian.u16(bytes, p + 10)
            var compressed = Int(LittleEndian.u32(bytes, p + 20))
            var size = Int(LittleEndian.u32(bytes, p + 24))
            let nameLength = Int(LittleEndian.u16(bytes, p + 28))
            let extraLength = Int(LittleEndian.u16(bytes, p + 30))
            let commentLength = Int(LittleEndian.u16(bytes, p + 32))
            var local = Int(LittleEndian.u32(bytes, p + 42))
            let nameStart = p + 46
            guard nameStart + nameLength + extraLength + commentLength <= n else {
                throw bad("an entry's name runs past the end")
            }
            let name = String(decoding: bytes[nameStart..<nameStart + nameLength], as: UTF8.self)
            // ZIP64 extra field: the 8-byte values of the fields that are 0xFFFFFFFF, in order.
            var e = nameStart + nameLength
            let extraEnd = e + extraLength
            while e + 4 <= extraEnd {
                let id = LittleEndian.u16(bytes, e), length = Int(LittleEndian.u16(bytes, e + 2))
                guard e + 4 + length <= extraEnd else { throw bad("\(name): an extra field runs past its entry") }
                if id == 1 {
                    var q = e + 4
                    func next() throws -> Int {
                        guard q + 8 <= e + 4 + length else { throw bad("\(name): short ZIP64 extra field") }
                        defer { q += 8 }
                        return try Self.int(LittleEndian.u64(bytes, q), below: n + 1, bad)
                    }
                    if size == 0xFFFF_FFFF { size = try next() }
                    if compressed == 0xFFFF_FFFF { compressed = try next() }
                    if local == 0xFFFF_FFFF { local = try next() }
                }
                e += 4 + length
            }
            guard method == 0, compressed == size else {
                throw StyleError.invalidModel(
                    "\(source): entry \(name) is compressed (method \(method)); torch.save writes "
                        + "entries uncompressed: re-save the file with torch.save, or unzip and re-zip it with `zip -0`"
                )
            }
            guard local + 30 <= n, LittleEndian.u32(bytes, local) == Self.localSignature else {
                throw bad("\(name): no local header at \(local)")
            }
            let dataStart =
                local + 30 + Int(LittleEndian.u16(bytes, local + 26)) + Int(LittleEndian.u16(bytes, local + 28))
            guard dataStart + size <= n else { throw bad("\(name): its data runs past the end") }
            entries.append(Entry(name: name, range: dataStart..<dataStart + size))
            p = nameStart + nameLength + extraLength + commentLength
        }
        self.entries = entries
    }

    static func int(_ v: UInt64, below limit: Int, _ bad: (String) -> StyleError) throws -> Int {
        guard v < UInt64(max(0, limit)) else { throw bad("an offset or size (\(v)) lies beyond the file") }
        return Int(v)
    }
}

/// Little-endian reads from a byte array at offsets the caller has checked.
enum LittleEndian {
    static func u16(_ b: [UInt8], _ i: Int) -> UInt16 {
        guard i >= 0, i + 2 <= b.count else { return 0 }
        return UInt16(b[i]) | UInt16(b[i + 1]) << 8
    }
    static func u32(_ b: [UInt8], _ i: Int) -> UInt32 {
        guard i >= 0, i + 4 <= b.count else { return 0 }
        return (0..<4).reduce(UInt32(0)) { $0 | UInt32(b[i + $1]) << (8 * UInt32($1)) }
    }
    static func u64(_ b: [UInt8], _ i: Int) -> UInt64 {
        guard i >= 0, i + 8 <= b.count else { return 0 }
        return (0..<8).reduce(UInt64(0)) { $0 | UInt64(b[i + $1]) << (8 * UInt64($1)) }
    }
}
