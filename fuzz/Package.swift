// swift-tools-version:6.0
// The libFuzzer harnesses written in Swift: a package of their own over stylefilter (one folder
// up), an executable per harness (Sources/NAME) and what they share (Sources/FuzzSupport).
// mk/fuzz.mk builds them (`make fuzz-build`) with
//   swift build --package-path fuzz --scratch-path build/fuzz/swiftpm -c release \
//       --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address -Xswiftc -enable-testing
// See README.md for why each flag.
import PackageDescription

let stylefilter = "stylefilter"

let package = Package(
    name: "stylefilter-fuzz",
    dependencies: [
        .package(name: stylefilter, path: ".."),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
    ],
    targets: [
        .target(name: "FuzzSupport", dependencies: [.product(name: "StyleKernel", package: stylefilter)]),
        .executableTarget(
            name: "safetensors", dependencies: ["FuzzSupport", .product(name: "StyleKernel", package: stylefilter)]),
        .executableTarget(
            name: "onnx", dependencies: ["FuzzSupport", .product(name: "StyleModelImport", package: stylefilter)]),
        .executableTarget(
            name: "pth", dependencies: ["FuzzSupport", .product(name: "StyleModelImport", package: stylefilter)]),
        .executableTarget(
            name: "options",
            dependencies: [
                "FuzzSupport", .product(name: "StylizeCommandLine", package: stylefilter),
                .product(name: "ArgumentParser", package: "swift-argument-parser")
            ])
    ]
)
