import StyleKernel

/// A PyTorch state dict file (`torch.save(model.state_dict(), "x.pth")`), read without Python:
/// the tensors by name, as Float. Both containers torch.save has written (torch/serialization.py):
///
/// - **zip** (torch ≥ 1.6): `NAME/data.pkl` is the pickled dict, whose tensors refer to storages by
///   persistent id ('storage', torch.FloatStorage, KEY, location, numel); storage KEY is the entry
///   `NAME/data/KEY`, raw little-endian values.
/// - **legacy** (before 1.6; torchvision's VGG files): five pickles in a row — the magic number
///   0x1950a86a20f9469cfc6c, the protocol version 1001, system info, the dict (persistent ids
///   as above, plus a view: None or (view key, offset, numel)), and the list of storage keys —
///   then each listed storage as an 8-byte element count followed by its values.
public enum TorchFile {
    public struct Tensor: Sendable, Equatable {
        public let shape: [Int]
        /// Row-major values, converted to Float.
        public let values: [Float]
    }

    /// Storage element types torch.save writes, by storage class name.
    enum ElementType: String {
        case float = "FloatStorage", double = "DoubleStorage", half = "HalfStorage", bfloat16 = "BFloat16Storage"
        case long = "LongStorage", int = "IntStorage", short = "ShortStorage", char = "CharStorage", byte =
            "ByteStorage"
        case bool = "BoolStorage"

        var size: Int {
            switch self {
            case .double, .long: return 8
            case .float, .int: return 4
            case .half, .bfloat16, .short: return 2
            case .char, .byte, .bool: return 1
            }
        }

        /// Element i of little-endian bytes starting at `base`.
        func value(_ b: [UInt8], _ base: Int, _ i: Int) -> Float {
            let p = base + i * size
            switch self {
            case .float: return Float(bitPattern: LittleEndian.u32(b, p))
            case .double: return Float(Double(bitPattern: LittleEndian.u64(b, p)))
            case .half: return Float(Float16(bitPattern: LittleEndian.u16(b, p)))
            case .bfloat16: return Float(bitPattern: UInt32(LittleEndian.u16(b, p)) << 16)
            case .long: return Float(Int64(bitPattern: LittleEndian.u64(b, p)))
            case .int: return Float(Int32(bitPattern: LittleEndian.u32(b, p)))
            case .short: return Float(Int16(bitPattern: LittleEndian.u16(b, p)))
            case .char: return Float(Int8(bitPattern: b[p]))
            case .byte, .bool: return Float(b[p])
            }
        }
    }

    /// A storage's bytes: where its elements start in the file, how many, of what type.
    struct Storage {
        let type: ElementType
        let base: Int
        let count: Int
    }

    /// Whether `bytes` look like a torch.save file (a ZIP archive, or the legacy pickle run).
    static func looksLikeTorch(_ bytes: [UInt8]) -> Bool {
        ZipArchive.looksLikeZip(bytes) || (bytes.count > 2 && bytes[0] == 0x80 && bytes[1] == 0x02 && bytes[2] == 0x8A)
    }

    /// The tensors of the state dict at `path`, by name (other entries are left out).
    public static func tensors(path: String) throws -> [String: Tensor] {
        try tensors(bytes: try FileIO.readWholeFile(path), source: path)
    }

    public static func tensors(bytes: [UInt8], source: String) throws -> [String: Tensor] {
        if ZipArchive.looksLikeZip(bytes) { return try zipTensors(bytes, source: source) }
        return try legacyTensors(bytes, source: source)
    }

    static func zipTensors(_ bytes: [UInt8], source: String) throws -> [String: Tensor] {
        let archive = try ZipArchive(bytes, source: source)
        guard let pickle = archive.entries.first(where: { $0.name == "data.pkl" || $0.name.hasSuffix("/data.pkl") })
        else {
            throw StyleError.invalidModel("\(source) is a ZIP archive without data.pkl: not a torch.save file")
        }
        let prefix = String(pickle.name.dropLast("data.pkl".count))
        var byName: [String: Range<Int>] = [:]
        for e in archive.entries { byName[e.name] = e.range }
        var machine = PickleMachine(bytes, range: pickle.range, source: source)
        defer { machine.arena.clear() }
        let root = try machine.load()
        return try collect(root, bytes: bytes, source: source) { id in
            let (type, key, count, _) = try storageID(id, source: source)
            guard let range = byName[prefix + "data/" + key] else {
                throw StyleError.invalidModel("\(source): storage \(key) is not in the archive")
            }
            guard count <= range.count / type.size else {
                throw StyleError.invalidModel(
                    "\(source): storage \(key) holds \(range.count) bytes, not \(count) \(type.rawValue) values")
            }
            return Storage(type: type, base: range.lowerBound, count: count)
        }
    }

