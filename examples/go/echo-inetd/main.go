// Accept=yes, inetd style, in Go: one process per connection, the connection
// is stdin and stdout (StandardInput=socket). Answers each line with
// "go inetd PID: LINE" until the client closes.
package main

import (
	"bufio"
	"fmt"
	"os"
)

func main() {
	lines := bufio.NewScanner(os.Stdin)
	for lines.Scan() {
		fmt.Printf("go inetd %d: %s\n", os.Getpid(), lines.Text())
	}
}
