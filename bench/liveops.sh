#!/bin/bash
# Live operations under traffic: a bounded client loop (CLIENTS threads,
# CONNECTIONS connections in all per phase, alternating between an Accept=no
# service and an Accept=yes handler) runs through (a) a reload that adds,
# removes and changes units, (b) a re-exec, (c) with a fake manager's fd store,
# a SIGKILL of usherd and a fresh start. Counts answered, refused, reset and
# lost connections per phase, then times a reload of 1,000 units.
# Usage: bench/liveops.sh [BUILD_DIR]  (default .build/release, else .build/debug)
# Needs python3. Everything lives in a temp dir; processes are stopped by PID.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-.build/release}
[ -x "$BUILD/usherd" ] || BUILD=.build/debug
for tool in usherd usherctl usher-probe; do
    [ -x "$BUILD/$tool" ] || { echo "liveops: $BUILD/$tool missing; run swift build first" >&2; exit 1; }
done
export CLIENTS=${CLIENTS:-4} CONNECTIONS=${CONNECTIONS:-3000} BUILD=$(cd "$BUILD" && pwd)
WORK=$(mktemp -d /tmp/usher-liveops.XXXXXX)
export WORK
[ -n "${LIVEOPS_KEEP:-}" ] || trap 'rm -rf "$WORK"' EXIT
python3 - <<'PY'
import array, os, signal, socket, subprocess, sys, threading, time

B, W = os.environ["BUILD"], os.environ["WORK"]
CLIENTS, CONNECTIONS = int(os.environ["CLIENTS"]), int(os.environ["CONNECTIONS"])
UNITS, RT = W + "/units", W + "/rt"
os.makedirs(UNITS)

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def write(name, text):
    with open(f"{UNITS}/{name}", "w") as f:
        f.write(text)

def usherctl(*args):
    env = dict(os.environ, USHER_CONTROL_SOCKET=RT + "/control")
    started = time.monotonic()
    run = subprocess.run([B + "/usherctl", *args], env=env, capture_output=True, text=True, timeout=60)
    return run, time.monotonic() - started

YES, NO = free_port(), free_port()
write("yes.socket", f"[Socket]\nListenStream=127.0.0.1:{YES}\nAccept=yes\nMaxConnections=1000\nTriggerLimitIntervalSec=0\n")
write("yes@.service", "[Service]\nStandardInput=socket\nExecStart=/bin/cat\n")
write("no.socket", f"[Socket]\nListenStream=127.0.0.1:{NO}\n")
write("no.service", f"[Service]\nExecStart={B}/usher-probe --dir {W} --label no --wait-ms 600000\n")
write("gone.socket", f"[Socket]\nListenStream=127.0.0.1:{free_port()}\nAccept=yes\n")
write("gone@.service", "[Service]\nStandardInput=socket\nExecStart=/bin/cat\n")

def exchange(port, counts, lock):
    outcome = "lost"
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        try:
            s.sendall(b"ping\n")
            outcome = "answered" if s.recv(1) else "reset"
        except ConnectionResetError:
            outcome = "reset"
        except socket.timeout:
            outcome = "lost"
        finally:
            s.close()
    except ConnectionRefusedError:
        outcome = "refused"
    except (ConnectionResetError, socket.timeout, OSError):
        outcome = "reset"
    with lock:
        counts[outcome] += 1

def phase(name, action):
    counts = dict(answered=0, refused=0, reset=0, lost=0)
    lock = threading.Lock()
    per = CONNECTIONS // CLIENTS
    def client(k):
        for i in range(per):
            exchange((YES, NO)[(k + i) % 2], counts, lock)
    threads = [threading.Thread(target=client, args=(k,)) for k in range(CLIENTS)]
    started = time.monotonic()
    for t in threads: t.start()
    while sum(counts.values()) < per * CLIENTS // 4: time.sleep(0.01)
    took = action()
    for t in threads: t.join()
    total = time.monotonic() - started
    print(f"{name:<34} {counts['answered']:>6} {counts['refused']:>7} {counts['reset']:>5} {counts['lost']:>4}  "
          f"{took * 1000:7.1f} ms  ({per * CLIENTS / total:.0f} conn/s)")
    return counts

def start_usherd(env=None, fds=(), names=()):
    log = open(W + "/usherd.log", "a")
    env = dict(os.environ, **(env or {}))
    for key in [k for k in env if k.startswith("LISTEN_")]: del env[key]
    args = [B + "/usherd", "--unit-dir", UNITS, "--runtime-dir", RT]
    if fds:
        env.update(LISTEN_FDS=str(len(fds)), LISTEN_FDNAMES=":".join(names))
        # bash (dash takes one-digit fds only) puts the fds at 3… and sets LISTEN_PID to the pid usherd will have.
        moves = " ".join(f"{3 + i}<&{fd}" for i, fd in enumerate(fds))
        args = ["/bin/bash", "-c", f'LISTEN_PID=$$ exec "$@" {moves}', "bash", *args]
    process = subprocess.Popen(args, env=env, stdout=log, stderr=log, pass_fds=list(fds))
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if "socket unit(s);" in open(W + "/usherd.log").read().split("--- start")[-1]: return process
        time.sleep(0.02)
    raise SystemExit("liveops: usherd did not start")

