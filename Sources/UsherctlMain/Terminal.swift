// How output looks on this stdout: colours and the ● glyph only on a TTY and
// only when NO_COLOR is unset; otherwise systemctl's ASCII fallbacks ("*",
// "`-") and no escape sequences, so pipes and golden tests see plain text.

import FoundationEssentials
import Glibc
import UsherSys

struct Terminal {
    var colours: Bool
    var unicode: Bool

    static let plain = Terminal(colours: false, unicode: false)

    /// The style for stdout as this process sees it.
    static var current: Terminal {
        let tty = isatty(STDOUT_FILENO) == 1
        let noColor = ProcessInfo.processInfo.environment["NO_COLOR"].map { !$0.isEmpty } ?? false
        return Terminal(colours: tty && !noColor, unicode: tty)
    }

    var dot: String { unicode ? "●" : "*" }
    var treeLast: String { unicode ? "└─" : "`-" }
    var treeBranch: String { unicode ? "├─" : "|-" }
    var ellipsis: String { unicode ? "…" : "..." }

    /// The state dot coloured as systemctl colours it: green active, red failed, plain otherwise.
    func stateDot(_ activeState: String) -> String {
        switch activeState {
        case "active", "reloading": return green(dot)
        case "failed": return red(dot)
        default: return dot
        }
    }

    /// `text` highlighted as the Active: line's state: bold green active, bold red failed.
    func state(_ text: String, activeState: String) -> String {
        switch activeState {
        case "active", "reloading": return paint(text, "1;32")
        case "failed": return paint(text, "1;31")
        default: return text
        }
    }

    func green(_ text: String) -> String { paint(text, "32") }
    func red(_ text: String) -> String { paint(text, "31") }
    func bold(_ text: String) -> String { paint(text, "1") }

    private func paint(_ text: String, _ code: String) -> String {
        colours ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}

/// One line on stderr (usherctl links FoundationEssentials, which has no FileHandle).
func writeStderr(_ line: String) {
    try? BlockingIO.writeAll(2, Array((line + "\n").utf8))
}
