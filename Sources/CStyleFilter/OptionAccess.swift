import CStyleFilterABI
import StyleKernel

#if canImport(Glibc)
    import Glibc
#endif

// sf_options_set, sf_options_parse, sf_option_count, sf_option_info: the option table
// (StyleKernel's OptionTable) by name, for hosts that build their settings or UI from it.

private func caller(_ options: UnsafeMutablePointer<sf_options>?, _ function: String) throws(Failure) -> sf_options {
    guard let options else { throw .invalid("\(function): options is NULL") }
    return try OptionsBridge.read(options)
}

@_cdecl("sf_options_set")
public func c_sf_options_set(
    _ options: UnsafeMutablePointer<sf_options>?, _ name: UnsafePointer<CChar>?,
    _ value: UnsafePointer<CChar>?
) -> Int32 {
    do throws(Failure) {
        var o = try caller(options, "sf_options_set")
        guard let n = try OptionsBridge.string(name, field: "option name") else {
            throw .invalid("sf_options_set: name is NULL")
        }
        guard let v = try OptionsBridge.string(value, field: "value of \(n)") else {
            throw .invalid("sf_options_set: the value of \(n) is NULL")
        }
        try OptionsBridge.set(&o, name: n, value: v)
        store(o, into: options!)
        return Status.ok.rawValue
    } catch {
        return failCall(error)
    }
}

@_cdecl("sf_options_parse")
public func c_sf_options_parse(_ options: UnsafeMutablePointer<sf_options>?, _ settings: UnsafePointer<CChar>?) -> Int32
{
    do throws(Failure) {
        var o = try caller(options, "sf_options_parse")
        guard let text = try OptionsBridge.string(settings, field: "settings") else {
            throw .invalid("sf_options_parse: settings is NULL")
        }
        for token in text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }) {
            guard let eq = token.firstIndex(of: "="), eq != token.startIndex else {
                throw .invalid("'\(token)' is not NAME=VALUE (e.g. iterations=200)")
            }
            try OptionsBridge.set(&o, name: String(token[..<eq]), value: String(token[token.index(after: eq)...]))
        }
        store(o, into: options!)
        return Status.ok.rawValue
    } catch {
        return failCall(error)
    }
}

/// Writes back only the whole fields the caller's struct has (an older header's is smaller; its
/// struct_size was checked by `caller`).
private func store(_ o: sf_options, into pointer: UnsafeMutablePointer<sf_options>) {
    let size = OptionsBridge.wholeFields(Int(OptionsBridge.structSize(of: pointer)))
    withUnsafeBytes(of: o) { UnsafeMutableRawPointer(pointer).copyMemory(from: $0.baseAddress!, byteCount: size) }
}

@_cdecl("sf_option_count")
public func c_sf_option_count() -> Int { OptionTable.all.count }

@_cdecl("sf_option_info")
public func c_sf_option_info(_ index: UInt, _ out: UnsafeMutablePointer<sf_option_description>?) -> Int32 {
    guard let out else { return failCall(.invalid("sf_option_info: out is NULL")) }
    let known = MemoryLayout<sf_option_description>.size
    // Both size_t values checked as the unsigned numbers they are before becoming Ints.
    let size = UnsafeRawPointer(out).load(as: UInt.self)
    guard size >= UInt(known), size <= UInt(OptionsBridge.maxStructSize) else {
        return failCall(
            .invalid(
                "sf_option_info: out->struct_size is \(size); set it to sizeof(sf_option_description) (\(known) in this library's header)"
            ))
    }
    guard index < UInt(OptionDescriptions.all.count) else {
        return failCall(
            .invalid(
                "sf_option_info: index \(index) is out of range 0…\(OptionDescriptions.all.count - 1) (sf_option_count)"
            ))
    }
    UnsafeMutableRawPointer(out).initializeMemory(as: UInt8.self, repeating: 0, count: Int(size))
    out.pointee = OptionDescriptions.all[Int(index)].description
    out.pointee.struct_size = Int(size)
    return Status.ok.rawValue
}

/// The table's rows as C descriptions, built once; their strings are never freed.
enum OptionDescriptions {
    struct Entry: @unchecked Sendable { let description: sf_option_description }

    static let all: [Entry] = OptionTable.all.map { spec in
        var d = sf_option_description()
        d.struct_size = MemoryLayout<sf_option_description>.size
        d.name = UnsafePointer(strdup(spec.name))
        d.type = type(spec.kind)
        d.has_minimum = spec.minimum == nil ? 0 : 1
        d.has_maximum = spec.maximum == nil ? 0 : 1
        d.minimum_exclusive = spec.minimumExclusive ? 1 : 0
        d.minimum = spec.minimum ?? 0
        d.maximum = spec.maximum ?? 0
        d.default_value = UnsafePointer(strdup(spec.text(of: StyleOptions.filterDefaults)))
        let words = spec.kind == .layers || spec.kind == .weightedLayers ? OptionTable.knownLayers : spec.choices
        d.choices = UnsafePointer(strdup(words.joined(separator: ",")))
        d.accepted = UnsafePointer(strdup(spec.accepted))
        d.help = UnsafePointer(strdup(spec.help))
        d.type_name = UnsafePointer(strdup(spec.kind.rawValue))
        return Entry(description: d)
    }

    static func type(_ kind: OptionSpec.Kind) -> Int32 {
        let code: sf_option_type
        switch kind {
        case .integer: code = SF_OPTION_INT
        case .number: code = SF_OPTION_FLOAT
        case .choice: code = SF_OPTION_CHOICE
        case .layers: code = SF_OPTION_LAYERS
        case .weightedLayers: code = SF_OPTION_WEIGHTED_LAYERS
        case .bytes: code = SF_OPTION_BYTES
        case .pixels: code = SF_OPTION_PIXELS
        }
        return Int32(bitPattern: code.rawValue)
    }
}
