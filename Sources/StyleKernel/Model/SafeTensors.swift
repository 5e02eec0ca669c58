/// The safetensors file format (https://huggingface.co/docs/safetensors): an 8-byte little-endian
/// header length N, N bytes of JSON header, then the raw little-endian tensor bytes (offsets in the
/// header are relative to the end of the header). stylefilter's model files are safetensors with
/// F32 tensors and string metadata.
///
/// Reading validates everything before any tensor byte is used: the header's size and counts
/// (limits below, checked before parsing), the JSON, every dtype, shape × element size == byte
/// range (with overflow checks), ranges inside the data region, no overlaps and no holes. Any problem is a `StyleError.invalidModel` naming the file.
public enum SafeTensors {
    // Limits checked before the header is read or parsed, so a hostile header cannot make the
    // parser allocate much (a 100 MB header of 1.7 M empty tensors took 1.1 GB before these).
    // A stylefilter model's header is a few KB: ~100 bytes and ~10 JSON values per tensor.

    /// Largest header accepted at all.
    public static let maxHeaderLength = 16 * 1024 * 1024
    /// Headers up to this size are accepted whatever the data size; larger ones must be smaller
    /// than the tensor data they describe (a header that outweighs its weights is not a model).
    public static let headerAllowance = 64 * 1024
    /// Most tensors a header may list (VGG19 has 32; generous slack for extra tensors).
    public static let maxTensorCount = 4096
    /// Most JSON values (strings, numbers, arrays, objects) a header may hold.
    public static let maxHeaderValues = 16 * maxTensorCount

    /// One tensor's entry in the header. `byteRange` is relative to the start of the data region.
    public struct Entry: Sendable, Equatable {
        public let name: String
        public let dtype: String
        public let shape: [Int]
        public let byteRange: Range<Int>
        public var elementCount: Int { shape.reduce(1, *) }
    }

    /// A validated header: tensors in file order, metadata, where the data region starts.
    public struct Header: Sendable {
        public let entries: [Entry]
        public let metadata: [String: String]
        /// Byte offset of the data region in the file (8 + header length).
        public let dataStart: Int
        /// Size of the data region in bytes.
        public let dataSize: Int
        public func entry(_ name: String) -> Entry? { entries.first { $0.name == name } }
    }

    /// A tensor in memory: shape (row-major) and float32 values.
    public struct Tensor: Sendable, Equatable {
        public var shape: [Int]
        public var values: [Float]
        public init(shape: [Int], values: [Float]) {
            self.shape = shape
            self.values = values
        }
    }

    /// A whole file in memory.
    public struct File: Sendable {
        public var tensors: [String: Tensor]
        /// Tensor names in file order.
        public var order: [String]
        public var metadata: [String: String]
    }

    /// Element sizes of the dtypes the format defines; only F32 is supported by stylefilter.
    static let knownDTypes: [String: Int] = [
        "BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "I16": 2, "U16": 2, "F16": 2,
        "BF16": 2, "I32": 4, "U32": 4, "F32": 4, "F64": 8, "I64": 8, "U64": 8
    ]

    // MARK: Reading

    /// Reads and validates only the header of `path`.
    public static func readHeader(path: String) throws -> Header {
        let reader = try FileIO.Reader(path: path)
        return try readHeader(reader)
    }

    /// Reads and validates a whole file (header and every tensor).
    public static func read(path: String) throws -> File {
        let reader = try FileIO.Reader(path: path)
        let header = try readHeader(reader)
        var tensors: [String: Tensor] = [:]
        tensors.reserveCapacity(header.entries.count)
        for e in header.entries {
            let count = e.byteRange.count / 4
            let values: [Float] = try CheckedMemory.array(count, what: "tensor \(e.name) of \(reader.path)") {
                buf, initialized in
                if count > 0 {
                    try reader.read(
                        into: UnsafeMutableRawBufferPointer(buf), at: header.dataStart + e.byteRange.lowerBound)
                }
                #if _endian(big)
                    for i in 0..<count { buf[i] = Float(bitPattern: UInt32(littleEndian: buf[i].bitPattern)) }
                #endif
                initialized = count
            }
            tensors[e.name] = Tensor(shape: e.shape, values: values)
        }
        return File(tensors: tensors, order: header.entries.map(\.name), metadata: header.metadata)
    }

