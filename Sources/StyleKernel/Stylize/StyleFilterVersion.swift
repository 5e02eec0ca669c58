/// The product's version, shared by the `stylize` command (`--version`) and the C library
/// (`sf_version`, `sf_version_string`). Must equal SF_VERSION_* in stylefilter.h, which
/// Tests/CABI/abi_test.c checks against the loaded library.
public enum StyleFilterVersion {
    public static let major = 1
    public static let minor = 0
    public static let patch = 0
    public static var string: String { "\(major).\(minor).\(patch)" }
}