def mark(text):
    with open(W + "/usherd.log", "a") as f: f.write(f"--- start {text}\n")

def timed(f):
    def run():
        started = time.monotonic()
        f()
        return time.monotonic() - started
    return run

# A fake manager: NOTIFY_SOCKET that keeps what usherd puts in its fd store.
notify_path = W + "/manager-notify"
manager = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
manager.bind(notify_path)
manager.setblocking(False)
stored = {}
def drain_manager():
    while True:
        try:
            msg, anc, _, _ = manager.recvmsg(4096, socket.CMSG_SPACE(64 * 4))
        except BlockingIOError:
            return
        fds = array.array("i")
        for level, kind, data in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.frombytes(data[:len(data) - len(data) % fds.itemsize])
        text = msg.decode()
        if text.startswith("FDSTOREREMOVE=1"):
            for fd in stored.pop(text.split("FDNAME=")[1].strip(), []): os.close(fd)
        elif text.startswith("FDSTORE=1"):
            name = text.split("FDNAME=")[1].strip()
            stored.setdefault(name, []).extend(fds)
        else:
            for fd in fds: os.close(fd)

# Read the manager socket all along, as systemd does: a full queue would block usherd's sd_notify.
store_lock = threading.Lock()
def keep_draining():
    while True:
        with store_lock: drain_manager()
        time.sleep(0.05)
threading.Thread(target=keep_draining, daemon=True).start()

mark("first")
usherd = start_usherd({"NOTIFY_SOCKET": notify_path, "FDSTORE": "16"})
socket.create_connection(("127.0.0.1", NO), timeout=5).close()
print(f"{'phase':<34} {'answered':>6} {'refused':>7} {'reset':>5} {'lost':>4}  {'action':>10}")

def reload():
    write("added.socket", f"[Socket]\nListenStream=127.0.0.1:{free_port()}\nAccept=yes\n")
    write("added@.service", "[Service]\nStandardInput=socket\nExecStart=/bin/cat\n")
    os.remove(f"{UNITS}/gone.socket")
    write("yes@.service", "[Service]\nStandardInput=socket\nExecStart=/bin/cat -u\n")
    run, _ = usherctl("daemon-reload")
    assert run.returncode == 0, run.stdout + run.stderr
results = {"reload": phase("(a) reload: add, remove, change", timed(reload))}

def reexec():
    run, _ = usherctl("daemon-reexec")
    assert run.returncode == 0, run.stdout + run.stderr
results["reexec"] = phase("(b) re-exec", timed(reexec))

def kill_and_restart():
    global usherd
    with store_lock:
        drain_manager()
        usherd.send_signal(signal.SIGKILL)
        usherd.wait()
    with store_lock:
        names = sorted(stored)
        fds = [fd for name in names for fd in stored[name]]
        fdnames = [name for name in names for _ in stored[name]]
    mark("after SIGKILL")
    usherd = start_usherd({"NOTIFY_SOCKET": notify_path, "FDSTORE": "16"}, fds, fdnames)
results["restart"] = phase("(c) SIGKILL + fresh start (fd store)", timed(kill_and_restart))

# Reload time for 1,000 units: 500 AF_UNIX sockets and their 500 services.
for i in range(500):
    write(f"bulk{i}.socket", f"[Socket]\nListenStream={W}/bulk{i}.sock\n")
    write(f"bulk{i}.service", "[Service]\nExecStart=/bin/true\n")
run, added = usherctl("daemon-reload")
run, unchanged = usherctl("daemon-reload")
write("bulk7.socket", f"[Socket]\nListenStream={W}/bulk7.sock\nBacklog=64\n")
run, one = usherctl("daemon-reload")
print(f"reload adding 1,000 units: {added * 1000:.0f} ms; 1,000 units unchanged: {unchanged * 1000:.0f} ms; "
      f"one of 1,000 changed: {one * 1000:.0f} ms (usherctl wall time)")

usherd.send_signal(signal.SIGTERM)
try:
    usherd.wait(timeout=30)
except subprocess.TimeoutExpired:
    usherd.send_signal(signal.SIGKILL)
    usherd.wait()
# Orphans the SIGKILL left (instances, the Accept=no service): stopped by PID.
for line in subprocess.run(["ps", "-eo", "pid=,args="], capture_output=True, text=True).stdout.splitlines():
    pid, _, args = line.strip().partition(" ")
    if W in args: os.kill(int(pid), signal.SIGKILL)
bad = results["reload"]["refused"] + results["reload"]["lost"] + results["reexec"]["refused"] + results["reexec"]["lost"]
print("targets: zero refused and zero lost for (a) and (b):", "met" if bad == 0 else "MISSED",
      "; zero refused for (c):", "met" if results["restart"]["refused"] == 0 else "MISSED")
PY