    static func readHeader(_ reader: FileIO.Reader) throws -> Header {
        let path = reader.path
        guard reader.size >= 8 else {
            throw StyleError.invalidModel(
                "not a safetensors model file (only \(reader.size) bytes, shorter than the 8-byte header length): \(path)"
            )
        }
        let lenBytes = try reader.readBytes(count: 8, at: 0)
        var n: UInt64 = 0
        for i in (0..<8).reversed() { n = n << 8 | UInt64(lenBytes[i]) }
        guard n <= UInt64(maxHeaderLength) else {
            throw StyleError.invalidModel(
                "not a safetensors model file (header length \(n) is over the \(maxHeaderLength)-byte limit; a foreign or corrupt file?): \(path)"
            )
        }
        guard n <= UInt64(reader.size - 8) else {
            throw StyleError.invalidModel(
                "not a safetensors model file or truncated (header length \(n) but only \(reader.size - 8) bytes follow): \(path)"
            )
        }
        let dataSize = reader.size - 8 - Int(n)
        guard n <= UInt64(max(headerAllowance, dataSize)) else {
            throw StyleError.invalidModel(
                "not a usable model file (its \(n)-byte header is larger than the \(dataSize) bytes of tensor data it describes; headers over \(headerAllowance) bytes must be smaller than their data): \(path)"
            )
        }
        let json = try reader.readBytes(count: Int(n), at: 8)
        return try parseHeader(json: json, dataSize: dataSize, path: path)
    }

    static let tooManyTensors =
        "the header lists more than \(maxTensorCount) tensors; a stylefilter model has a few dozen"

