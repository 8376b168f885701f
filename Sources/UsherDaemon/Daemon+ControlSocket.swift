// The daemon's side of the control socket: opening it once the runtime
// directory is locked, and passing its loop events to the ControlServer,
// whose complete, authorized calls go to answerControl (Daemon+Control).
import UsherSys

extension Daemon {
    /// Without a control socket usherd still serves its units; usherctl then cannot reach it.
    func openControlSocket(in runtimeDirectory: String, adopting inherited: OwnedFD? = nil) {
        let path = options.controlSocket(inRuntimeDirectory: runtimeDirectory)
        let authorization = ControlAuthorization(ownUID: Users.effectiveUID, adminGroupName: options.adminGroup,
                                                 adminGID: try? Users.groupID(options.adminGroup))
        if authorization.adminGID == nil {
            logger.debug("Admin group \(options.adminGroup) does not exist; it grants nothing.")
        }
        do {
            control = try ControlServer(path: path, adopting: inherited, authorization: authorization, loop: loop, logger: logger)
            logger.debug("Control socket \(path).")
        } catch {
            logger.warning("Cannot open the control socket, usherctl cannot reach this usherd: \(error)")
        }
    }

    func serveControl(_ event: ControlServerEvent) {
        for call in control?.handle(event) ?? [] {
            answerControl(call)
        }
    }
}
