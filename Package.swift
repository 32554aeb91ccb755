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
        .target(name: "MachineCheck", linkerSettings: [.linkedLibrary("m")]),
        // Sources and sinks: files, devices, tracefs, text; thin typed wrappers over Glibc.
        .target(name: "MCEIO", dependencies: ["MachineCheck", "CSystemd"]),
        .executableTarget(name: "mcelog", dependencies: ["MachineCheck", "MCEIO"]),
        .testTarget(name: "MachineCheckTests", dependencies: ["MachineCheck"]),
        .testTarget(name: "MCEIOTests", dependencies: ["MCEIO", "MachineCheck"]),
    ],
    swiftLanguageModes: [.v6]
)
