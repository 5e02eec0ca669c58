// swift-tools-version:6.0
// stylefilter: neural style transfer (Gatys et al.) as a Swift engine behind a C ABI.
// Data flow: host pixels → CStyleFilter / StylizeCommandLine (the `stylize` command) → StyleKernel → host pixels.
import PackageDescription

let package = Package(
    name: "stylefilter",
    products: [
        .executable(name: "stylize", targets: ["magick-delegate"]),
        .library(name: "StyleKernel", targets: ["StyleKernel"]),
        // For fuzz/Package.swift (the Swift fuzz harnesses, a package of their own), which can
        // depend only on products.
        .library(name: "StyleModelImport", targets: ["StyleModelImport"]),
        .library(name: "StylizeCommandLine", targets: ["StylizeCommandLine"]),
        // libstylefilter.so: the C ABI (Sources/CStyleFilter/include/stylefilter.h). Only the
        // header's sf_* symbols are exported (version script), SONAME libstylefilter.so.1, Swift
        // runtime linked statically so C hosts (ImageMagick, Python ctypes) need no toolchain.
        .library(name: "stylefilter", type: .dynamic, targets: ["CStyleFilter"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // System libraries from Debian: libopenblas-dev and libmagickwand-dev.
        // COpenBLAS is cblas.h only (Debian's multiarch include path): OpenBLAS is loaded at run
        // time by CBLASCore, not linked (see Sources/CBLASCore/blas_core.c).
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS"),
        .systemLibrary(name: "CMagickWand", path: "Sources/CMagickWand", pkgConfig: "MagickWand"),

        // The engine: tensors, ops, VGG, objective, optimisers, the stylize driver, model files.
        // The engine's files: CStyleFilterVersion (stylefilter_version.h, which the public header
        // includes) for the version and the size limits, one source for the engine and the ABI;
        // CSignalCleanup registers AtomicFile's temporary files.
        // OpenBLAS, loaded at run time, finds the engine's `xerbla_` (BLASErrors) only in the global
        // scope: an executable that links the engine exports it (a shared library, by its version
        // script).
        .target(name: "StyleKernel", dependencies: ["COpenBLAS", "CBLASCore", "CWinogradKernels", "CStyleFilterVersion",
                                                    "CSignalCleanup", "COpticalFlow"],
                linkerSettings: [.unsafeFlags(["-Xlinker", "--export-dynamic-symbol=xerbla_"])]),

        // `stylize model import`'s readers (ONNX, PyTorch's containers): a target of their own so that
        // only the command links them, not the engine and libstylefilter.so.
        .target(name: "StyleModelImport", dependencies: ["StyleKernel"]),

        // Loads OpenBLAS without its thread pool and forwards the engine's calls to it; switches
        // it to the AVX2/AVX-512 kernels on CPUs it does not recognise (C: it calls OpenBLAS's
        // own selection again, through the entry points it exports).
        .target(name: "CBLASCore"),

        // The Winograd convolution's compute kernels: a GEMM on operands packed once and the input and
        // output transforms, for AVX-512, AVX2 or any x86-64, chosen at run time (C: intrinsics and
        // per-function targets; see Sources/CWinogradKernels/dispatch.c).
        .target(name: "CWinogradKernels"),

        // Optical flow for frame sequences: OpenCV's DIS behind a C API (C++, every exception caught).
        // Compiled against Debian's libopencv-video-dev headers but not linked: OpenCV is loaded at the
        // first flow, after OpenBLAS (linked, its LAPACK would start OpenBLAS's thread pool in every
        // process; see Sources/COpticalFlow/dis_flow.cpp). -isystem: an absolute path, which
        // headerSearchPath does not take; system, so OpenCV's headers add no warnings.
        .target(name: "COpticalFlow", dependencies: ["CBLASCore"],
                cxxSettings: [.unsafeFlags(["-isystem", "/usr/include/opencv4"])]),

        // Temporary files removed on SIGINT/SIGTERM/SIGHUP by handlers the command installs (C, so
        // the handler does only async-signal-safe work).
        .target(name: "CSignalCleanup"),

        // The `stylize` command and ImageMagick delegate: its code (arguments, settings, image I/O
        // through MagickWand, outputs) is a library, so tests import it; the executable only
        // calls it (Sources/magick-delegate keeps the product brief's name).
        .target(
            name: "StylizeCommandLine",
            dependencies: [
                "StyleKernel", "StyleModelImport", "CMagickWand", "CSignalCleanup",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(name: "magick-delegate", dependencies: ["StylizeCommandLine"]),

        // The C ABI: the public header as a module (so Swift uses the C layouts) and the
        // @_cdecl implementation. Tests: Tests/CABI (C, run by `make c-tests`, mk/cabi.mk).
        .systemLibrary(name: "CStyleFilterABI", path: "Sources/CStyleFilterABI"),
        .systemLibrary(name: "CStyleFilterVersion", path: "Sources/CStyleFilterVersion"),
        .target(
            name: "CStyleFilter",
            dependencies: ["StyleKernel", "CStyleFilterABI"],
            exclude: ["include", "stylefilter.map", "stylefilter.pc.in"],
            linkerSettings: [
                .unsafeFlags([
                    "-static-stdlib",
                    "-Xlinker", "--version-script=\(Context.packageDirectory)/Sources/CStyleFilter/stylefilter.map",
                    "-Xlinker", "-soname=libstylefilter.so.1",
                    // Never unmapped by dlclose: the engine's worker threads (libdispatch's, linked in
                    // statically) outlive a call and wake up later; a host that unloads its plug-in
                    // after use — ImageMagick closes a -process module after every image — would
                    // have them run unmapped code and crash (found at 12 MP in bench-large).
                    "-Xlinker", "-z", "-Xlinker", "nodelete",
                ]),
            ]),

        // Timings for `make bench` (bench/run.py); not part of the product.
        .executableTarget(name: "stylize-bench", dependencies: ["StyleKernel", "COpenBLAS"],
                         swiftSettings: [.swiftLanguageMode(.v5)]),

        .testTarget(name: "StyleKernelTests", dependencies: ["StyleKernel", "CWinogradKernels"]),
        .testTarget(name: "StyleModelImportTests", dependencies: ["StyleModelImport", "StyleKernel"]),
        // Runs the built `stylize` binary (next to the test bundle) on images made with `convert`.
        // ArgumentParser for the manual page (ManPage.swift reads the command's definitions through it).
        .testTarget(
            name: "CommandTests",
            dependencies: [
                "StyleKernel", "StylizeCommandLine", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
    ]
)
