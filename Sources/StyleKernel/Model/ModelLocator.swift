#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds the model file. Order:
/// 1. an explicit path (the command's `--model`),
/// 2. the environment variable `STYLEFILTER_MODEL`,
/// 3. `$XDG_CACHE_HOME/stylefilter/vgg16-imagenet.safetensors` (default `~/.cache/stylefilter/…`),
/// 4. `models/vgg16-imagenet.safetensors` in the directory of the running executable or any of
///    its parents (a checkout's `.build/release/stylize` finds the checkout's `models/`),
/// 5. the same, walking up from the current directory.
/// An explicit path or environment variable naming a missing file is an error (no silent fall
/// through to another model).
public enum ModelLocator {
    public static let defaultFileName = "vgg16-imagenet.safetensors"
    public static let environmentVariable = "STYLEFILTER_MODEL"
    public static let setupHint =
        "run `make setup` in the stylefilter checkout (or scripts/fetch-model.sh) to fetch and convert the default model"

    public static func locate(explicit: String?) throws -> String {
        var env: [String: String] = [:]
        for key in [environmentVariable, "XDG_CACHE_HOME", "HOME"] {
            if let v = getenv(key) { env[key] = String(cString: v) }
        }
        return try locate(explicit: explicit, environment: env,
                          executablePath: currentExecutablePath(), currentDirectory: currentDirectory())
    }

    /// Every candidate, in search order, with where it came from (for messages and tests).
    static func candidates(environment: [String: String], executablePath: String?,
                           currentDirectory: String?) -> [(path: String, origin: String)] {
        var list: [(String, String)] = []
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
            list.append((join(xdg, "stylefilter", defaultFileName), "$XDG_CACHE_HOME"))
        } else if let home = environment["HOME"], !home.isEmpty {
            list.append((join(home, ".cache", "stylefilter", defaultFileName), "the user cache"))
        }
        if let exe = executablePath {
            for dir in ancestors(of: parent(exe)) {
                list.append((join(dir, "models", defaultFileName), "next to the executable"))
            }
        }
        if let cwd = currentDirectory {
            for dir in ancestors(of: cwd) {
                list.append((join(dir, "models", defaultFileName), "from the current directory"))
            }
        }
        var seen = Set<String>()
        return list.filter { seen.insert($0.0).inserted }
    }

    static func locate(explicit: String?, environment: [String: String], executablePath: String?,
                       currentDirectory: String?) throws -> String {
        if let explicit, !explicit.isEmpty {
            guard FileIO.fileExists(explicit) else {
                throw StyleError.modelNotFound("model file \(explicit) (given explicitly) does not exist or is not a file")
            }
            return explicit
        }
        if let fromEnv = environment[environmentVariable], !fromEnv.isEmpty {
            guard FileIO.fileExists(fromEnv) else {
                throw StyleError.modelNotFound(
                    "model file \(fromEnv) (from \(environmentVariable)) does not exist or is not a file; fix or unset \(environmentVariable)")
            }
            return fromEnv
        }
        let list = candidates(environment: environment, executablePath: executablePath,
                              currentDirectory: currentDirectory)
        for c in list where FileIO.fileExists(c.path) {
            return c.path
        }
        let looked = ["--model (not given)", "\(environmentVariable) (not set)"] + list.map(\.path)
        throw StyleError.modelNotFound(
            "no model file found; looked in: " + looked.joined(separator: ", ") + ". To fix: \(setupHint)")
    }

    // MARK: Paths

    static func join(_ parts: String...) -> String {
        var out = ""
        for p in parts {
            if out.isEmpty { out = p; continue }
            if out.hasSuffix("/") { out += p } else { out += "/" + p }
        }
        return out
    }

    static func parent(_ path: String) -> String {
        var p = Substring(path)
        while p.count > 1, p.hasSuffix("/") { p = p.dropLast() }
        guard let slash = p.lastIndex(of: "/") else { return "." }
        return slash == p.startIndex ? "/" : String(p[..<slash])
    }

    /// `dir` and each of its parents up to the root (at most 64).
    static func ancestors(of dir: String) -> [String] {
        var out: [String] = []
        var d = dir
        while out.count < 64 {
            out.append(d)
            let p = parent(d)
            if p == d || p == "." { break }
            d = p
        }
        return out
    }

    static func currentExecutablePath() -> String? {
        var buf = [CChar](repeating: 0, count: 4097)
        let n = readlink("/proc/self/exe", &buf, 4096)
        guard n > 0 else { return nil }
        return buf.withUnsafeBufferPointer { p in
            String(decoding: UnsafeRawBufferPointer(start: p.baseAddress, count: n), as: UTF8.self)
        }
    }

    static func currentDirectory() -> String? {
        var buf = [CChar](repeating: 0, count: 4097)
        guard getcwd(&buf, 4096) != nil else { return nil }
        let n = buf.firstIndex(of: 0) ?? buf.count
        return String(decoding: buf[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
