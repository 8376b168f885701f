#!/usr/bin/env python3
# Differential check of usherctl verify against real systemd-analyze verify:
# generates random units (value junk or lexer junk) with a seed, runs both on
# each, and prints every unit whose diagnostics differ. Needs systemd 252 and
# a built usherctl. Usage: fuzz/unitfile/differential.py [--lexer] SEED [COUNT]
import os, random, shutil, subprocess, sys, tempfile

SOCKET_KEYS = ["ListenStream", "ListenDatagram", "ListenSequentialPacket", "ListenFIFO", "ListenNetlink", "Backlog",
               "BindIPv6Only", "KeepAlive", "KeepAliveTimeSec", "ReceiveBuffer", "SocketMode", "Accept", "MaxConnections",
               "Service", "FileDescriptorName", "TriggerLimitBurst", "TimeoutSec", "IPTOS", "Priority", "Timestamping",
               "Symlinks", "BindToDevice", "DeferAcceptSec", "PipeSize", "Mark", "SocketUser", "Writable"]
SERVICE_KEYS = ["Type", "ExecStart", "ExecStartPre", "ExecStop", "Restart", "RestartSec", "TimeoutSec", "TimeoutStopSec",
                "KillMode", "KillSignal", "Environment", "EnvironmentFile", "UMask", "Nice", "StandardInput",
                "StandardOutput", "SuccessExitStatus", "Sockets", "NotifyAccess", "WatchdogSec", "LimitNOFILE", "LimitCPU",
                "RemainAfterExit", "PassEnvironment", "UnsetEnvironment", "SyslogIdentifier", "WorkingDirectory", "User"]
UNIT_KEYS = ["Description", "Requires", "After", "Wants", "Documentation", "ConditionPathExists", "StartLimitBurst",
             "StartLimitIntervalSec", "DefaultDependencies"]
VALUES = ["", "yes", "maybe", "0", "-1", "5", "65536", "0x10", "0999", "1.5", "2min 3s", "infinity", "5x", "1.5M", "-5K",
          "0600", "127.0.0.1:80", "[::1]:0", "8080", "/run/x.sock", "@abs", "relative", "foo.service", "a b c",
          "\"quoted value\"", "A=1 B", "1BAD=x", "SIGTERM", "TERM", "SIGBOGUS", "mixed", "notify", "oneshot", "always",
          "socket", "file:/x", "file:rel", "1024:4096", "10:5", "-/bin/true", "@/bin/true", "/bin/echo %n %i",
          "/bin/echo %z", "%t/x.sock", "low-delay", "ipv6-only", "kobject-uevent 1", "lo", "inva/lid", "a:b",
          "man:x(1)", "|!/x", "DATAERR", "~", "-/srv", "/bin/true ; /bin/false", "./x", "2min 3s"]
LEXER_PIECES = ["[Service]", "[Unit]", "[Bogus]", "[X-Mine]", "[Service", "[]", " [Service] ", "ExecStart=/bin/true",
                "Description=a \\", "Description=b\\\\", "  # comment", "; semi", "#c\\", "NoEquals", "=value",
                "Type = notify ", "Nice=\\", "  5", "", "Environment=A=1\\", "  B=2", "X-Foo=1", "Foo=bar", "ExecStart="]
NOISE = ("is not executable", "has a bad unit file setting", "Access denied", "not loaded, socket cannot",
         "Failed to create", "which does not match strict", "Special user nobody", "failed to load properly")


def generate(rng, lexer, index):
    if lexer:
        lines = ["[Service]"] + [rng.choice(LEXER_PIECES) for _ in range(rng.randint(1, 12))]
        return "v%d.service" % index, "\n".join(lines) + "\n"
    socket = rng.random() < 0.5
    lines = ["[Unit]"] + ["%s=%s" % (rng.choice(UNIT_KEYS), rng.choice(VALUES)) for _ in range(rng.randint(0, 3))]
    keys, section = (SOCKET_KEYS, "Socket") if socket else (SERVICE_KEYS, "Service")
    lines += ["[%s]" % section] + ["%s=%s" % (rng.choice(keys), rng.choice(VALUES)) for _ in range(rng.randint(1, 8))]
    return ("s%d.socket" if socket else "v%d.service") % index, "\n".join(lines) + "\n"


def main():
    args = [a for a in sys.argv[1:] if a != "--lexer"]
    lexer = "--lexer" in sys.argv
    rng = random.Random(int(args[0]) if args else 1)
    count = int(args[1]) if len(args) > 1 else 50
    usherctl = os.environ.get("USHERCTL", os.path.join(os.path.dirname(__file__), "../../.build/debug/usherctl"))
    work = tempfile.mkdtemp(prefix="usher-differential-")
    failures = 0
    try:
        for index in range(count):
            name, text = generate(rng, lexer, index)
            for entry in os.listdir(work):
                os.remove(os.path.join(work, entry))
            with open(os.path.join(work, name), "w") as f:
                f.write(text)
            if name.endswith(".socket"):
                with open(os.path.join(work, name.replace(".socket", ".service")), "w") as f:
                    f.write("[Service]\nExecStart=/bin/true\n")
            env = dict(os.environ, SYSTEMD_LOG_COLOR="0")
            real = subprocess.run(["systemd-analyze", "verify", "--man=no", "./" + name], cwd=work,
                                  capture_output=True, text=True, env=env)
            expected = [l.replace(work + "/", "") for l in (real.stdout + real.stderr).splitlines()
                        if not any(n in l for n in NOISE)]
            ours = subprocess.run([usherctl, "verify", "--unit-dir", work, name], capture_output=True, text=True)
            actual = [l for l in ours.stderr.splitlines()
                      if "Unsupported by usherd" not in l and "not loaded, socket cannot" not in l]
            if expected != actual:
                failures += 1
                print("=== %s\n%s--- systemd\n%s\n--- usherctl\n%s" % (name, text, "\n".join(expected), "\n".join(actual)))
    finally:
        shutil.rmtree(work)
    print("differential: %d of %d units differ" % (failures, count))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
