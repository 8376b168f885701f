// An AF_UNIX datagram service in Go (ListenDatagram=/path, Accept=no): takes
// the bound socket at fd 3 and answers each datagram to its sender's address
// with "go dgram PID: TEXT" (the client binds an address of its own).
package main

import (
	"fmt"
	"log"
	"net"
	"os"
	"strings"

	"usher.example/examples/activation"
)

func main() {
	files := activation.Files()
	if len(files) == 0 {
		log.Fatal("dgram-unix: no socket passed (run me from a .socket unit)")
	}
	conn, err := net.FilePacketConn(files[0])
	if err != nil {
		log.Fatal(err)
	}
	buffer := make([]byte, 65536)
	for {
		n, sender, err := conn.ReadFrom(buffer)
		if err != nil {
			log.Fatal(err)
		}
		if sender == nil || sender.String() == "" {
			continue
		}
		text := strings.TrimRight(string(buffer[:n]), "\n")
		conn.WriteTo([]byte(fmt.Sprintf("go dgram %d: %s\n", os.Getpid(), text)), sender)
	}
}
