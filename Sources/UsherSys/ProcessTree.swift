// What /proc says about processes, for deciding what belongs to whom without
// cgroups: a process's parent, group, session and state (/proc/PID/stat), the
// children of a process (/proc/PID/task/*/children), and the leftovers of a
// session: its members among usherd's adopted orphans, with their descendants.
import Glibc
import CSysShims

/// The ids of one process as /proc/PID/stat has them.
public struct ProcessIDs: Sendable, Equatable {
    public var pid: Int32
    public var parent: Int32
    public var group: Int32
    public var session: Int32
    /// The state letter: R, S, D, Z, T, …
    public var state: Character

    public var isZombie: Bool { state == "Z" || state == "X" }

    /// nil when the process is gone.
    public static func read(_ pid: Int32) -> ProcessIDs? {
        guard pid > 0, let text = try? readSmallFile("/proc/\(pid)/stat", limit: 1024),
              let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 4, let state = fields[0].first, let parent = Int32(fields[1]),
              let group = Int32(fields[2]), let session = Int32(fields[3]) else { return nil }
        return ProcessIDs(pid: pid, parent: parent, group: group, session: session, state: state)
    }
}

public enum ProcessTree {
    /// Alive and not a zombie.
    public static func isAlive(_ pid: Int32) -> Bool {
        ProcessIDs.read(pid).map { !$0.isZombie } ?? false
    }

    /// Whether `pid` descends from `ancestor` (following parents in /proc).
    public static func descends(_ pid: Int32, from ancestor: Int32) -> Bool {
        var current = pid
        for _ in 0..<256 {
            guard let ids = ProcessIDs.read(current), ids.parent > 0 else { return false }
            if ids.parent == ancestor { return true }
            current = ids.parent
        }
        return false
    }

    /// The children of `pid`, from every thread's children file (a child
    /// belongs to the thread that forked it, or that adopted it).
    public static func children(of pid: Int32) -> [Int32] {
        numericDirectoryEntries("/proc/\(pid)/task").flatMap { thread in
            childList("/proc/\(pid)/task/\(thread)/children")
        }
    }

    private static func childList(_ path: String) -> [Int32] {
        guard let text = try? readSmallFile(path) else { return [] }
        return pids(in: Array(text.utf8)[...])
    }

    /// The numbers in a children file's text ("12 34 ").
    static func pids(in bytes: ArraySlice<UInt8>) -> [Int32] {
        var result: [Int32] = []
        var value: Int32 = 0
        var inNumber = false
        for byte in bytes {
            if byte >= 48 && byte <= 57 {
                value = value &* 10 &+ Int32(byte - 48)
                inNumber = true
            } else if inNumber {
                result.append(value)
                value = 0
                inNumber = false
            }
        }
        if inNumber { result.append(value) }
        return result
    }

    /// `roots` and all their descendants, breadth first.
    public static func withDescendants(_ roots: [Int32]) -> [Int32] {
        var found = roots
        var index = 0
        while index < found.count && found.count < 65_536 {
            found += children(of: found[index])
            index += 1
        }
        return found
    }

    /// The children that the thread `pid` of process `pid` forked or adopted: for
    /// usherd, its Accept=no services and every orphan (a child subreaper adopts
    /// orphans into its main thread), not the Accept=yes instances its spawner threads fork.
    public static func childrenOfMainThread(_ pid: Int32) -> [Int32] {
        childList("/proc/\(pid)/task/\(pid)/children")
    }

    /// The members of the sessions (and process groups) `sessions` among
    /// `candidates` (usherd's adopted orphans), with all their descendants, but those
    /// still in one of those process groups: a signal to the group reaches them, and a
    /// second one of their own would run a handler twice. A process that left both the
    /// session and the group while its parent lived is not found.
    public static func leftovers(of sessions: Set<Int32>, among candidates: [Int32]) -> [Int32] {
        let members = candidates.filter { child in
            guard let ids = ProcessIDs.read(child), !ids.isZombie else { return false }
            return sessions.contains(ids.session) || sessions.contains(ids.group)
        }
        guard !members.isEmpty else { return [] }
        return withDescendants(members).filter { pid in
            guard let ids = ProcessIDs.read(pid) else { return false }
            return !sessions.contains(ids.group)
        }
    }

    /// Whether the process group `group` has any member left (kill(-group, 0)).
    public static func groupExists(_ group: Int32) -> Bool {
        group > 1 && (kill(-group, 0) == 0 || errno == EPERM)
    }
}
