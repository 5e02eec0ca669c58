import StyleKernel

/// The subset of Python's pickle protocol (protocols 2–5, as `torch.save` writes them) needed to
/// read a state dict: a stack machine over the opcodes of CPython's Lib/pickletools.py. Nothing is
/// executed: GLOBAL only names a callable, and REDUCE of one records the call (`.call`), except
/// `collections.OrderedDict()`, which makes a dict, and PyTorch's tensor rebuilders, which
/// make `.tensor` references (`TorchFile` reads their storages). Every length is checked against
/// the bytes; an unknown opcode or a malformed stream is an error naming its offset.
indirect enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    /// An integer too large for Int (LONG1/LONG4), as its little-endian two's-complement bytes.
    case bigInt([UInt8])
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple([PickleValue])
    case list(PickleList)
    case dict(PickleDict)
    case global(module: String, name: String)
    /// callable(args) that this reader does not evaluate.
    case call(PickleValue, PickleValue)
    /// A persistent id (BINPERSID): torch's storage references.
    case persistent(PickleValue)
    case tensor(TorchTensorReference)

    var string: String? { if case .string(let s) = self { return s } else { return nil } }
    var int: Int? { if case .int(let v) = self { return v } else { return nil } }
    var tuple: [PickleValue]? {
        switch self {
        case .tuple(let t): return t
        case .list(let l): return l.items
        default: return nil
        }
    }
}

/// Lists and dicts are shared and mutated in place (APPEND, SETITEMS after a memo PUT), as in Python.
final class PickleList { var items: [PickleValue] = [] }
final class PickleDict { var pairs: [(key: PickleValue, value: PickleValue)] = [] }

/// Every list and dict a machine made, emptied by `clear()` when the caller is done: a pickle can
/// put a container inside itself (through the memo), and reference counting alone would never
/// free such a cycle.
final class PickleArena {
    private var lists: [PickleList] = []
    private var dicts: [PickleDict] = []
    func list() -> PickleList {
        let l = PickleList()
        lists.append(l)
        return l
    }
    func dict() -> PickleDict {
        let d = PickleDict()
        dicts.append(d)
        return d
    }
    func clear() {
        for l in lists { l.items = [] }
        for d in dicts { d.pairs = [] }
        lists = []
        dicts = []
    }
}

/// `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, …)`: a strided view of a storage.
struct TorchTensorReference {
    /// The storage's persistent id: ('storage', torch.FloatStorage, key, location, numel[, view]).
    let storage: PickleValue
    let offset: Int
    let shape: [Int]
    let strides: [Int]
}

struct PickleMachine {
    let bytes: [UInt8]
    var position: Int
    let end: Int
    let source: String
    /// The containers made so far; the caller clears it when done with the values.
    let arena = PickleArena()

    init(_ bytes: [UInt8], range: Range<Int>, source: String) {
        self.bytes = bytes
        position = range.lowerBound
        end = range.upperBound
        self.source = source
    }

    /// Limits against hostile files: the memo and the stack stay far below what a state dict needs
    /// here only if the file is malformed.
    static let maximumItems = 1 << 24

    private func bad(_ message: String, at offset: Int? = nil) -> StyleError {
        .invalidModel("\(source): unreadable pickle at byte \(offset ?? position): \(message)")
    }

    private mutating func take(_ n: Int) throws -> Range<Int> {
        guard n >= 0, n <= end - position else { throw bad("\(n) bytes needed, \(end - position) left") }
        defer { position += n }
        return position..<position + n
    }

    private mutating func byte() throws -> UInt8 { bytes[try take(1).lowerBound] }

