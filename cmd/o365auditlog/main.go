// Command o365auditlog is the SOAR-engine plugin that searches the Microsoft 365 unified
// audit log. Run by an engine it speaks the protocol on stdin/stdout; run by hand it
// explains itself. See `o365auditlog help`.
package main

import (
	"context"
	"os"
)

// version is set at build time: -ldflags "-X main.version=…".
var version = "dev"

func main() {
	os.Exit(run(context.Background(), os.Args, os.Stdin, os.Stdout, os.Stderr))
}
