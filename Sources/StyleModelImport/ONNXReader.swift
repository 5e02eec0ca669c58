import StyleKernel

/// A minimal protobuf wire-format reader. Every read is bounds-checked against the message's
/// end; malformed input throws `ProtoReader.Error`, it never traps.
struct ProtoReader {
    struct Error: Swift.Error, CustomStringConvertible {
        let message: String
        let offset: Int
        var description: String { "\(message) at byte \(offset)" }
    }

    enum WireType: UInt8 {
        case varint = 0, fixed64 = 1, lengthDelimited = 2, startGroup = 3, endGroup = 4, fixed32 = 5
    }

    let bytes: UnsafeRawBufferPointer
    private(set) var pos: Int
    let end: Int

    init(bytes: UnsafeRawBufferPointer, range: Range<Int>) {
        self.bytes = bytes
        // Clamp so that a bad range can never lead to reading outside the buffer.
        let lo = min(max(range.lowerBound, 0), bytes.count)
        self.pos = lo
        self.end = min(max(range.upperBound, lo), bytes.count)
    }

    var atEnd: Bool { pos >= end }

    private func fail(_ m: String) -> Error { Error(message: m, offset: pos) }

    mutating func readVarint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard pos < end else { throw fail("truncated varint") }
            let b = bytes[pos]
            pos += 1
            if shift == 63 && b > 1 { throw fail("varint overflows 64 bits") }
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
            if shift > 63 { throw fail("varint longer than 10 bytes") }
        }
    }

    /// The next field's number and wire type, or nil at the end of the message.
    mutating func readTag() throws -> (field: UInt64, wire: WireType)? {
        guard pos < end else { return nil }
        let key = try readVarint()
        let field = key >> 3
        guard field > 0, field <= 0x1FFF_FFFF else { throw fail("invalid field number \(field)") }
        guard let wire = WireType(rawValue: UInt8(key & 7)) else { throw fail("invalid wire type \(key & 7)") }
        return (field, wire)
    }

    /// A little-endian fixed-width value (protobuf's fixed32/fixed64 wire types).
    mutating func readFixed<T: FixedWidthInteger & UnsignedInteger>(_: T.Type) throws -> T {
        let n = MemoryLayout<T>.size
        guard end - pos >= n else { throw fail("truncated \(8 * n)-bit value") }
        var v: T = 0
        for i in (0..<n).reversed() { v = v << 8 | T(bytes[pos + i]) }
        pos += n
        return v
    }

    /// The byte range of a length-delimited field's payload (absolute in `bytes`).
    mutating func readLengthDelimited() throws -> Range<Int> {
        let n = try readVarint()
        guard n <= UInt64(end - pos) else { throw fail("length \(n) runs past the end of the message") }
        let r = pos..<(pos + Int(n))
        pos += Int(n)
        return r
    }

    mutating func skip(_ wire: WireType) throws {
        switch wire {
        case .varint: _ = try readVarint()
        case .fixed64: _ = try readFixed(UInt64.self)
        case .fixed32: _ = try readFixed(UInt32.self)
        case .lengthDelimited: _ = try readLengthDelimited()
        case .startGroup, .endGroup: throw fail("protobuf groups are not supported")
        }
    }

    func sub(_ range: Range<Int>) -> ProtoReader { ProtoReader(bytes: bytes, range: range) }
}

/// One initializer (constant tensor) of an ONNX graph. The data stays in the file's bytes until
/// `floatValues()` is asked for.
public struct ONNXInitializer: @unchecked Sendable {
    /// ONNX TensorProto.DataType.FLOAT.
    public static let floatType: Int64 = 1

    public let name: String
    public let dims: [Int64]
    public let dataType: Int64
    /// Where the values are: raw little-endian bytes, or decoded `float_data`.
    enum Storage { case raw(Range<Int>), floats([Float]), none }
    let storage: Storage
    let file: ONNXFileBytes