    /// Counts, without parsing, the top-level members (tensors plus `__metadata__`) and an upper
    /// bound of the JSON values of a header, and throws as soon as either is over its limit. Bytes
    /// inside strings are skipped; malformed JSON is left for the parser to report.
    static func checkHeaderCounts(_ json: [UInt8], bad: (String) -> StyleError) throws {
        var members = 0
        var values = 1  // the root; every other value follows a ':', ',' or '['
        var depth = 0
        var inString = false
        var escaped = false
        for b in json {
            if inString {
                if escaped {
                    escaped = false
                } else if b == UInt8(ascii: "\\") {
                    escaped = true
                } else if b == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch b {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"): depth += 1
            case UInt8(ascii: "["):
                depth += 1
                values += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
            case UInt8(ascii: ","): values += 1
            case UInt8(ascii: ":"):
                values += 1
                if depth == 1 { members += 1 }
            default: continue
            }
            guard members <= maxTensorCount + 1 else {
                throw bad(tooManyTensors)
            }
            guard values <= maxHeaderValues else {
                throw bad(
                    "the header holds more than \(maxHeaderValues) JSON values; a stylefilter model's has a few hundred"
                )
            }
        }
    }

    /// Validates a header's JSON bytes against a data region of `dataSize` bytes.
    public static func parseHeader(json: [UInt8], dataSize: Int, path: String) throws -> Header {
        func bad(_ what: String) -> StyleError { .invalidModel("invalid safetensors model file (\(what)): \(path)") }
        guard json.first == UInt8(ascii: "{") else {
            throw bad("the header does not start with a JSON object")
        }
        guard json.count <= maxHeaderLength else {
            throw bad("the header is \(json.count) bytes, over the \(maxHeaderLength)-byte limit")
        }
        try checkHeaderCounts(json, bad: bad)
        let root: JSONValue
        do { root = try MiniJSON.parse(json) } catch let e as MiniJSON.ParseError {
            throw bad("header is not valid JSON: \(e)")
        }
        guard case .object(let members) = root else { throw bad("the header is not a JSON object") }

        var seen = Set<String>()
        var entries: [Entry] = []
        var metadata: [String: String] = [:]
        for (key, value) in members {
            guard seen.insert(key).inserted else { throw bad("key \"\(key)\" appears twice") }
            if key == "__metadata__" {
                guard case .object(let kv) = value else { throw bad("__metadata__ is not an object") }
                for (mk, mv) in kv {
                    guard case .string(let s) = mv else { throw bad("metadata value of \"\(mk)\" is not a string") }
                    guard metadata.updateValue(s, forKey: mk) == nil else {
                        throw bad("metadata key \"\(mk)\" appears twice")
                    }
                }
                continue
            }
            entries.append(try parseEntry(name: key, value, bad: bad))
        }
        guard entries.count <= maxTensorCount else {
            throw bad(tooManyTensors)
        }

        // Every range inside the data region, no overlaps, no holes.
        let sorted = entries.sorted {
            ($0.byteRange.lowerBound, $0.byteRange.upperBound) < ($1.byteRange.lowerBound, $1.byteRange.upperBound)
        }
        var cursor = 0
        for e in sorted {
            guard e.byteRange.upperBound <= dataSize else {
                throw bad(
                    "tensor \"\(e.name)\" ends at data byte \(e.byteRange.upperBound) but the file has only \(dataSize) data bytes; truncated?"
                )
            }
            guard e.byteRange.lowerBound >= cursor else {
                throw bad("tensor \"\(e.name)\" overlaps another tensor")
            }
            guard e.byteRange.lowerBound == cursor else {
                throw bad("unused bytes before tensor \"\(e.name)\"")
            }
            cursor = e.byteRange.upperBound
        }
        guard cursor == dataSize else {
            throw bad("\(dataSize - cursor) bytes after the last tensor are not described by the header")
        }
        return Header(entries: sorted, metadata: metadata, dataStart: 8 + json.count, dataSize: dataSize)
    }

    private static func parseEntry(name: String, _ value: JSONValue, bad: (String) -> StyleError) throws -> Entry {
        guard case .object(let fields) = value else { throw bad("entry \"\(name)\" is not an object") }
        var dtype: String?
        var shape: [Int]?
        var offsets: [Int]?
        func ints(_ v: JSONValue, _ what: String) throws -> [Int] {
            guard case .array(let items) = v else { throw bad("\(what) of \"\(name)\" is not an array") }
            return try items.map { item in
                guard case .number(let text) = item, let i = Int(text), i >= 0 else {
                    throw bad("\(what) of \"\(name)\" holds something other than a non-negative integer")
                }
                return i
            }
        }
        for (k, v) in fields {
            switch k {
            case "dtype":
                guard dtype == nil, case .string(let s) = v else {
                    throw bad("dtype of \"\(name)\" is not a single string")
                }
                dtype = s
            case "shape":
                guard shape == nil else { throw bad("shape of \"\(name)\" appears twice") }
                shape = try ints(v, "shape")
            case "data_offsets":
                guard offsets == nil else { throw bad("data_offsets of \"\(name)\" appear twice") }
                offsets = try ints(v, "data_offsets")
            default:
                throw bad("entry \"\(name)\" has an unknown field \"\(k)\"")
            }
        }
        guard let dtype, let shape, let offsets else {
            throw bad("entry \"\(name)\" needs dtype, shape and data_offsets")
        }
        guard let elementSize = knownDTypes[dtype] else {
            throw bad("tensor \"\(name)\" has unknown dtype \"\(dtype)\"")
        }
        guard dtype == "F32" else {
            throw bad(
                "tensor \"\(name)\" is \(dtype); stylefilter model files must hold F32 tensors — convert the model to float32"
            )
        }
        guard offsets.count == 2, offsets[0] <= offsets[1] else {
            throw bad("data_offsets of \"\(name)\" must be [begin, end] with begin ≤ end")
        }
        var count = 1
        for d in shape {
            let (p, o) = count.multipliedReportingOverflow(by: d)
            guard !o else { throw bad("shape \(shape) of \"\(name)\" is too large") }
            count = p
        }
        let (bytes, o) = count.multipliedReportingOverflow(by: elementSize)
        guard !o else { throw bad("shape \(shape) of \"\(name)\" is too large") }
        guard bytes == offsets[1] - offsets[0] else {
            throw bad(
                "tensor \"\(name)\" of shape \(shape) needs \(bytes) bytes but data_offsets span \(offsets[1] - offsets[0])"
            )
        }
        return Entry(name: name, dtype: dtype, shape: shape, byteRange: offsets[0]..<offsets[1])
    }

    // MARK: Writing

    /// Writes F32 tensors (in the given order) and string metadata to `path`, atomically: the file
    /// appears complete or not at all. The header is padded with spaces to a multiple of 8 bytes so
    /// the data region is 8-byte aligned.
    public static func write(
        path: String, tensors: [(name: String, tensor: Tensor)],
        metadata: [String: String]
    ) throws {
        var seen = Set<String>()
        var json = "{"
        var offset = 0
        var first = true
        if !metadata.isEmpty {
            json += MiniJSON.quote("__metadata__") + ":{"
            json += metadata.sorted { $0.key < $1.key }
                .map { MiniJSON.quote($0.key) + ":" + MiniJSON.quote($0.value) }
                .joined(separator: ",")
            json += "}"
            first = false
        }
        for (name, t) in tensors {
            guard name != "__metadata__", seen.insert(name).inserted else {
                throw StyleError.invalidArgument("tensor name \"\(name)\" is reserved or used twice")
            }
            guard t.shape.allSatisfy({ $0 >= 0 }), t.shape.reduce(1, *) == t.values.count else {
                throw StyleError.invalidArgument(
                    "tensor \"\(name)\": shape \(t.shape) does not match its \(t.values.count) values")
            }
            let size = t.values.count * 4
            if !first { json += "," }
            first = false
            json +=
                MiniJSON.quote(name) + ":{\"dtype\":\"F32\",\"shape\":["
                + t.shape.map(String.init).joined(separator: ",") + "],\"data_offsets\":[\(offset),\(offset + size)]}"
            offset += size
        }
        json += "}"
        var headerBytes = Array(json.utf8)
        while (8 + headerBytes.count) % 8 != 0 { headerBytes.append(0x20) }
        var prefix = [UInt8](repeating: 0, count: 8)
        var n = UInt64(headerBytes.count)
        for i in 0..<8 {
            prefix[i] = UInt8(truncatingIfNeeded: n)
            n >>= 8
        }

        try AtomicFile.write(path) { w in
            try w.append(prefix)
            try w.append(headerBytes)
            for (_, t) in tensors {
                #if _endian(little)
                    try t.values.withUnsafeBytes { try w.append($0) }
                #else
                    let le = t.values.map { $0.bitPattern.littleEndian }
                    try le.withUnsafeBytes { try w.append($0) }
                #endif
            }
        }
    }
}
