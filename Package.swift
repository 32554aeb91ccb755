// swift-tools-version:6.0
import PackageDescription

// Layers point one way: mcelog (executable) -> MCEDaemon -> MCEIO -> MachineCheck / CSystemd / CLinux.
let package = Package(
    name: "mcelog",
    products: [
        .executable(name: "mcelog", targets: ["mcelog"]),
        .library(name: "MachineCheck", targets: ["MachineCheck"]),
    ],
    targets: [
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd",
                       providers: [.apt(["libsystemd-dev"])]),
        // Linux headers missing from Glibc's Swift module (signalfd, statfs).
        .systemLibrary(name: "CLinux"),
        // The domain: struct mce, CPU identification, decoders, decoded result. No I/O.
        .target(name: "MachineCheck", linkerSettings: [.linkedLibrary("m")]),
        // Sources and sinks: files, devices, tracefs, text; thin typed wrappers over Glibc.
        .target(name: "MCEIO", dependencies: ["MachineCheck", "CSystemd", "CLinux"]),
        // The daemon's runtime: event loop, queue and sender, notify, signals, reload.
        // Error response I/O: triggers, page/CPU offlining, SMBIOS/EDAC/cache topology, state files.
        .target(name: "MCEResponse", dependencies: ["MachineCheck", "CLinux"]),
        .target(name: "MCEDaemon", dependencies: ["MachineCheck", "MCEIO", "MCEResponse", "CLinux"]),
        .executableTarget(name: "mcelog", dependencies: ["MachineCheck", "MCEIO", "MCEDaemon"]),
        // Benchmark helper: the plain sd_journal_sendv loop the daemon is compared with.
        .executableTarget(name: "mcelog-bench", dependencies: ["MachineCheck", "MCEIO"]),
        .testTarget(name: "MachineCheckTests", dependencies: ["MachineCheck"]),
        // What the test targets share: a real journald, helper processes.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "MCEIOTests", dependencies: ["MCEIO", "MachineCheck", "TestSupport"]),
        .testTarget(name: "MCEResponseTests", dependencies: ["MCEResponse", "MachineCheck", "TestSupport"]),
        .testTarget(name: "CommandLineTests", dependencies: ["MachineCheck", "MCEIO", "MCEDaemon", "mcelog", "TestSupport"]),
        .testTarget(name: "MCEDaemonTests", dependencies: ["MCEDaemon", "MCEIO", "MachineCheck", "mcelog", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
