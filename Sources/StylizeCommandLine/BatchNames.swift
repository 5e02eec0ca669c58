import StyleKernel

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The contents a run was given, expanded: a directory stands for the images in it (by name,
/// not its subdirectories, hidden files left out), a glob that names no file for its matches
/// (for globs the shell did not expand, e.g. quoted ones; `anim.gif[2]`, a frame of a file that
/// exists, is no glob), anything else for itself.
enum ContentList {
    /// The file name extensions a directory's images are recognised by (lower-cased).
    static let imageExtensions: Set<String> = [
        "png", "jpg", "jpeg", "jpe", "tif", "tiff", "webp", "gif", "bmp", "ppm", "pgm", "pnm", "pam",
        "heic", "heif", "avif", "jxl", "jp2", "exr", "hdr", "tga", "psd", "miff", "dpx", "pcx", "xcf"
    ]

    static func expand(_ arguments: [String]) throws -> [ImageLocation] {
        var result: [ImageLocation] = []
        for argument in arguments {
            let location = ImageLocation(argument)
            if location.format == nil, !location.isStandardStream, FileChecks.isDirectory(argument) {
                let images = try directoryImages(argument)
                guard !images.isEmpty else {
                    throw CommandFailure(
                        "content directory '\(argument)' holds no images (files named *.png, *.jpg, *.tif, …)")
                }
                result += images.map(ImageLocation.init)
            } else if location.format == nil, !FileChecks.exists(argument), !namesAFrame(argument), isGlob(argument) {
                let matches = glob(argument).filter { !FileChecks.isDirectory($0) }
                guard !matches.isEmpty else { throw CommandFailure("content '\(argument)' matches no file") }
                result += matches.map(ImageLocation.init)
            } else {
                result.append(location)
            }
        }
        return result
    }

    static func isGlob(_ text: String) -> Bool { text.contains { $0 == "*" || $0 == "?" || $0 == "[" } }

    /// `anim.gif[2]`: a frame (or ImageMagick's other suffixes, `[64x64]`) of a file that exists,
    /// which is that image, not a glob (as `InputCheck.checkReadable` reads it).
    static func namesAFrame(_ text: String) -> Bool {
        guard text.hasSuffix("]"), let open = text.lastIndex(of: "["), open != text.startIndex else { return false }
        return FileChecks.exists(String(text[..<open]))
    }

    /// The directory's regular files (or links to them) with an image extension, by name.
    static func directoryImages(_ directory: String) throws -> [String] {
        guard let names = FileChecks.names(in: directory) else {
            throw CommandFailure("cannot list content directory '\(directory)': \(String(cString: strerror(errno)))")
        }
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        return names.filter { name in
            guard !name.hasPrefix("."), let ext = NamePattern.split(name).ext else { return false }
            return imageExtensions.contains(ext.lowercased()) && FileChecks.isRegularFile(prefix + name)
        }.map { prefix + $0 }.sorted()
    }

    /// glob(3)'s matches, sorted; none for a pattern that matches nothing.
    static func glob(_ pattern: String) -> [String] {
        var matches = glob_t()
        defer { globfree(&matches) }
        guard Glibc.glob(pattern, 0, nil, &matches) == 0 else { return [] }
        return (0..<Int(matches.gl_pathc)).compactMap { i in
            matches.gl_pathv[i].map { String(cString: $0) }
        }
    }
}

/// Output names for several contents: `-o` with `%f` (the content's file name without its
/// extension), `%e` (its extension), `%d` or `%0Nd` (its number in the list, from 0, N digits)
/// and `%%` (a percent sign), as ImageMagick's output names count frames; `-O DIR` is
/// DIR/<the content's file name>. Any other `%` stays as written.
enum NamePattern {
    enum Token: Equatable {
        case stem, ext, percent
        case number(digits: Int)
    }

    /// Whether `pattern` gives each content a name of its own (`%f` or a number).
    static func namesEach(_ pattern: String) -> Bool {
        var names = false
        _ = scan(pattern) { token in
            if case .stem = token { names = true }
            if case .number = token { names = true }
            return ""
        }
        return names
    }

    /// `pattern` with its tokens replaced for the `index`th content (from 0).
    static func expand(_ pattern: String, content: ImageLocation, index: Int) -> String {
        let (stem, ext) = split(fileName(of: content))
        return scan(pattern) { token in
            switch token {
            case .stem: return stem
            case .ext: return ext ?? ""
            case .percent: return "%"
            case .number(let digits):
                let number = String(index)
                return String(repeating: "0", count: max(0, digits - number.count)) + number
            }
        }
    }

    /// The content's file name (no directory, no `[frame]` suffix; `stdin` for standard input).
    static func fileName(of content: ImageLocation) -> String {
        if content.isStandardStream { return "stdin" }
        var name = content.path.split(separator: "/").last.map(String.init) ?? content.path
        if name.hasSuffix("]"), let open = name.lastIndex(of: "["), open != name.startIndex {
            name = String(name[..<open])
        }
        return name.isEmpty ? "image" : name
    }

    /// "photo.jpg" → ("photo", "jpg"); "photo" → ("photo", nil); ".hidden" → (".hidden", nil).
    static func split(_ name: String) -> (stem: String, ext: String?) {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex, name.index(after: dot) != name.endIndex
        else { return (name, nil) }
        return (String(name[..<dot]), String(name[name.index(after: dot)...]))
    }

    /// `pattern` with each token (`%f`, `%e`, `%%`, `%d`, `%0Nd`) replaced by `replace`'s text;
    /// other text, and `%` not starting a token, kept as written.
    static func scan(_ pattern: String, _ replace: (Token) -> String) -> String {
        let chars = Array(pattern)
        var out = ""
        var i = 0
        while i < chars.count {
            guard chars[i] == "%", i + 1 < chars.count else {
                out.append(chars[i])
                i += 1
                continue
            }
            var j = i + 1
            while j < chars.count, chars[j].isASCII, chars[j].isNumber { j += 1 }
            let digits = String(chars[(i + 1)..<j])
            var token: Token?
            if j < chars.count {
                switch chars[j] {
                case "f" where digits.isEmpty: token = .stem
                case "e" where digits.isEmpty: token = .ext
                case "%" where digits.isEmpty: token = .percent
                case "d" where digits.isEmpty || digits.hasPrefix("0"):
                    token = .number(digits: min(Int(digits) ?? 0, 32))
                default: token = nil
                }
            }
            if let token {
                out += replace(token)
                i = j + 1
            } else {
                out.append(chars[i])
                i += 1
            }
        }
        return out
    }
}
