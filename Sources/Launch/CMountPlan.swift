// A MountPlan in CSpawn's types: the steps as cspawn_mount_op with their C
// strings, owned by this object (one per spawn, or one per Accept=yes
// template shared by every connection). The child-writable memory (pinned
// fds, failed step) is per spawn: `withRequest` lends it for one cspawn call.
import CSpawn
import UsherSys

public final class CMountPlan: @unchecked Sendable {
    public let plan: MountPlan
    private let ops: UnsafeMutablePointer<cspawn_mount_op>
    private let strings: CStringArena
    private let inaccessibleDirectory: UnsafeMutablePointer<CChar>?
    private let inaccessibleFile: UnsafeMutablePointer<CChar>?
    /// Namespaces every spawn joins before its own steps (an Accept=yes template's, PreparedNamespaces).
    private let joined: PreparedNamespaces?

    public init(_ plan: MountPlan, joining joined: PreparedNamespaces? = nil) {
        self.plan = plan
        self.joined = joined
        ops = UnsafeMutablePointer<cspawn_mount_op>.allocate(capacity: max(1, plan.steps.count))
        let arena = CStringArena()
        func c(_ text: String?) -> UnsafeMutablePointer<CChar>? { text.map { arena.string($0) } }
        for (index, step) in plan.steps.enumerated() {
            var op = cspawn_mount_op()
            op.kind = step.kind.rawValue
            op.source = UnsafePointer(c(step.source))
            op.target = UnsafePointer(c(step.target))
            op.fstype = UnsafePointer(c(step.fstype))
            op.data = UnsafePointer(c(step.data))
            op.flags = step.flags
            op.mode = step.mode
            op.device = dev_t(step.device)
            op.uid = step.uid
            op.gid = step.gid
            op.optional = step.optional ? 1 : 0
            op.recursive = step.recursive ? 1 : 0
            op.pin_source = step.pinSource ? 1 : 0
            op.make_target = step.makeTarget ? 1 : 0
            (ops + index).initialize(to: op)
        }
        inaccessibleDirectory = c(plan.inaccessibleDirectory)
        inaccessibleFile = c(plan.inaccessibleFile)
        strings = arena
    }

    deinit {
        strings.free()
        ops.deallocate()
    }

    /// Runs `body` with a request for one spawn; `failedStep` is the index of the step that failed, if one did.
    public func withRequest<T>(_ body: (UnsafePointer<cspawn_mounts>?) -> T) -> (result: T, failedStep: Int?) {
        guard !plan.isEmpty || joined != nil else { return (body(nil), nil) }
        var pinned = [Int32](repeating: -1, count: max(1, plan.steps.count))
        var failed: Int32 = -1
        let result: T = pinned.withUnsafeMutableBufferPointer { pinnedList in
            withUnsafeMutablePointer(to: &failed) { failedPointer in
                var mounts = cspawn_mounts(unshare_flags: plan.unshareFlags, ops: UnsafePointer(ops),
                                           n_ops: Int32(plan.steps.count), pinned: pinnedList.baseAddress,
                                           inaccessible_dir: UnsafePointer(inaccessibleDirectory),
                                           inaccessible_file: UnsafePointer(inaccessibleFile),
                                           failed_op: failedPointer, join_mount_ns: joined?.mount?.raw ?? -1,
                                           join_net_ns: joined?.network?.raw ?? -1)
                return withUnsafePointer(to: &mounts) { body($0) }
            }
        }
        return (result, failed >= 0 ? Int(failed) : nil)
    }

    /// "mount tmpfs on /tmp", for the log line of a failed namespace step.
    public func describe(step index: Int) -> String {
        guard index < plan.steps.count else { return "step \(index)" }
        let step = plan.steps[index]
        return "\(step.kind) \(step.source.map { $0 + " → " } ?? "")\(step.target)"
    }
}

/// The mount and network namespaces of an Accept=yes template, built once (cspawn_prepare_namespaces)
/// and joined by every instance: creating and tearing down a namespace per connection costs
/// milliseconds of kernel time. Held open by these fds as long as the template lives.
public final class PreparedNamespaces: @unchecked Sendable {
    public let mount: OwnedFD?
    public let network: OwnedFD?

    /// Runs the plan's steps in a short-lived child; throws naming the failed step.
    public init(_ plan: CMountPlan) throws {
        var mountFD: Int32 = -1, networkFD: Int32 = -1, failure: Int32 = 0
        let run = plan.withRequest { pointer -> Int32 in
            guard let pointer else { return 0 }
            let stage = cspawn_prepare_namespaces(pointer, &mountFD, &networkFD)
            failure = lastErrno()
            return stage
        }
        guard run.result == 0 else {
            let step = run.failedStep.map { " (\(plan.describe(step: $0)))" } ?? ""
            throw LaunchError(description: "Failed to set up namespaces\(step): \(SystemError.describe(failure))")
        }
        mount = mountFD >= 0 ? OwnedFD(adopting: mountFD) : nil
        network = networkFD >= 0 ? OwnedFD(adopting: networkFD) : nil
    }

    /// A run's network namespace handed over by the image usherd re-executed from.
    public init(network: OwnedFD) {
        mount = nil
        self.network = network
    }
}
