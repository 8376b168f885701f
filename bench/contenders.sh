# contenders.sh (sourced by accept.sh and hardened.sh): how to check, start and stop each
# supervisor under test. Every contender listens on 127.0.0.1:PORT only and
# runs HANDLER with the connection on fd 0 and 1; contender_start sets SUP_PID
# to the supervisor process itself (never a wrapper shell), for /proc sampling.

USHERD=$(realpath -m "${USHERD:-$BENCH_DIR/../.build/release/usherd}")
# @UNITS@ becomes the generated unit directory, @RUN@ a private runtime
# directory (so that the run never touches /run/usher).
USHERD_ARGS=${USHERD_ARGS:-"--unit-dir @UNITS@ --runtime-dir @RUN@"}
MAX_CONNECTIONS=1024

find_socket_activate() {
    local candidate
    for candidate in "$(command -v systemd-socket-activate)" /usr/lib/systemd/systemd-socket-activate \
        /lib/systemd/systemd-socket-activate; do
        [ -n "$candidate" ] && [ -x "$candidate" ] && { echo "$candidate"; return 0; }
    done
    return 1
}

find_xinetd() {
    command -v xinetd || { [ -x /usr/sbin/xinetd ] && echo /usr/sbin/xinetd; }
}

# Prints why NAME cannot run here and fails, or succeeds silently.
contender_check() {
    case $1 in
    refloop | refloop-fork | refloop-thread | refloop-pool | refloop-session) [ -x "$BENCH_DIR/bin/refloop" ] || { echo "bin/refloop missing (make -C bench)"; return 1; } ;;
    tcpserver) command -v tcpserver >/dev/null || { echo "tcpserver not installed (Debian package ucspi-tcp)"; return 1; } ;;
    xinetd) find_xinetd >/dev/null || { echo "xinetd not installed (Debian package xinetd)"; return 1; } ;;
    socket-activate) find_socket_activate >/dev/null || { echo "systemd-socket-activate not found (ships with systemd)"; return 1; } ;;
    usherd | usherd-hardened) [ -x "$USHERD" ] || { echo "no usherd binary at $USHERD (build it with swift build -c release, or set USHERD=path)"; return 1; } ;;
    *) echo "unknown contender '$1'"; return 1 ;;
    esac
}

# xinetd: one unlisted service; instance, per-source and rate limits lifted,
# per-connection logging and libwrap (hosts.allow lookups) off.
write_xinetd_conf() {
    local port=$1 handler=$2 conf=$3 user_line=""
    [ "$(id -u)" = 0 ] && user_line="    user = root"
    cat >"$conf" <<CONF || return 1
defaults
{
}
service bench-$port
{
    type = UNLISTED
    socket_type = stream
    protocol = tcp
    wait = no
$user_line
    bind = 127.0.0.1
    port = $port
    server = $handler
    instances = UNLIMITED
    per_source = UNLIMITED
    cps = 1000000 1
    flags = NOLIBWRAP
    log_on_success =
    log_on_failure =
}
CONF
}

# usherd: the systemd units a user would write for the same inetd service,
# NAME.socket and NAME@.service in DIR (NAME: bench unless given); SETTINGS,
# lines of Key=value, are added to the service's [Service] section.
write_usherd_units() {
    local port=$1 handler=$2 dir=$3 name=${4:-bench} settings=${5:-}
    mkdir -p "$dir" || return 1
    cat >"$dir/$name.socket" <<UNIT || return 1
[Socket]
ListenStream=127.0.0.1:$port
Accept=yes
MaxConnections=$MAX_CONNECTIONS
TriggerLimitIntervalSec=0
TriggerLimitBurst=0
UNIT
    cat >"$dir/$name@.service" <<UNIT || return 1
[Service]
StandardInput=socket
ExecStart=$handler
UNIT
    [ -z "$settings" ] || printf '%s\n' "$settings" >>"$dir/$name@.service"
}

