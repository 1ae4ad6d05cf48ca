// Command openbao-server is the real OpenBao server, built from its Go module at a pinned
// version, so the Java tests can run a genuine store as a process (see DESIGN.md section 5).
// It adds nothing: it only calls OpenBao's own CLI entry point.
package main

import (
	"os"

	"github.com/openbao/openbao/command"
)

func main() {
	os.Exit(command.Run(os.Args[1:]))
}
