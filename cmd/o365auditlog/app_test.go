package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// invoke runs the program in-process with the given stdin and a terminal or not.
func invoke(t *testing.T, terminal bool, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	a := &app{
		stdin: strings.NewReader(stdin), stdout: &out, stderr: &errOut,
		getenv:     func(string) string { return "" },
		isTerminal: func(io.Reader) bool { return terminal },
	}
	code = a.main(t.Context(), append([]string{"o365auditlog"}, args...))
	return code, out.String(), errOut.String()
}

func TestModes(t *testing.T) {
	tests := []struct {
		name       string
		terminal   bool
		stdin      string
		args       []string
		wantCode   int
		wantStdout string // substring
		wantStderr string // substring
	}{
		{"terminal refuses", true, "", nil, exitUsage, "", "not meant to be run by hand"},
		{"help", true, "", []string{"--help"}, exitOK, "Usage:", ""},
		{"-h", true, "", []string{"-h"}, exitOK, "o365auditlog run --params", ""},
		{"help word", true, "", []string{"help"}, exitOK, "Usage:", ""},
		{"version", true, "", []string{"version"}, exitOK, "o365auditlog dev\n", ""},
		{"unknown subcommand", true, "", []string{"frobnicate"}, exitUsage, "", `unknown subcommand "frobnicate"`},
		{"serve pipes", false, "ping\n", nil, exitOK, `{"type":"pong"}` + "\n", ""},
		{"serve EOF", false, "", nil, exitOK, "", ""},
		{"run: unknown command is exit 1", true, "", []string{"run", "!nope a=1"}, exitFailure, "", `Error: Unknown command "nope"`},
		{"run: bang added, words joined", true, "", []string{"run", "nope", "a=1"}, exitFailure, "", `Error: Unknown command "nope"`},
		{"run: parse error", true, "", []string{"run", `!nope a="x`}, exitUsage, "", "the value's double quote is never closed"},
		{"run: no command line", true, "", []string{"run", "--json"}, exitUsage, "", "missing the command line"},
		{"run: bad flag", true, "", []string{"run", "--nope", "!x"}, exitUsage, "", "flag provided but not defined"},
		{"run: missing params file", true, "", []string{"run", "--params", "/does/not/exist.json", "!x"}, exitUsage, "", "read params"},
		{"run: json", true, "", []string{"run", "!nope", "--json"}, exitFailure, `"Type": 4`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := invoke(t, tt.terminal, tt.stdin, tt.args...)
			assert.Equal(t, tt.wantCode, code, "stdout: %s\nstderr: %s", stdout, stderr)
			assert.Contains(t, stdout, tt.wantStdout, "stdout")
			assert.Contains(t, stderr, tt.wantStderr, "stderr")
		})
	}
}

func TestRunParamsAndState(t *testing.T) {
	dir := t.TempDir()
	params := filepath.Join(dir, "params.json")
	state := filepath.Join(dir, "state.json")
	const secret = "pfx-Secret-123"
	require.NoError(t, os.WriteFile(params, []byte(`{"password":"`+secret+`","certificate":"QUJDREVG"}`), 0o600))
	code, stdout, stderr := invoke(t, true, "", "run", "--params", params, "--state", state, "--json", "!nope-"+secret)
	require.Equal(t, exitFailure, code, "stderr: %s", stderr)
	var entries []map[string]any
	require.NoError(t, json.Unmarshal([]byte(stdout), &entries), "stdout is not JSON: %s", stdout)
	require.Len(t, entries, 1, "stdout is not one JSON entry: %s", stdout)
	assert.NotContains(t, stdout+stderr, secret, "secret leaked")
	b, err := os.ReadFile(state)
	require.NoError(t, err, "state file not written")
	var st map[string]any
	if assert.NoError(t, json.Unmarshal(b, &st), "state file %s", b) {
		assert.NotNil(t, st["lastRun"], "state file %s", b)
		assert.NotNil(t, st["integrationContext"], "state file %s", b)
	}
}
