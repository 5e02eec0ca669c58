internal import CStyleFilterVersion

/// The product's version, shared by the `stylize` command (`--version`) and the C library
/// (`sf_version`, `sf_version_string`). Its one source is SF_VERSION_* in stylefilter_version.h (imported
/// from the header, so it cannot drift); mk/cabi.mk reads the same macros for the file names.
public enum StyleFilterVersion {
    public static let major = Int(SF_VERSION_MAJOR)
    public static let minor = Int(SF_VERSION_MINOR)
    public static let patch = Int(SF_VERSION_PATCH)
    /// The C ABI's version (SF_ABI_VERSION, the SONAME's number).
    public static let abi = Int(SF_ABI_VERSION)
    public static var string: String { "\(major).\(minor).\(patch)" }
}
