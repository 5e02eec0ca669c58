// swift-tools-version:6.0
// stylefilter: neural style transfer (Gatys et al.) as a Swift engine behind a C ABI.
// Data flow: host pixels → CStyleFilter / magick-delegate → StyleKernel → host pixels.
import PackageDescription

let package = Package(
    name: "stylefilter",
    products: [
        .executable(name: "stylize", targets: ["magick-delegate"]),
        .library(name: "StyleKernel", targets: ["StyleKernel"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // System libraries from Debian: libopenblas-dev and libmagickwand-dev.
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas"),
        .systemLibrary(name: "CMagickWand", path: "Sources/CMagickWand", pkgConfig: "MagickWand"),

        // The engine: tensors, ops, VGG, objective, optimisers, the stylize driver, model files.
        .target(name: "StyleKernel", dependencies: ["COpenBLAS"]),

        // The `stylize` command and ImageMagick delegate: image I/O through MagickWand.
        .executableTarget(
            name: "magick-delegate",
            dependencies: [
                "StyleKernel", "CMagickWand",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // Timings for `make bench` (bench/run.py); not part of the product.
        .executableTarget(name: "stylize-bench", dependencies: ["StyleKernel", "COpenBLAS"],
                         swiftSettings: [.swiftLanguageMode(.v5)]),

        .testTarget(name: "StyleKernelTests", dependencies: ["StyleKernel"]),
    ]
)
