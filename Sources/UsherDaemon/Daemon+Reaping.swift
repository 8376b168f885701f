// Reaping: every exited child (ours or an adopted orphan) is collected with
// waitid and dispatched to its owner: a service's main or control process
// (with whether it left processes behind), an Accept=yes instance, or nobody.
// Then the services and instances waiting for their leftovers are checked.
import Activation
import UnitModel
import UsherSys

extension Daemon {
    func reapChildren() {
        collectSpawnResults()
        let reaped = processes.reapExited()
        for child in reaped {
            switch units.disown(child.pid) {
            case .service(let owner)?:
                deliver(.childExited(pid: child.pid, status: child.exitStatus, leftovers: hasLeftovers(owner)), toService: owner)
            case .instance(let instance)?:
                instanceExited(instance, child)
            case .socket(let owner)?:
                runSocketCommands(owner) { $0.exited(pid: child.pid, status: child.exitStatus) }
            case nil:
                if !claimEarlyInstanceExit(child) { logger.debug("Reaped orphan process \(child.pid).") }
            }
        }
        checkLingeringProcesses(afterReaping: !reaped.isEmpty)
    }
}

extension ReapedChild {
    /// How the child ended, as the machines and status report it.
    var exitStatus: ExitStatus {
        coreDumped ? .dumped(signal: status) : killedBySignal ? .killed(signal: status) : .exited(status)
    }
}
