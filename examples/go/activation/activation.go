// Package activation is what the Go examples share, standard library only:
// the listening fds as sd_listen_fds(3) describes them (LISTEN_PID must be
// ours, LISTEN_FDS counts fds from 3, LISTEN_FDNAMES names them), sd_notify
// datagrams (with fds attached, for the fd store), and the watchdog interval
// (WATCHDOG_USEC/2).
package activation

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ListenFdsStart is SD_LISTEN_FDS_START.
const ListenFdsStart = 3

// Files returns the inherited fds with their names and unsets the variables.
func Files() []*os.File {
	defer func() {
		for _, name := range []string{"LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"} {
			os.Unsetenv(name)
		}
	}()
	if os.Getenv("LISTEN_PID") != strconv.Itoa(os.Getpid()) {
		return nil
	}
	count, err := strconv.Atoi(os.Getenv("LISTEN_FDS"))
	if err != nil || count < 1 {
		return nil
	}
	names := strings.Split(os.Getenv("LISTEN_FDNAMES"), ":")
	files := make([]*os.File, 0, count)
	for i := 0; i < count; i++ {
		name := "unknown"
		if i < len(names) {
			name = names[i]
		}
		files = append(files, os.NewFile(uintptr(ListenFdsStart+i), name))
	}
	return files
}

// Notify sends one message to $NOTIFY_SOCKET (a path, or @name: abstract).
func Notify(message string) error {
	return NotifyWithFds(message, nil)
}

// NotifyWithFds sends one message with fds attached as SCM_RIGHTS, as
// sd_pid_notify_with_fds(3) does for FDSTORE=1. It uses syscall, not net:
// net's UnixConn refuses WriteMsgUnix on a connected datagram socket.
func NotifyWithFds(message string, fds []int) error {
	address := os.Getenv("NOTIFY_SOCKET")
	if address == "" {
		return nil
	}
	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer syscall.Close(fd)
	var rights []byte
	if len(fds) > 0 {
		rights = syscall.UnixRights(fds...)
	}
	// SockaddrUnix turns a leading @ into the abstract namespace's NUL.
	return syscall.Sendmsg(fd, []byte(message), rights, &syscall.SockaddrUnix{Name: address}, syscall.MSG_NOSIGNAL)
}

// WatchdogInterval is half of WATCHDOG_USEC when the watchdog is meant for us, else 0.
func WatchdogInterval() time.Duration {
	usec, err := strconv.ParseInt(os.Getenv("WATCHDOG_USEC"), 10, 64)
	if err != nil || usec <= 0 {
		return 0
	}
	if pid := os.Getenv("WATCHDOG_PID"); pid != "" && pid != strconv.Itoa(os.Getpid()) {
		return 0
	}
	return time.Duration(usec) * time.Microsecond / 2
}

// ServeLines accepts connections and answers each line with "PREFIX PID: LINE".
func ServeLines(listener net.Listener, prefix string) error {
	for {
		conn, err := listener.Accept()
		if err != nil {
			return err
		}
		go func(conn net.Conn) {
			defer conn.Close()
			AnswerLines(conn, prefix)
		}(conn)
	}
}

// AnswerLines answers each line from conn with "PREFIX PID: LINE" until the
// client is done or a write fails.
func AnswerLines(conn net.Conn, prefix string) {
	lines := bufio.NewScanner(conn)
	for lines.Scan() {
		if _, err := fmt.Fprintf(conn, "%s %d: %s\n", prefix, os.Getpid(), lines.Text()); err != nil {
			return
		}
	}
}