    /// The tensor's values as Float32. Throws unless it is a FLOAT tensor whose data size matches
    /// its dims.
    public func floatValues() throws -> [Float] {
        guard dataType == Self.floatType else {
            throw StyleError.invalidModel(
                "ONNX initializer \(name) has data type \(dataType), not FLOAT (1): \(file.path)")
        }
        var count = 1
        for d in dims {
            guard d >= 0, d <= Int64(Int.max) else {
                throw StyleError.invalidModel("ONNX initializer \(name) has a negative dimension \(d): \(file.path)")
            }
            let (p, o) = count.multipliedReportingOverflow(by: Int(d))
            guard !o else {
                throw StyleError.invalidModel("ONNX initializer \(name) has too many elements: \(file.path)")
            }
            count = p
        }
        switch storage {
        case .floats(let f):
            guard f.count == count else {
                throw StyleError.invalidModel(
                    "ONNX initializer \(name) holds \(f.count) floats, its dims \(dims) need \(count): \(file.path)")
            }
            return f
        case .raw(let r):
            guard r.count % 4 == 0, r.count / 4 == count else {
                throw StyleError.invalidModel(
                    "ONNX initializer \(name) holds \(r.count) raw bytes, its dims \(dims) need \(count * 4): \(file.path)"
                )
            }
            return file.floats(in: r)
        case .none:
            guard count == 0 else {
                throw StyleError.invalidModel(
                    "ONNX initializer \(name) has no data (external data is not supported): \(file.path)")
            }
            return []
        }
    }
}

/// Owns the bytes of an ONNX file (read once; initializers refer into it instead of copying).
final class ONNXFileBytes: @unchecked Sendable {
    let path: String
    let storage: UnsafeMutableRawBufferPointer

    init(bytes: [UInt8], path: String) {
        self.path = path
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        bytes.withUnsafeBytes { src in
            if src.count > 0 { buffer.baseAddress!.copyMemory(from: src.baseAddress!, byteCount: src.count) }
        }
        storage = buffer
        count = bytes.count
    }

    init(path: String) throws {
        self.path = path
        let reader = try FileIO.Reader(path: path)
        // Protobuf messages cannot exceed 2 GiB; anything larger is not a self-contained ONNX file.
        guard reader.size <= Int(Int32.max) else {
            throw StyleError.invalidModel(
                "file is \(reader.size) bytes, over protobuf's 2 GiB limit for an ONNX model with its weights inside: \(path)"
            )
        }
        storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(reader.size, 1), alignment: 16)
        count = reader.size
        do {
            if count > 0 { try reader.read(into: UnsafeMutableRawBufferPointer(rebasing: storage[0..<count]), at: 0) }
        } catch {
            storage.deallocate()
            throw error
        }
    }

    let count: Int
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: storage[0..<count]) }

    deinit { storage.deallocate() }

    func floats(in r: Range<Int>) -> [Float] {
        let n = r.count / 4
        return [Float](unsafeUninitializedCapacity: n) { buf, initialized in
            if n > 0 {
                UnsafeMutableRawBufferPointer(buf).copyMemory(
                    from: UnsafeRawBufferPointer(rebasing: bytes[r.lowerBound..<(r.lowerBound + n * 4)]))
            }
            #if _endian(big)
                for i in 0..<n { buf[i] = Float(bitPattern: UInt32(littleEndian: buf[i].bitPattern)) }
            #endif
            initialized = n
        }
    }

    func string(in r: Range<Int>) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: bytes[r]), as: UTF8.self)
    }
}

/// Extracts the initializers (weights) of an ONNX model: ModelProto.graph (field 7) →
/// GraphProto.initializer (field 5) → TensorProto {dims 1, data_type 2, float_data 4, name 8,
/// raw_data 9, data_location 14}. Everything else is skipped. Garbage input throws
/// `StyleError.invalidModel`; it never traps.
public enum ONNXReader {
    // Limits checked before anything is appended, so a hostile file cannot make the reader
    // allocate far more than its own size (an empty initializer is 2 bytes of protobuf but ~100
    // bytes in memory; a dimension is 1 byte but 8). VGG16's ONNX file has a few dozen
    // initializers of at most 4 dimensions.

    /// Most initializers a model may have.
    public static let maxInitializers = 4096
    /// Most dimensions an initializer may have.
    public static let maxDimensions = 32

    /// Reads the file once and returns its initializers in file order.
    public static func initializers(path: String) throws -> [ONNXInitializer] {
        try initializers(of: ONNXFileBytes(path: path))
    }

