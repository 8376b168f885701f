// systemctl's exit codes and messages for the daemon verbs: 0 ok, 1 failed,
// 3 inactive, 4 no such unit (status) or access denied (start/stop/restart,
// as systemctl's translate_bus_error_to_exit_status), 5 no such unit for
// those job verbs, 69 usherd unreachable. Also the one place that prints them.

import ArgumentParser
import ControlProtocol
import FoundationEssentials
import Glibc

enum ControlExit {
    static let failed = ExitCode(1)
    static let inactive = ExitCode(3)
    static let noSuchUnit = ExitCode(4)
    static let accessDenied = ExitCode(4)
    static let notInstalled = ExitCode(5)
    static let unreachable = ExitCode(69)

    /// Runs `body`; an unreachable or broken usherd becomes "usherctl: …" and exit 69.
    static func talking<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let failure as ClientFailure {
            writeStderr("usherctl: " + failure.message)
            throw unreachable
        }
    }

    /// A read verb's error: systemctl's "Unit X could not be found." and 4, else the message and 1.
    static func forRead(_ error: ControlError, unit: String?) -> ExitCode {
        if error.kind == .noSuchUnit {
            writeStderr(unit.map { "Unit \($0) could not be found." } ?? error.message)
            return noSuchUnit
        }
        writeStderr(error.message)
        return failed
    }

    /// A job verb's (start, stop, restart) error: "Failed to start X: …", 4 when denied, 5 when unknown.
    static func forJob(_ error: ControlError, verb: String, unit: String) -> ExitCode {
        writeStderr("Failed to \(verb) \(unit): \(error.message)")
        return jobExitCode(error)
    }

    static func jobExitCode(_ error: ControlError) -> ExitCode {
        switch error.kind {
        case .accessDenied: return accessDenied
        case .noSuchUnit: return notInstalled
        case .badRequest, .failed, .unsupported, .busy: return failed
        }
    }

    /// Any other mutating verb's error (kill, reset-failed, daemon-reload…): the message and 1.
    static func forCommand(_ error: ControlError, action: String) -> ExitCode {
        writeStderr("Failed to \(action): \(error.message)")
        return failed
    }
}
