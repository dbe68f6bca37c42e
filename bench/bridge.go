package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/o365auditlog/o365auditlog/emulator"
)

// bridgeResult is test-module through the XSOAR bridge beside the binary alone.
type bridgeResult struct {
	Runs           int
	Bridge, Binary time.Duration
	Skipped        string
}

// bridgeDriver runs bridge.main() (bridge/O365AuditLog.py with the test fake of
// demistomock) in one Python interpreter, as XSOAR's docker loop keeps one running: a
// warm-up, then argv[3] timed runs of test-module; it prints the durations as JSON.
const bridgeDriver = `
import importlib, json, os, sys, time
repo, params_file, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
sys.path.insert(0, os.path.join(repo, 'bridge'))
sys.path.insert(0, os.path.join(repo, 'bridge', 'testdata'))
import demistomock
bridge = importlib.import_module('O365AuditLog')
params = json.load(open(params_file))
times = []
for i in range(runs + 1):
    demistomock.reset()
    demistomock.COMMAND, demistomock.PARAMS = 'test-module', params
    t = time.perf_counter()
    bridge.main()
    dt = time.perf_counter() - t
    ok = [r for r in demistomock.RESULTS if isinstance(r, list) and any(e.get('Contents') == 'ok' for e in r)]
    if demistomock.ERRORS or not ok:
        sys.exit('bridge test-module failed: %r %r' % (demistomock.ERRORS, demistomock.RESULTS))
    if i:
        times.append(dt)
print(json.dumps(times))
`

// benchBridge measures test-module through the bridge (Python starting the binary and
// relaying its messages to demisto) and through the binary alone, interleaved in batches.
func benchBridge(ctx context.Context, env pluginEnv, em *emulator.Emulator, repo string, runs int) (*bridgeResult, error) {
	res := &bridgeResult{Runs: runs}
	python, err := exec.LookPath("python3")
	if err != nil {
		res.Skipped = "python3 not installed"
		return res, nil
	}
	paramsFile := filepath.Join(env.dir, "bridge-params.json")
	b, err := json.Marshal(em.Params())
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(paramsFile, b, 0o600); err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(env.bin)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, python, "-c", bridgeDriver, repo, paramsFile, fmt.Sprint(runs))
	cmd.Env = append(os.Environ(), "SSL_CERT_FILE="+env.caFile, "O365AUDITLOG_BIN="+abs)
	cmd.Dir = env.dir
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("bridge driver: %w", err)
	}
	var secs []float64
	if err := json.Unmarshal(out, &secs); err != nil {
		return nil, fmt.Errorf("bridge driver output %q: %w", out, err)
	}
	var bridge, binary []time.Duration
	for _, s := range secs {
		bridge = append(bridge, time.Duration(s*float64(time.Second)))
	}
	ex := execution("test-module", em.Params(), map[string]any{})
	for range runs {
		r, err := env.run(ctx, ex)
		if err != nil {
			return nil, err
		}
		binary = append(binary, r.Wall)
	}
	res.Bridge, res.Binary = median(bridge), median(binary)
	return res, nil
}
