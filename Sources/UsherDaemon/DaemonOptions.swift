// What usherd was asked to run: unit directories, system or user mode, and
// the runtime directory for its notify socket.
import Foundation
import UnitFile
import UsherSys

public struct DaemonOptions: Sendable {
    public var unitDirectories: [String]
    public var userManager: Bool
    /// Where usherd keeps its sockets: /run/usher, or $XDG_RUNTIME_DIR/usher with --user.
    public var runtimeDirectory: String

    public init(unitDirectories: [String], userManager: Bool, runtimeDirectory: String? = nil) {
        self.userManager = userManager
        self.unitDirectories = unitDirectories.isEmpty ? UnitSearchPath.defaults(userManager: userManager)
            : unitDirectories
        self.runtimeDirectory = runtimeDirectory ?? DaemonOptions.defaultRuntimeDirectory(userManager: userManager)
    }

    /// /run/usher for root; otherwise (or with --user) $XDG_RUNTIME_DIR/usher,
    /// falling back to /tmp/usher-UID, so `make run` works without root.
    public static func defaultRuntimeDirectory(userManager: Bool) -> String {
        if !userManager && Users.effectiveUID == 0 { return "/run/usher" }
        if let runtime = ProcessInfo.processInfo.environment["XDG_RUNTIME_DIR"] { return runtime + "/usher" }
        return "/tmp/usher-\(Users.effectiveUID)"
    }

    /// %u, %h, %t and friends for the unit loader (UnitFile reads the host facts).
    func specifierContext() -> SpecifierContext { SpecifierContext.current(userManager: userManager) }
}
