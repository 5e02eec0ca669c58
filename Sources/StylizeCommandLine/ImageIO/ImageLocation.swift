/// Where an image is read from or written to, in ImageMagick's notation:
/// `photo.jpg`, `png:photo.dat` (explicit format), `-` or `ppm:-` (standard input / output),
/// and, for reading only, built-in images such as `rose:` or `gradient:red-blue`.
struct ImageLocation: Equatable, CustomStringConvertible {
    /// The explicit format prefix, lower-cased (`png` of `png:out.dat`), if any.
    let format: String?
    /// The file path, `-` for a standard stream, or a built-in image's argument (may be empty).
    let path: String
    /// The text as the user wrote it.
    let spec: String

    init(_ spec: String) {
        self.spec = spec
        // ImageMagick's rule: `FORMAT:rest`, where FORMAT is a coder name of two or more
        // letters/digits (one letter would be a Windows drive; a `/` before the colon is a path).
        if let colon = spec.firstIndex(of: ":") {
            let head = spec[..<colon]
            if head.count >= 2, head.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) {
                format = head.lowercased()
                path = String(spec[spec.index(after: colon)...])
                return
            }
        }
        format = nil
        path = spec
    }

    var isStandardStream: Bool { path == "-" }
    var description: String { spec }

    /// The format to encode with: the prefix, else the file's extension; nil if neither says.
    var outputFormat: String? {
        if let format { return format }
        if isStandardStream { return nil }
        let name = path.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        let ext = name[name.index(after: dot)...]
        return ext.isEmpty ? nil : ext.lowercased()
    }

    /// The same location with `suffix` inserted before the file's extension:
    /// `out.png` + `.iter0100` → `out.iter0100.png`; `jpg:out` → `jpg:out.iter0100`.
    func inserting(_ suffix: String) -> ImageLocation {
        let slash = path.lastIndex(of: "/")
        let nameStart = slash.map { path.index(after: $0) } ?? path.startIndex
        var newPath = path + suffix
        if let dot = path[nameStart...].lastIndex(of: "."), dot != nameStart {
            newPath = String(path[..<dot]) + suffix + String(path[dot...])
        }
        return ImageLocation(format.map { "\($0):\(newPath)" } ?? newPath)
    }
}
