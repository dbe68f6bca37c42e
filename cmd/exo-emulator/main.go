// Command exo-emulator serves the Exchange Online + Microsoft Graph + Entra ID emulator
// (DESIGN §6) until SIGTERM or SIGINT. It writes DIR/ca.pem, DIR/params.json,
// DIR/params-noroles.json and DIR/params-nograph.json (each with url, auth_url and graph_url),
// then prints "ready <url>" as its first line on stdout. Graph's knobs: -graph-delay,
// -graph-record-limit, -graph-create-interval; its faults: -fault graph-fail=RATE and
// -fault graph-throttle=RATE.
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
