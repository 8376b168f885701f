// swift-tools-version:5.10
// Usher: a socket-activation supervisor that reads systemd unit files.
// Module map: CSpawn (fork→exec only), CSystemd (libsystemd), CSeccomp
// (libseccomp, to compile system call filters in the parent), UsherSys (the
// one thin syscall layer), UnitModel (typed units), UnitFile (parser/loader),
// Binder, Activation (state machines), Launch (a unit into a spawn), ControlProtocol,
// UsherDaemon; UsherdMain and UsherctlMain (the two commands), run by the thin
// usherd and usherctl executables and by `usher`, the multi-call binary of both.
import PackageDescription

let package = Package(
    name: "Usher",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "usherd", targets: ["usherd"]),
        .executable(name: "usherctl", targets: ["usherctl"]),
        // Both in one binary, run by the name it is started under (the .deb installs this one).
        .executable(name: "usher", targets: ["usher"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        .target(name: "CSpawn"),
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        .systemLibrary(name: "CSeccomp", pkgConfig: "libseccomp", providers: [.apt(["libseccomp-dev"])]),
        .target(name: "CSysShims"),
        .target(name: "CUsherVersion"),
        .target(name: "UsherSys", dependencies: ["CSysShims"]),
        .target(name: "UnitModel"),
        .target(name: "UnitFile", dependencies: ["UnitModel", "UsherSys"]),
        .target(name: "Binder", dependencies: ["UnitModel", "UsherSys"]),
        .target(name: "Activation", dependencies: ["UnitModel"]),
        .target(name: "ControlProtocol"),
        .target(name: "Launch", dependencies: ["CSpawn", "CSystemd", "CSeccomp", "UsherSys", "UnitModel", "UnitFile", "Activation"]),
        .target(name: "UsherDaemon", dependencies: [
            "CSpawn", "CSystemd", "UsherSys", "UnitModel", "UnitFile", "Binder", "Activation", "ControlProtocol", "Launch",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "UsherdMain", dependencies: [
            "UsherDaemon", "Activation", "CUsherVersion",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "UsherctlMain", dependencies: [
            "UnitModel", "UnitFile", "Binder", "UsherSys", "ControlProtocol", "Activation", "CUsherVersion",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "usherd", dependencies: ["UsherdMain"]),
        .executableTarget(name: "usherctl", dependencies: ["UsherctlMain"]),
        .executableTarget(name: "usher", dependencies: ["UsherdMain", "UsherctlMain"]),
        .target(name: "CProbe"),
        .executableTarget(name: "usher-probe", dependencies: ["CSystemd", "CProbe", "UsherSys"]),
        .executableTarget(name: "unitload-bench", dependencies: ["UnitFile", "UnitModel", "UsherSys"], path: "bench/unitload", exclude: ["README.md"]),
        .testTarget(name: "UnitFileTests", dependencies: ["UnitFile", "UnitModel", "ControlProtocol"], exclude: ["Golden"]),
        .testTarget(name: "BinderTests", dependencies: ["Binder", "UnitFile", "UnitModel", "UsherSys"]),
        .testTarget(name: "ActivationTests", dependencies: ["Activation", "UnitModel"]),
        .testTarget(name: "DaemonTests", dependencies: [
            "UsherDaemon", "ControlProtocol", "UsherSys", "Launch", "Activation", "UnitModel",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "IntegrationTests", dependencies: ["UsherSys", "ControlProtocol"]),
    ]
)
