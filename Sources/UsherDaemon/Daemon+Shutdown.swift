// Stopping usherd on SIGTERM/SIGINT: listeners stop triggering, pending
// restarts are cancelled, services stop one at a time in reverse start order
// (ExecStop=, KillSignal=, SIGKILL after TimeoutStopSec=, ExecStopPost=), then
// listeners close (RemoveOnStop= unlinks), every remaining child is killed and
// reaped, except what services with KillMode=process or none left (their
// sessions' processes keep running, as under systemd), the control socket
// (open until then, for status) closes, and the loop exits 0.
import Activation
import UnitModel
import UsherSys

extension Daemon {
    func beginShutdown(signal: Int32) {
        guard !shuttingDown else {
            logger.notice("Received SIG\(ExitStatus.signalName(signal)) while stopping; still stopping.")
            return
        }
        shuttingDown = true
        tellManager("STOPPING=1")
        logger.notice("Received SIG\(ExitStatus.signalName(signal)), stopping.")
        dropPendingReexec()
        for runtime in units.sockets.values { runtime.sources.forEach { $0.setEnabled(false) } }
        beginStoppingInstances()
        // No Restart= fires while the others stop.
        for (name, runtime) in units.services where runtime.machine.state == .autoRestart {
            deliver(.stopRequested, toService: name)
        }
        stopNextService()
    }

    /// Stops the most recently started active service; the next one follows
    /// when it has become inactive (serviceBecameInactive calls back here).
    func stopNextService() {
        while let name = startOrder.popLast() {
            guard let runtime = units.services[name], runtime.machine.isActive else { continue }
            log(Note(.info, "Stopping."), unit: name)
            deliver(.stopRequested, toService: name)
            if units.services[name]?.machine.isActive == true {
                startOrder.append(name)
                return
            }
        }
        finishShutdown()
    }

    func finishShutdown() {
        guard startOrder.isEmpty, instancesStopped() else { return }
        stopAcceptSockets()
        for name in units.sockets.keys.sorted() { deliver(.stop, to: name) }
        exitOnceSocketCommandsEnd()
    }

    /// The last step, once the sockets' ExecStopPre=/ExecStopPost= have run to their end
    /// (Daemon+SocketCommands calls again when the last one ends).
    func exitOnceSocketCommandsEnd() {
        guard accept.finished, !socketCommandsRunning else { return }
        let spared = sparedSessions
        let leftovers = processes.killAndReapAllChildren(timeoutMicroseconds: 5_000_000) { pid in
            guard !spared.isEmpty, let ids = ProcessIDs.read(pid) else { return false }
            return spared.contains(ids.session) || spared.contains(ids.group)
        }
        if !spared.isEmpty { logger.notice("Leaving the processes of KillMode=process/none services running.") }
        if leftovers > 0 { logger.warning("\(leftovers) process(es) could not be reaped before exit.") }
        notify?.remove()
        control?.close()
        control = nil
        output.reportAllSuppressed()
        logger.notice("Stopped.")
        loop.exit(code: 0)
    }
}
