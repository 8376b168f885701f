// Type=notify, Accept=no, with the fd store, in Go (standard library only):
// every accepted connection goes to the manager with "FDSTORE=1\nFDNAME=conn",
// the fd attached as SCM_RIGHTS (activation.NotifyWithFds); after a restart or
// a crash the new process finds them after the listener (LISTEN_FDNAMES "conn")
// and keeps serving them. A finished connection is shut down, so the manager's
// copy hangs up and leaves its store. Answers each line with "go fdstore PID: LINE".
package main

import (
	"fmt"
	"log"
	"net"
	"syscall"

	"usher.example/examples/activation"
)

const storedName = "conn"

// withFd runs f on the connection's own descriptor (no dup, unlike File()).
func withFd(conn net.Conn, f func(fd int)) error {
	raw, err := conn.(syscall.Conn).SyscallConn()
	if err != nil {
		return err
	}
	return raw.Control(func(fd uintptr) { f(int(fd)) })
}

// serve answers every line; once the client is done, the socket is shut down
// for every holder of it, the manager's stored copy too.
func serve(conn net.Conn) {
	activation.AnswerLines(conn, "go fdstore")
	withFd(conn, func(fd int) { syscall.Shutdown(fd, syscall.SHUT_RDWR) })
	conn.Close()
}

// store hands the connection to the manager's fd store.
func store(conn net.Conn) error {
	var sent error
	err := withFd(conn, func(fd int) {
		sent = activation.NotifyWithFds("FDSTORE=1\nFDNAME="+storedName, []int{fd})
	})
	if err != nil {
		return err
	}
	return sent
}

func main() {
	var listener net.Listener
	kept := 0
	for _, file := range activation.Files() {
		if file.Name() == storedName {
			conn, err := net.FileConn(file)
			file.Close() // FileConn made its own copy
			if err != nil {
				log.Printf("fdstore-keeper: a stored connection: %v", err)
				continue
			}
			kept++
			go serve(conn)
		} else if listener == nil {
			var err error
			if listener, err = net.FileListener(file); err != nil {
				log.Fatal(err)
			}
			file.Close()
		}
	}
	if listener == nil {
		log.Fatal("fdstore-keeper: no listening socket passed (run me from a .socket unit)")
	}
	if err := activation.Notify(fmt.Sprintf("READY=1\nSTATUS=Serving %d kept connection(s)", kept)); err != nil {
		log.Printf("fdstore-keeper: READY=1: %v", err)
	}
	for {
		conn, err := listener.Accept()
		if err != nil {
			log.Fatal(err)
		}
		if err := store(conn); err != nil {
			log.Printf("fdstore-keeper: could not store a connection: %v", err)
		}
		go serve(conn)
	}
}
