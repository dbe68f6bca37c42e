package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/o365auditlog/o365auditlog/emulator"
)

// exportFloorWindowRows is the records per window the export floor aims at: five calls of
// exportRowsPerCall, so that its equal-time windows stay below the 50,000-row session cap
// where the data is densest (the floor does not split windows as the plugin does).
const exportFloorWindowRows = 5 * exportRowsPerCall

// exportFloorMain is the export floor, run as a child process (-floor-export CFG OUT):
// one token, then every record of the window through ReturnLargeSet sessions over
// cfg.Windows equal-time windows (about exportFloorWindowRows records each) fetched by
// exportConcurrency workers, each page decoded
// with encoding/json, each row's AuditData unquoted and written as a JSON Lines line to
// OUT in arrival order through one large buffer. It does what the plugin's export must
// do at least, with none of its ordering, deduplication or canonicalisation.
func exportFloorMain(cfgFile, out string) error {
	cfg, err := readFloorConfig(cfgFile)
	if err != nil {
		return err
	}
	ctx := context.Background()
	client := freshClient(nil)
	cred, err := newCredential(cfg.PFX, cfg.Password, cfg.Organization, cfg.AppID, cfg.AuthURL, client)
	if err != nil {
		return err
	}
	tok, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{cfg.URL + "/.default"}})
	if err != nil {
		return err
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	target := cfg.URL + "/adminapi/beta/" + cfg.Organization + "/InvokeCommand"
	step := cfg.End.Sub(cfg.Start) / time.Duration(cfg.Windows)
	jobs := make(chan int)
	var mu sync.Mutex
	var firstErr error
	lines := 0
	var wg sync.WaitGroup
	for range exportConcurrency {
		wg.Go(func() {
			for i := range jobs {
				ws, we := cfg.Start.Add(step*time.Duration(i)).Truncate(time.Second), cfg.Start.Add(step*time.Duration(i+1)).Truncate(time.Second)
				if i == cfg.Windows-1 {
					we = cfg.End
				}
				recs, err := floorWindow(ctx, client, target, tok.Token, ws, we, cfg.Organization, exportRowsPerCall)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				for _, r := range recs {
					_, _ = w.Write(r) // a write error sticks: Flush reports it
					_ = w.WriteByte('\n')
				}
				lines += len(recs)
				mu.Unlock()
			}
		})
	}
	for i := range cfg.Windows {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Println(lines)
	return nil
}

// exportFloorOnce runs the export floor over every record of em as a child process and
// returns its stats and calls.
func exportFloorOnce(ctx context.Context, env pluginEnv, em *emulator.Emulator, n int) (exportRun, error) {
	cfgFile, err := writeExportFloorConfig(env, em, n)
	if err != nil {
		return exportRun{}, err
	}
	out := cfgFile + ".jsonl"
	defer os.Remove(out)
	calls := func() int { return em.Stats().InvokeCalls }
	before := calls()
	st, stdout, err := runSelfEnv(ctx, []string{"SSL_CERT_FILE=" + env.caFile}, "-floor-export", cfgFile, out)
	if err != nil {
		return exportRun{}, err
	}
	r := exportRun{procStats: st, Calls: calls() - before}
	step("export floor: %s wall, %s CPU, %d calls, %s peak RSS", ms(r.Wall), ms(r.CPU), r.Calls, mib(r.MaxRSS))
	if _, err := fmt.Sscan(string(stdout), &r.Count); err != nil {
		return r, fmt.Errorf("export floor output %q: %w", stdout, err)
	}
	if r.Count != n {
		return r, fmt.Errorf("the export floor wrote %d records, want %d", r.Count, n)
	}
	return r, nil
}

// writeExportFloorConfig is writeFloorConfig with windows of about
// exportFloorWindowRows of n records.
func writeExportFloorConfig(env pluginEnv, em *emulator.Emulator, n int) (string, error) {
	first, last := em.TimeRange()
	name, err := writeFloorConfig(env.dir, em, env.caFile, first.Add(-time.Second), last.Add(2*time.Second))
	if err != nil {
		return "", err
	}
	cfg, err := readFloorConfig(name)
	if err != nil {
		return "", err
	}
	cfg.Windows = max(1, n/exportFloorWindowRows)
	b, err := json.Marshal(cfg)
	if err != nil {
		return "", err
	}
	return name, os.WriteFile(name, b, 0o600)
}