    private mutating func unsigned(_ n: Int) throws -> UInt64 {
        let r = try take(n)
        return r.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64(bytes[$1]) }
    }

    private mutating func line() throws -> String {
        var i = position
        while i < end, bytes[i] != 0x0A { i += 1 }
        guard i < end else { throw bad("unterminated line") }
        defer { position = i + 1 }
        return String(decoding: bytes[position..<i], as: UTF8.self)
    }

    private mutating func text(_ n: UInt64) throws -> String {
        guard n <= UInt64(end - position) else { throw bad("a string of \(n) bytes runs past the end") }
        return String(decoding: bytes[try take(Int(n))], as: UTF8.self)
    }

    /// Runs to STOP and returns the pickled object; `position` is then just after it.
    mutating func load() throws -> PickleValue {
        var stack: [PickleValue] = []
        var marks: [Int] = []
        var memo: [Int: PickleValue] = [:]
        func pop() throws -> PickleValue {
            guard let v = stack.popLast() else { throw bad("stack underflow") }
            return v
        }
        func popMark() throws -> [PickleValue] {
            guard let m = marks.popLast(), m <= stack.count else { throw bad("no mark") }
            defer { stack.removeSubrange(m...) }
            return Array(stack[m...])
        }
        func put(_ key: Int) throws {
            guard let top = stack.last else { throw bad("memo of an empty stack") }
            guard memo.count < Self.maximumItems else { throw bad("memo too large") }
            memo[key] = top
        }
        func get(_ key: Int) throws {
            guard let v = memo[key] else { throw bad("memo key \(key) is unset") }
            stack.append(v)
        }
        func setItems(_ items: [PickleValue]) throws {
            guard items.count % 2 == 0 else { throw bad("odd number of dict items") }
            guard case .dict(let d)? = stack.last else { throw bad("SETITEM(S) on a non-dict") }
            for i in stride(from: 0, to: items.count, by: 2) { d.pairs.append((items[i], items[i + 1])) }
        }
        func appendItems(_ items: [PickleValue]) throws {
            guard case .list(let l)? = stack.last else { throw bad("APPEND(S) on a non-list") }
            l.items += items
        }
        while true {
            guard stack.count < Self.maximumItems else { throw bad("stack too deep") }
            let at = position
            let op = try byte()
            switch op {
            case 0x80: _ = try byte()  // PROTO
            case 0x95: _ = try unsigned(8)  // FRAME
            case 0x2E: return try pop()  // STOP
            case 0x28: marks.append(stack.count)  // MARK
            case 0x7D: stack.append(.dict(arena.dict()))  // EMPTY_DICT
            case 0x5D: stack.append(.list(arena.list()))  // EMPTY_LIST
            case 0x29: stack.append(.tuple([]))  // EMPTY_TUPLE
            case 0x4E: stack.append(.none)  // NONE
            case 0x88: stack.append(.bool(true))  // NEWTRUE
            case 0x89: stack.append(.bool(false))  // NEWFALSE
            case 0x4B: stack.append(.int(Int(try unsigned(1))))  // BININT1
            case 0x4D: stack.append(.int(Int(try unsigned(2))))  // BININT2
            case 0x4A: stack.append(.int(Int(Int32(bitPattern: UInt32(try unsigned(4))))))  // BININT
            case 0x8A, 0x8B:  // LONG1, LONG4
                let n = try unsigned(op == 0x8A ? 1 : 4)
                guard n <= UInt64(end - position) else { throw bad("a long of \(n) bytes runs past the end") }
                let digits = Array(bytes[try take(Int(n))])
                if digits.count <= 8 {
                    var v = digits.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                    if let last = digits.last, last & 0x80 != 0, digits.count < 8 {
                        v |= ~UInt64(0) << (8 * UInt64(digits.count))
                    }
                    stack.append(.int(Int(Int64(bitPattern: v))))
                } else {
                    stack.append(.bigInt(digits))
                }
            case 0x47: stack.append(.float(Double(bitPattern: try unsigned(8).byteSwapped)))  // BINFLOAT (big-endian)
            case 0x8C: stack.append(.string(try text(try unsigned(1))))  // SHORT_BINUNICODE
            case 0x58: stack.append(.string(try text(try unsigned(4))))  // BINUNICODE
            case 0x8D: stack.append(.string(try text(try unsigned(8))))  // BINUNICODE8
            case 0x55: stack.append(.string(try text(try unsigned(1))))  // SHORT_BINSTRING
            case 0x54: stack.append(.string(try text(try unsigned(4))))  // BINSTRING
            case 0x43, 0x42:  // SHORT_BINBYTES, BINBYTES
                let n = try unsigned(op == 0x43 ? 1 : 4)
                guard n <= UInt64(end - position) else { throw bad("bytes of \(n) run past the end") }
                stack.append(.bytes(Array(bytes[try take(Int(n))])))
            case 0x63:  // GLOBAL
                let module = try line(), name = try line()
                stack.append(.global(module: module, name: name))
            case 0x93:  // STACK_GLOBAL
                let name = try pop(), module = try pop()
                guard let m = module.string, let n = name.string else {
                    throw bad("STACK_GLOBAL needs two strings", at: at)
                }
                stack.append(.global(module: m, name: n))
            case 0x71: try put(Int(try unsigned(1)))  // BINPUT
            case 0x72: try put(Int(try unsigned(4)))  // LONG_BINPUT
            case 0x94: try put(memo.count)  // MEMOIZE
            case 0x68: try get(Int(try unsigned(1)))  // BINGET
            case 0x6A: try get(Int(try unsigned(4)))  // LONG_BINGET
            case 0x74: stack.append(.tuple(try popMark()))  // TUPLE
            case 0x85: stack.append(.tuple([try pop()]))  // TUPLE1
            case 0x86:
                let b = try pop(), a = try pop()
                stack.append(.tuple([a, b]))  // TUPLE2
            case 0x87:
                let c = try pop(), b = try pop(), a = try pop()
                stack.append(.tuple([a, b, c]))  // TUPLE3
            case 0x6C:
                let l = arena.list()
                l.items = try popMark()
                stack.append(.list(l))  // LIST
            case 0x64:  // DICT
                let items = try popMark()
                stack.append(.dict(arena.dict()))
                try setItems(items)
            case 0x61:
                let v = try pop()
                try appendItems([v])  // APPEND
            case 0x65:
                let items = try popMark()
                try appendItems(items)  // APPENDS
            case 0x73:
                let v = try pop(), k = try pop()
                try setItems([k, v])  // SETITEM
            case 0x75:
                let items = try popMark()
                try setItems(items)  // SETITEMS
            case 0x51: stack.append(.persistent(try pop()))  // BINPERSID
            case 0x52, 0x81:  // REDUCE, NEWOBJ
                let args = try pop(), callable = try pop()
                stack.append(try Self.reduce(callable, args, arena: arena, bad: { bad($0, at: at) }))
            case 0x62: _ = try pop()  // BUILD: the state is not needed
            case 0x30: _ = try pop()  // POP
            case 0x31: _ = try popMark()  // POP_MARK
            case 0x32:
                guard let top = stack.last else { throw bad("DUP of an empty stack") }
                stack.append(top)  // DUP
            default:
                throw bad("opcode 0x\(String(op, radix: 16)) is not supported", at: at)
            }
        }
    }

    /// REDUCE: an OrderedDict becomes a dict, a tensor rebuilder a tensor reference; anything
    /// else is recorded, not called.
    static func reduce(
        _ callable: PickleValue, _ args: PickleValue, arena: PickleArena,
        bad: (String) -> StyleError
    ) throws -> PickleValue {
        guard case .global(let module, let name) = callable else { return .call(callable, args) }
        switch (module, name) {
        case ("collections", "OrderedDict"), ("builtins", "dict"):
            return .dict(arena.dict())
        case ("torch._utils", "_rebuild_tensor_v2"), ("torch._utils", "_rebuild_tensor"):
            guard let a = args.tuple, a.count >= 4, case .persistent = a[0], let offset = a[1].int,
                let shape = a[2].tuple?.map(\.int), let strides = a[3].tuple?.map(\.int),
                shape.count == strides.count, !shape.contains(nil), !strides.contains(nil)
            else {
                throw bad("\(name) with unexpected arguments")
            }
            return .tensor(
                TorchTensorReference(
                    storage: a[0], offset: offset, shape: shape.map { $0! },
                    strides: strides.map { $0! }))
        case ("torch._utils", "_rebuild_parameter"):
            // A Parameter wraps its tensor: (data, requires_grad, backward_hooks).
            guard let a = args.tuple, let first = a.first else { throw bad("_rebuild_parameter with no tensor") }
            return first
        default:
            return .call(callable, args)
        }
    }
}