# usherd_start UNITS RUN LOG: usherd in the background on the unit directory
# UNITS with RUN as its private runtime directory ($! is its PID).
usherd_start() {
    mkdir -p "$2"
    local args=${USHERD_ARGS//@UNITS@/$1}
    # shellcheck disable=SC2086 # USHERD_ARGS is a word list on purpose
    "$USHERD" ${args//@RUN@/$2} </dev/null >"$3" 2>&1 &
}

# usherd-hardened: the same units with these protections (a typical hardened
# Debian service's filesystem and namespace settings), to measure their spawn cost.
HARDENING=${HARDENING:-"ProtectSystem=strict ProtectHome=yes PrivateTmp=yes PrivateDevices=yes ProtectKernelTunables=yes ProtectKernelModules=yes ProtectKernelLogs=yes ProtectControlGroups=yes ProtectHostname=yes PrivateNetwork=yes"}

# contender_start NAME PORT HANDLER LOG WORKDIR: starts it in the background;
# returns 1 (SUP_PID untouched) when it cannot write the contender's configuration.
contender_start() {
    local name=$1 port=$2 handler=$3 log=$4 work=$5
    case $name in
    refloop) "$BENCH_DIR/bin/refloop" 127.0.0.1 "$port" "$handler" </dev/null >"$log" 2>&1 & ;;
    refloop-fork) "$BENCH_DIR/bin/refloop" -f 127.0.0.1 "$port" "$handler" </dev/null >"$log" 2>&1 & ;;
    refloop-thread) "$BENCH_DIR/bin/refloop" -t 127.0.0.1 "$port" "$handler" </dev/null >"$log" 2>&1 & ;;
    refloop-pool) "$BENCH_DIR/bin/refloop" -j "$(nproc)" 127.0.0.1 "$port" "$handler" </dev/null >"$log" 2>&1 & ;;
    refloop-session) "$BENCH_DIR/bin/refloop" -s 127.0.0.1 "$port" "$handler" </dev/null >"$log" 2>&1 & ;;
    tcpserver)
        # -H -R -l 0: no DNS or ident lookups; -c/-b: no concurrency or backlog cap in the way.
        tcpserver -q -H -R -l 0 -c "$MAX_CONNECTIONS" -b "$MAX_CONNECTIONS" 127.0.0.1 "$port" "$handler" \
            </dev/null >"$log" 2>&1 & ;;
    xinetd)
        write_xinetd_conf "$port" "$handler" "$work/xinetd.conf" || return 1
        "$(find_xinetd)" -dontfork -f "$work/xinetd.conf" -filelog "$log" </dev/null >>"$log" 2>&1 & ;;
    socket-activate)
        # Per-connection logging off, as for xinetd and tcpserver; its stock
        # level (info) writes 5 lines per connection: SOCKET_ACTIVATE_LOG_LEVEL=info.
        SYSTEMD_LOG_LEVEL=${SOCKET_ACTIVATE_LOG_LEVEL:-notice} "$(find_socket_activate)" --accept --inetd -l "127.0.0.1:$port" "$handler" </dev/null >"$log" 2>&1 & ;;
    usherd) write_usherd_units "$port" "$handler" "$work/units" || return 1
        usherd_start "$work/units" "$work/run" "$log" ;;
    usherd-hardened)
        # shellcheck disable=SC2086 # HARDENING is a word list on purpose
        write_usherd_units "$port" "$handler" "$work/units" bench "$(printf '%s\n' $HARDENING)" || return 1
        usherd_start "$work/units" "$work/run" "$log" ;;
    esac
    SUP_PID=$!
}

process_exited() {
    local state
    state=$(awk '{ sub(/.*\) /, ""); print substr($0, 1, 1) }' "/proc/$1/stat" 2>/dev/null)
    [ -z "$state" ] || [ "$state" = Z ]
}

# SIGTERM, up to 5 s of grace, then SIGKILL; always reaped.
contender_stop() {
    local pid=$1 tries=0
    kill -TERM "$pid" 2>/dev/null
    while ! process_exited "$pid" && [ $tries -lt 50 ]; do
        sleep 0.1
        tries=$((tries + 1))
    done
    process_exited "$pid" || kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}
