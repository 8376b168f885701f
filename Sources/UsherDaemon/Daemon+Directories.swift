// RuntimeDirectory= when a service stops: removed with everything in it unless
// RuntimeDirectoryPreserve= keeps it (`yes`, or `restart` while an automatic
// restart is pending), as systemd's unit_destroy_runtime_data() does. Creation
// happens with each spawn (ServiceLauncher.createDirectories).
import Launch
import Activation
import UnitModel
import UsherSys

extension Daemon {
    func removeRuntimeDirectories(of name: UnitName) {
        guard let runtime = units.services[name] else { return }
        let exec = runtime.unit.exec
        let restarting = runtime.machine.state == .autoRestart
        guard ServiceDirectories.removesRuntime(exec, restarting: restarting) else { return }
        for path in ServiceDirectories.runtimePaths(exec, bases: context.directoryBases) {
            do {
                try ExecDirectoryNodes.removeTree(path)
            } catch {
                log(Note(.warning, "Failed to remove runtime directory \(path), ignoring: \(error)"), unit: name)
            }
        }
    }
}