    /// Parses ONNX model bytes held in memory (`source` names them in error messages).
    public static func initializers(bytes: [UInt8], source: String) throws -> [ONNXInitializer] {
        try initializers(of: ONNXFileBytes(bytes: bytes, path: source))
    }

    static func initializers(of file: ONNXFileBytes) throws -> [ONNXInitializer] {
        do {
            var result: [ONNXInitializer] = []
            var model = ProtoReader(bytes: file.bytes, range: 0..<file.count)
            var sawGraph = false
            while let (field, wire) = try model.readTag() {
                if field == 7 && wire == .lengthDelimited {
                    sawGraph = true
                    var graph = model.sub(try model.readLengthDelimited())
                    while let (gf, gw) = try graph.readTag() {
                        if gf == 5 && gw == .lengthDelimited {
                            guard result.count < maxInitializers else {
                                throw StyleError.invalidModel(
                                    "the ONNX model has more than \(maxInitializers) initializers; a VGG model has a few dozen: \(file.path)"
                                )
                            }
                            result.append(try parseTensor(graph.sub(try graph.readLengthDelimited()), file: file))
                        } else {
                            try graph.skip(gw)
                        }
                    }
                } else {
                    try model.skip(wire)
                }
            }
            guard sawGraph else {
                throw StyleError.invalidModel("not an ONNX model (no graph found): \(file.path)")
            }
            return result
        } catch let e as ProtoReader.Error {
            throw StyleError.invalidModel("not a valid ONNX model (protobuf error: \(e)): \(file.path)")
        }
    }

    static func parseTensor(_ reader: ProtoReader, file: ONNXFileBytes) throws -> ONNXInitializer {
        var r = reader
        var dims: [Int64] = []
        var dataType: Int64 = 0
        var name = ""
        var raw: Range<Int>?
        var floats: [Float] = []
        var external = false
        func addDimension(_ d: UInt64) throws {
            guard dims.count < maxDimensions else {
                throw StyleError.invalidModel(
                    "an ONNX initializer has more than \(maxDimensions) dimensions; a VGG model's have at most 4: \(file.path)"
                )
            }
            dims.append(Int64(bitPattern: d))
        }
        while let (field, wire) = try r.readTag() {
            switch (field, wire) {
            case (1, .varint):
                try addDimension(try r.readVarint())
            case (1, .lengthDelimited):  // packed int64
                var p = r.sub(try r.readLengthDelimited())
                while !p.atEnd { try addDimension(try p.readVarint()) }
            case (2, .varint):
                dataType = Int64(bitPattern: try r.readVarint())
            case (4, .fixed32):
                floats.append(Float(bitPattern: try r.readFixed(UInt32.self)))
            case (4, .lengthDelimited):  // packed floats
                var p = r.sub(try r.readLengthDelimited())
                guard (p.end - p.pos) % 4 == 0 else {
                    throw ProtoReader.Error(message: "packed float_data length is not a multiple of 4", offset: p.pos)
                }
                try CheckedMemory.reserve(
                    floats.count + (p.end - p.pos) / 4, of: Float.self, what: "a tensor of the ONNX model")
                floats.reserveCapacity(floats.count + (p.end - p.pos) / 4)
                while !p.atEnd { floats.append(Float(bitPattern: try p.readFixed(UInt32.self))) }
            case (8, .lengthDelimited):
                name = file.string(in: try r.readLengthDelimited())
            case (9, .lengthDelimited):
                raw = try r.readLengthDelimited()
            case (14, .varint):
                external = try r.readVarint() == 1
            default:
                try r.skip(wire)
            }
        }
        if external {
            throw StyleError.invalidModel(
                "ONNX initializer \(name) keeps its data in an external file, which is not supported; save the model with its weights inside: \(file.path)"
            )
        }
        let storage: ONNXInitializer.Storage
        if let raw {
            guard floats.isEmpty else {
                throw StyleError.invalidModel("ONNX initializer \(name) has both raw_data and float_data: \(file.path)")
            }
            storage = .raw(raw)
        } else if !floats.isEmpty {
            storage = .floats(floats)
        } else {
            storage = .none
        }
        return ONNXInitializer(name: name, dims: dims, dataType: dataType, storage: storage, file: file)
    }
}
