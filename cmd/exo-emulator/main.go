// Command exo-emulator serves the Exchange Online + Entra ID emulator (DESIGN §6) until
// SIGTERM or SIGINT. It writes DIR/ca.pem, DIR/params.json and DIR/params-noroles.json, then
// prints "ready <url>" as its first line on stdout.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}
