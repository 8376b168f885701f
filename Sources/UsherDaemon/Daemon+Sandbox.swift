// The host side of sandboxing in the daemon: the helper files under the
// runtime directory (root only), and per service run the PrivateTmp=
// directories, $CREDENTIALS_DIRECTORY and the PrivateNetwork= namespace,
// made before the run's first process and removed when it is inactive again.
import Activation
import Launch
import UnitModel
import UsherSys

extension Daemon {
    /// Namespaces need root; a non-root usherd leaves `context.sandbox` nil and reports their keys.
    func prepareSandboxBase(in runtimeDirectory: String) {
        context.runtimeDirectory = runtimeDirectory
        guard Users.effectiveUID == 0 else { return }
        do {
            context.sandbox = try SandboxDirectories.prepareBase(runtimeDirectory: runtimeDirectory)
            context.deviceNodes = SandboxDirectories.deviceNodes()
        } catch {
            context.sandboxUnavailable = "\(error)"
            logger.error("Cannot prepare sandboxing in \(runtimeDirectory): \(error); services that ask for namespaces will fail to start.")
        }
    }

    /// This run's private directories, made on first use; nil when the unit needs none.
    func runSandbox(_ name: UnitName) throws -> SandboxPaths? {
        guard let runtime = units.services[name] else { return nil }
        if let made = runtime.sandbox { return made }
        let fs = runtime.unit.exec.filesystem
        let privateTmp = fs.privateTmp && context.sandbox != nil
        let privateNetwork = fs.privateNetwork && context.sandbox != nil
        guard privateTmp || privateNetwork || !fs.credentials.isEmpty, let directory = context.runtimeDirectory else {
            return nil
        }
        let unit = runtime.unit
        // The run's DynamicUser= uid (the same one its processes get: acquiring is per service).
        let dynamic = try ServiceLauncher.acquireDynamicUser(unit, owner: name.full, context: context)
        let owner = try ServiceLauncher.resolveCredentials(unit.exec, privileged: false, dynamic: dynamic)?.spawn
        let made = try SandboxDirectories.prepareRun(unit, privateTmp: privateTmp, privateNetwork: privateNetwork,
                                                     base: context.sandbox, runtimeDirectory: directory, owner: owner)
        units.services[name]?.sandbox = made
        return made
    }

    /// Removes the run's private tmp and credentials directories and lets its network namespace go
    /// (the service is inactive).
    func releaseRunSandbox(_ name: UnitName) {
        guard let made = units.services[name]?.sandbox else { return }
        SandboxDirectories.removeRun(made)
        units.services[name]?.sandbox = nil
    }
}
