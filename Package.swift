// swift-tools-version:6.0
import PackageDescription

// Layers point one way: mcelog (executable) -> MCEDaemon -> MCEIO -> MachineCheck / CSystemd.
let package = Package(
    name: "mcelog",
    products: [
        .executable(name: "mcelog", targets: ["mcelog"]),
        .library(name: "MachineCheck", targets: ["MachineCheck"]),
    ],
    targets: [
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd",
                       providers: [.apt(["libsystemd-dev"])]),
        // The domain: struct mce, CPU identification, decoders, decoded result. No I/O.
        .target(name: "MachineCheck"),
        .executableTarget(name: "mcelog", dependencies: ["MachineCheck"]),
        .testTarget(name: "MachineCheckTests", dependencies: ["MachineCheck"]),
    ],
    swiftLanguageModes: [.v6]
)
