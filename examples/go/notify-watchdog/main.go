// Type=notify with the watchdog in Go: READY=1 once the listener is ours,
// then WATCHDOG=1 every WATCHDOG_USEC/2. Answers each line with
// "go notify PID: LINE".
package main

import (
	"log"
	"net"
	"time"

	"usher.example/examples/activation"
)

func main() {
	files := activation.Files()
	if len(files) == 0 {
		log.Fatal("notify-watchdog: no socket passed (run me from a .socket unit)")
	}
	listener, err := net.FileListener(files[0])
	if err != nil {
		log.Fatal(err)
	}
	if interval := activation.WatchdogInterval(); interval > 0 {
		go func() {
			for range time.Tick(interval) {
				activation.Notify("WATCHDOG=1")
			}
		}()
	}
	if err := activation.Notify("READY=1"); err != nil {
		log.Printf("notify-watchdog: READY=1: %v", err)
	}
	log.Fatal(activation.ServeLines(listener, "go notify"))
}
