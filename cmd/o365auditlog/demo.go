package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/o365auditlog/o365auditlog/emulator"
	"github.com/o365auditlog/o365auditlog/integration"
)

// demoLine is the search the demo runs, as an analyst would type it.
const demoLine = `!o365-auditlog-search start_date="3 days" result_size=10`

// demo runs a real search end to end: the emulator starts in this process, this same binary
// is started again as the plugin (trusting the emulator's CA through SSL_CERT_FILE, as a
// deployment trusts its roots), and the search goes through the engine protocol.
func (a *app) demo(ctx context.Context, args []string) int {
	if len(args) > 0 {
		fmt.Fprintf(a.stderr, "o365auditlog demo: takes no arguments\n")
		return exitUsage
	}
	if err := a.runDemo(ctx); err != nil {
		fmt.Fprintf(a.stderr, "o365auditlog demo: %v\n", err)
		return exitFailure
	}
	return exitOK
}

func (a *app) runDemo(ctx context.Context) error {
	began := time.Now()
	em, err := emulator.Start(emulator.Options{Records: 20000, Days: 7, Seed: 1})
	if err != nil {
		return err
	}
	defer em.Close()
	dir, err := os.MkdirTemp("", "o365auditlog-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := em.WriteStateDir(dir); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find this binary: %w", err)
	}
	name, wrArgs, err := integration.ParseWarRoom(demoLine)
	if err != nil {
		return err
	}
	ex := integration.Execution{Command: name, Params: em.Params(), Args: map[string]any{}, InvestigationID: "demo", Native: true}
	for k, v := range wrArgs {
		ex.Args[k] = v
	}

	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	plugin := exec.CommandContext(ctx, self)
	plugin.Env = append(os.Environ(), "SSL_CERT_FILE="+filepath.Join(dir, "ca.pem"))
	plugin.Stderr = a.stderr
	toPlugin, err := plugin.StdinPipe()
	if err != nil {
		return err
	}
	fromPlugin, err := plugin.StdoutPipe()
	if err != nil {
		return err
	}
	if err := plugin.Start(); err != nil {
		return fmt.Errorf("start the plugin: %w", err)
	}
	fmt.Fprintf(a.stdout, "Emulator: %s (%d records over 7 days; tenant %s)\n", em.URL(), em.Len(), em.Organization())
	fmt.Fprintf(a.stdout, "War Room: %s\n\n", demoLine)
	out, err := integration.NewHost(toPlugin, fromPlugin, nil).Execute(ctx, ex)
	toPlugin.Close()
	if waitErr := plugin.Wait(); err == nil && waitErr != nil {
		err = fmt.Errorf("plugin: %w", waitErr)
	}
	if err != nil {
		return err
	}
	if err := a.print(out, false); err != nil {
		return err
	}
	if out.Failed() {
		return fmt.Errorf("the search failed (see above)")
	}
	st := em.Stats()
	fmt.Fprintf(a.stdout, "\n%d InvokeCommand call(s), %d token request(s), %s end to end.\n",
		st.InvokeCalls, st.TokenCalls, time.Since(began).Round(time.Millisecond))
	return nil
}
