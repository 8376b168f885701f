// Package activation is what the Go examples share, standard library only:
// the listening fds as sd_listen_fds(3) describes them (LISTEN_PID must be
// ours, LISTEN_FDS counts fds from 3, LISTEN_FDNAMES names them), sd_notify
// datagrams, and the watchdog interval (WATCHDOG_USEC/2).
package activation

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
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
	address := os.Getenv("NOTIFY_SOCKET")
	if address == "" {
		return nil
	}
	if strings.HasPrefix(address, "@") {
		address = "\x00" + address[1:]
	}
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: address, Net: "unixgram"})
	if err != nil {
		return err
	}
	defer conn.Close()
	_, err = conn.Write([]byte(message))
	return err
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
			lines := bufio.NewScanner(conn)
			for lines.Scan() {
				fmt.Fprintf(conn, "%s %d: %s\n", prefix, os.Getpid(), lines.Text())
			}
		}(conn)
	}
}
