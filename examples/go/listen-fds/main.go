// Accept=no in Go: takes the listener usherd bound at fd 3 (LISTEN_FDS,
// LISTEN_PID, LISTEN_FDNAMES, see package activation) and answers each line
// with "go listen PID: LINE".
package main

import (
	"log"
	"net"

	"usher.example/examples/activation"
)

func main() {
	files := activation.Files()
	if len(files) == 0 {
		log.Fatal("listen-fds: no socket passed (run me from a .socket unit)")
	}
	log.Printf("listen-fds: %d fd(s), the first named %s", len(files), files[0].Name())
	listener, err := net.FileListener(files[0])
	if err != nil {
		log.Fatal(err)
	}
	log.Fatal(activation.ServeLines(listener, "go listen"))
}
