// Everything that can happen to usherd, as one enum. Every sd-event source
// delivers one of these, and Daemon.handle(_:) is the one place that reacts.
import UnitModel

public enum DaemonEvent: Sendable, Equatable {
    /// A listener of this Accept=no socket unit became readable.
    case listenerReadable(UnitName)
    /// SIGTERM, SIGINT, SIGHUP, SIGUSR2 or SIGCHLD arrived.
    case signal(Int32)
    /// The service's start or stop timeout passed.
    case serviceTimer(UnitName)
    /// The service's WatchdogSec= passed without WATCHDOG=1.
    case serviceWatchdog(UnitName)
    /// Type=forking: time to look at PIDFile= again.
    case pidFilePoll(UnitName)
    /// Type=dbus: the service's BusName= has an owner on the system bus.
    case busNameAppeared(UnitName)
    /// Type=dbus: the service's BusName= has no owner any more.
    case busNameVanished(UnitName)
    /// TriggerLimitCooldownSec= passed for a failed socket unit.
    case cooldownElapsed(UnitName)
    /// A service's stdout/stderr pipe has data or hit EOF.
    case outputReadable(OutputID)
    /// The sd_notify socket has datagrams.
    case notifyReadable
    /// The pidfd of a service's main process that is not usherd's child became readable: it exited.
    case alienMainExited(UnitName, pid: Int32)
    /// Listener number `index` of this Accept=yes socket unit became readable.
    case acceptReadable(UnitName, index: Int)
    /// The Accept=yes spawner finished one or more spawns.
    case spawnResults
    /// An Accept=yes listener paused after an accept error may be polled again.
    case acceptResume(UnitName)
    /// Accept=yes instances had their stop timeout at shutdown.
    case instancesStopTimeout
    /// TimeoutStopSec= passed for the leftovers of the instance whose main process was `pid`.
    case instanceLingerTimeout(pid: Int32)
    /// The SIGCHLD batching window of busy Accept=yes sockets closed.
    case reapBatchElapsed
    /// A STATUS= for usherd's manager was held back to keep to one a second.
    case managerStatusDue
    /// Half of usherd's own WATCHDOG_USEC passed: WATCHDOG=1 is due.
    case watchdogDue
    /// The control socket or one of its clients is ready, or a client's deadline passed.
    case control(ControlServerEvent)
    /// --watch: the inotify fd on the unit directories is readable.
    case unitFilesChanged
    /// --watch: the debounce timer after a change fired.
    case watchDebounceElapsed
    /// TimeoutSec= of a socket unit's running command elapsed.
    case socketCommandTimer(UnitName)
    /// A fd in a service's fd store hung up or failed (POLLHUP/POLLERR).
    case storedFDHungUp(UnitName, serial: UInt64)
    /// A re-exec waits for pending Accept=yes spawns: poll the spawner again.
    case reexecDue
}

/// Identifies one captured output pipe (a service may have had several runs).
public struct OutputID: Sendable, Hashable, CustomStringConvertible {
    public var serial: UInt64
    public var description: String { "output #\(serial)" }
}
