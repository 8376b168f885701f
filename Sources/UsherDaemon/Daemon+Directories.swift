// RuntimeDirectory= when a service or an Accept=yes instance stops: removed
// with everything in it unless RuntimeDirectoryPreserve= keeps it (`yes`, or
// `restart` while an automatic restart is pending), as systemd's
// unit_destroy_runtime_data() does. Creation happens before each spawn
// (ServiceLauncher.createDirectories, InstanceLaunchTemplate.createDirectories).
import Launch
import Activation
import UnitModel
import UsherSys

extension Daemon {
    func removeRuntimeDirectories(of name: UnitName) {
        guard let runtime = units.services[name] else { return }
        removeRuntimeDirectories(runtime.unit.exec, restarting: runtime.machine.state == .autoRestart, unit: name)
    }

    /// An instance of the socket's template stopped. Instances built on the slow
    /// path (settings that depend on the instance) keep their directories.
    func removeInstanceRuntimeDirectories(socket: UnitName) {
        guard let exec = units.acceptSockets[socket]?.launch?.unit.exec else { return }
        removeRuntimeDirectories(exec, restarting: false, unit: socket)
    }

    private func removeRuntimeDirectories(_ exec: ExecContext, restarting: Bool, unit: UnitName) {
        guard ServiceDirectories.removesRuntime(exec, restarting: restarting) else { return }
        for path in ServiceDirectories.runtimePaths(exec, bases: context.directoryBases) {
            do {
                try ExecDirectoryNodes.removeTree(path)
            } catch {
                log(Note(.warning, "Failed to remove runtime directory \(path), ignoring: \(error)"), unit: unit)
            }
        }
    }
}