    static func legacyTensors(_ bytes: [UInt8], source: String) throws -> [String: Tensor] {
        var machine = PickleMachine(bytes, range: 0..<bytes.count, source: source)
        defer { machine.arena.clear() }
        let magic = try machine.load()
        let expected: [UInt8] = [0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]
        guard case .bigInt(let digits) = magic, digits == expected else {
            throw StyleError.invalidModel(
                "\(source) is neither a ZIP archive nor a legacy torch.save file (no magic number)")
        }
        guard case .int(1001) = try machine.load() else {
            throw StyleError.invalidModel("\(source): legacy torch.save protocol version is not 1001")
        }
        // System info (endianness, type sizes): little-endian assumed, checked by the sizes below.
        _ = try machine.load()
        let root = try machine.load()
        guard let keys = try machine.load().tuple?.map(\.string), !keys.contains(nil) else {
            throw StyleError.invalidModel("\(source): the legacy storage key list is malformed")
        }
        // The storages follow in the order of the key list; their types come from the dict's ids.
        var types: [String: ElementType] = [:]
        try visitTensors(root) { reference in
            let (type, key, _, _) = try storageID(reference.storage, source: source)
            types[key] = type
        }
        var storages: [String: Storage] = [:]
        var p = machine.position
        for key in keys.map({ $0! }) {
            guard let type = types[key] else { throw StyleError.invalidModel("\(source): storage \(key) has no type") }
            let count = LittleEndian.u64(bytes, p)
            guard p + 8 <= bytes.count, count <= UInt64(bytes.count - p - 8) / UInt64(type.size) else {
                throw StyleError.invalidModel("\(source): storage \(key) runs past the end of the file")
            }
            storages[key] = Storage(type: type, base: p + 8, count: Int(count))
            p += 8 + Int(count) * type.size
        }
        return try collect(root, bytes: bytes, source: source) { id in
            let (_, key, _, view) = try storageID(id, source: source)
            guard let root = storages[key] else {
                throw StyleError.invalidModel("\(source): storage \(key) is missing")
            }
            guard let view else { return root }
            guard view.offset >= 0, view.count >= 0, view.offset + view.count <= root.count else {
                throw StyleError.invalidModel("\(source): a view of storage \(key) lies outside it")
            }
            return Storage(type: root.type, base: root.base + view.offset * root.type.size, count: view.count)
        }
    }

    /// ('storage', torch.XStorage, key, location, numel[, view]) → its parts.
    static func storageID(_ id: PickleValue, source: String) throws
        -> (ElementType, String, Int, (offset: Int, count: Int)?)
    {
        guard case .persistent(let inner) = id, let t = inner.tuple, t.count >= 5, t[0].string == "storage",
            case .global(_, let typeName) = t[1], let key = t[2].string, let count = t[4].int, count >= 0
        else {
            throw StyleError.invalidModel("\(source): a tensor's storage reference is malformed")
        }
        guard let type = ElementType(rawValue: typeName) else {
            throw StyleError.invalidModel("\(source): storage type \(typeName) is not supported")
        }
        var view: (Int, Int)? = nil
        if t.count >= 6, let v = t[5].tuple, v.count >= 3, let offset = v[1].int, let n = v[2].int {
            view = (offset, n)
        }
        return (type, key, count, view)
    }

    /// How deep dicts may nest (a checkpoint around a state dict is one level; a pickle can also
    /// put a dict inside itself).
    static let maximumNesting = 4

    /// Calls `body` for every tensor reference in the dict and the dicts nested in it.
    static func visitTensors(_ root: PickleValue, depth: Int = 0, _ body: (TorchTensorReference) throws -> Void) throws
    {
        guard case .dict(let d) = root, depth <= maximumNesting else { return }
        for (_, value) in d.pairs {
            switch value {
            case .tensor(let r): try body(r)
            case .dict: try visitTensors(value, depth: depth + 1, body)
            default: break
            }
        }
    }

    /// The state dict's tensors, materialised row-major: the dict itself, or its "state_dict"
    /// entry when the file holds a checkpoint around it.
    static func collect(
        _ root: PickleValue, bytes: [UInt8], source: String, depth: Int = 0,
        storage: (PickleValue) throws -> Storage
    ) throws -> [String: Tensor] {
        guard case .dict(let d) = root, depth <= maximumNesting else {
            throw StyleError.invalidModel(
                "\(source) does not hold a dict of tensors (a state dict): save model.state_dict()")
        }
        if let inner = d.pairs.first(where: { $0.key.string == "state_dict" }), case .dict = inner.value {
            return try collect(inner.value, bytes: bytes, source: source, depth: depth + 1, storage: storage)
        }
        var out: [String: Tensor] = [:]
        for (key, value) in d.pairs {
            guard let name = key.string, case .tensor(let r) = value else { continue }
            out[name] = try materialize(r, storage: try storage(r.storage), bytes: bytes, name: name, source: source)
        }
        return out
    }

    static func materialize(
        _ r: TorchTensorReference, storage: Storage, bytes: [UInt8], name: String,
        source: String
    ) throws -> Tensor {
        guard r.shape.allSatisfy({ $0 >= 0 }), r.strides.allSatisfy({ $0 >= 0 }), r.offset >= 0 else {
            throw StyleError.invalidModel("\(source): \(name) has a negative size, stride or offset")
        }
        var count = 1
        for s in r.shape {
            let (c, o) = count.multipliedReportingOverflow(by: s)
            guard !o, c <= 1 << 31 else { throw StyleError.invalidModel("\(source): \(name) is too large") }
            count = c
        }
        if count > 0 {
            let last = zip(r.shape, r.strides).reduce(r.offset) { $0 + ($1.0 - 1) * $1.1 }
            guard last < storage.count else {
                throw StyleError.invalidModel(
                    "\(source): \(name) reaches element \(last) of a storage of \(storage.count)")
            }
        }
        var values = try CheckedMemory.floats(count, what: "\(source): \(name)")
        var index = [Int](repeating: 0, count: r.shape.count)
        for i in 0..<count {
            let element = zip(index, r.strides).reduce(r.offset) { $0 + $1.0 * $1.1 }
            values[i] = storage.type.value(bytes, storage.base, element)
            // Next index, last dimension fastest.
            var d = index.count - 1
            while d >= 0 {
                index[d] += 1
                if index[d] < r.shape[d] { break }
                index[d] = 0
                d -= 1
            }
        }
        return Tensor(shape: r.shape, values: values)
    }
}
