package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/google/uuid"
	"github.com/o365auditlog/o365auditlog/emulator"
	"github.com/o365auditlog/o365auditlog/integration"
)

// throughputRecords is the size of the throughput search.
const throughputRecords = 50000

// throughputResult is a 50,000-record search through the binary beside the floor.
type throughputResult struct {
	Runs          int
	Records       int
	Plugin, Floor procStats
	Calls         int // InvokeCommand calls of one plugin search
	FloorCalls    int
}

// floorConfig is what the floor child process needs to reach the emulator.
type floorConfig struct {
	URL, AuthURL        string
	Organization, AppID string
	PFX                 string // base64
	Password            string
	CAFile              string
	Start, End          time.Time
	Windows             int
}

// benchThroughput searches every record of a 50,000-record emulator (latency 0) through
// a fresh plugin process per run, and runs the floor as a child process of this program
// so that both are measured the same way (wall, CPU, peak RSS of the child).
func benchThroughput(ctx context.Context, env pluginEnv, runs int) (*throughputResult, error) {
	em, err := emulator.Start(emulator.Options{Records: throughputRecords, Days: 7, Seed: 7, Prerender: true})
	if err != nil {
		return nil, err
	}
	defer em.Close()
	env.caFile = filepath.Join(env.dir, "throughput-ca.pem")
	if err := os.WriteFile(env.caFile, em.CAPEM(), 0o600); err != nil {
		return nil, err
	}
	first, last := em.TimeRange()
	start, end := first.Add(-time.Second), last.Add(2*time.Second)
	ex := execution("o365-auditlog-search", em.Params(), map[string]any{
		"start_date": start.Format(time.RFC3339), "end_date": end.Format(time.RFC3339),
		"result_size": strconv.Itoa(throughputRecords),
	})
	cfgFile, err := writeFloorConfig(env.dir, em, env.caFile, start, end)
	if err != nil {
		return nil, err
	}
	res := &throughputResult{Runs: runs, Records: throughputRecords}
	var plugin, floor []procStats
	for i := range runs + 1 { // the first run of each warms up and is not counted
		before := em.Stats().InvokeCalls
		r, err := env.run(ctx, ex)
		if err != nil {
			return nil, err
		}
		if err := checkRecords(r, throughputRecords); err != nil {
			return nil, err
		}
		res.Calls = em.Stats().InvokeCalls - before
		before = em.Stats().InvokeCalls
		f, _, err := runSelfEnv(ctx, []string{"SSL_CERT_FILE=" + env.caFile}, "-floor-throughput", cfgFile)
		if err != nil {
			return nil, err
		}
		res.FloorCalls = em.Stats().InvokeCalls - before
		if i > 0 {
			plugin, floor = append(plugin, r.procStats), append(floor, f)
		}
	}
	res.Plugin, res.Floor = medianStats(plugin), medianStats(floor)
	return res, nil
}

// checkRecords checks that the search returned want records in its note entry.
func checkRecords(r *pluginRun, want int) error {
	entries, err := r.entries()
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Type == integration.EntryNote && len(e.Contents) > 0 && e.Contents[0] == '[' {
			var recs []json.RawMessage
			if err := json.Unmarshal(e.Contents, &recs); err != nil {
				return err
			}
			if len(recs) != want {
				return fmt.Errorf("the search returned %d records, want %d", len(recs), want)
			}
			return nil
		}
	}
	return fmt.Errorf("no records entry among %d entries", len(entries))
}

func writeFloorConfig(dir string, em *emulator.Emulator, caFile string, start, end time.Time) (string, error) {
	name := filepath.Join(dir, "floor-"+filepath.Base(caFile)+".json")
	p := em.Params()
	cert := p["certificate"].(map[string]any)
	cfg := floorConfig{URL: em.URL(), AuthURL: em.AuthURL(), Organization: em.Organization(), AppID: p["app_id"].(string),
		PFX: cert["identifier"].(string), Password: cert["password"].(string), CAFile: caFile,
		Start: start, End: end, Windows: 4}
	b, err := json.Marshal(cfg)
	if err != nil {
		return "", err
	}
	return name, os.WriteFile(name, b, 0o600)
}

func readFloorConfig(name string) (*floorConfig, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var cfg floorConfig
	return &cfg, json.Unmarshal(b, &cfg)
}

// floorMain is the throughput floor, run as a child process: one token, then every record
// of the window through ReturnLargeSet sessions over cfg.Windows equal windows fetched in
// parallel (as the plugin does), each page decoded with encoding/json into json.RawMessage
// rows and each row's AuditData string unquoted. The records are kept, as the plugin must
// keep them to answer.
func floorMain(cfgFile string) error {
	cfg, err := readFloorConfig(cfgFile)
	if err != nil {
		return err
	}
	ctx := context.Background()
	client := freshClient(nil) // system roots with SSL_CERT_FILE, as the plugin
	cred, err := newCredential(cfg.PFX, cfg.Password, cfg.Organization, cfg.AppID, cfg.AuthURL, client)
	if err != nil {
		return err
	}
	tok, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{cfg.URL + "/.default"}})
	if err != nil {
		return err
	}
	target := cfg.URL + "/adminapi/beta/" + cfg.Organization + "/InvokeCommand"
	step := cfg.End.Sub(cfg.Start) / time.Duration(cfg.Windows)
	records := make([][][]byte, cfg.Windows)
	errs := make([]error, cfg.Windows)
	var wg sync.WaitGroup
	for i := range cfg.Windows {
		ws, we := cfg.Start.Add(step*time.Duration(i)).Truncate(time.Second), cfg.Start.Add(step*time.Duration(i+1)).Truncate(time.Second)
		if i == cfg.Windows-1 {
			we = cfg.End
		}
		wg.Go(func() {
			records[i], errs[i] = floorWindow(ctx, client, target, tok.Token, ws, we, cfg.Organization, rowsPerCall)
		})
	}
	wg.Wait()
	total := 0
	for i := range records {
		if errs[i] != nil {
			return errs[i]
		}
		total += len(records[i])
	}
	fmt.Println(total)
	return nil
}

// floorWindow pages one session over [start, end) to its short page, asking one REST
// page (rows) per call as the plugin does against a live tenant, whose
// continuations are refused; a page of rows already seen means the session started over
// past its end (DESIGN §4b L9).
func floorWindow(ctx context.Context, client *http.Client, target, token string, start, end time.Time, org string, rows int) ([][]byte, error) {
	params := map[string]any{"StartDate": start.UTC().Format(time.RFC3339), "EndDate": end.UTC().Format(time.RFC3339),
		"ResultSize": rows, "SessionId": uuid.NewString(), "SessionCommand": "ReturnLargeSet"}
	var out [][]byte
	seen := map[string]bool{}
	for {
		page, err := invokeURL(ctx, client, target, "", token, org, params)
		if err != nil {
			return nil, err
		}
		fresh := 0
		for _, row := range page.Value {
			var r struct{ AuditData string }
			if err := json.Unmarshal(row, &r); err != nil {
				return nil, err
			}
			if !seen[r.AuditData] {
				seen[r.AuditData] = true
				fresh++
				out = append(out, []byte(r.AuditData))
			}
		}
		if len(page.Value) < rows || fresh == 0 {
			return out, nil
		}
	}
}
