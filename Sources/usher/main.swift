// usher: the multi-call binary the Debian package installs once, as
// /usr/bin/usherd with /usr/bin/usherctl a symlink to it (one copy of the
// static Swift runtime instead of two). Runs the daemon or the CLI by the name
// it was started under, the last component of argv[0]; any other name exits 2.
import Glibc
import UsherctlMain
import UsherdMain

let invokedAs = CommandLine.arguments.first.map { $0.split(separator: "/").last.map(String.init) ?? $0 } ?? ""
switch invokedAs {
case "usherd":
    usherdMain()
case "usherctl":
    usherctlMain()
default:
    fputs("usher: started as '\(invokedAs)'; this binary runs as usherd (the daemon) or usherctl (the CLI): "
          + "start it through a link of one of those names\n", stderr)
    exit(2)
}
