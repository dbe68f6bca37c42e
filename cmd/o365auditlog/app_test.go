package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.wantCode, stdout, stderr)
			}
			if !strings.Contains(stdout, tt.wantStdout) {
				t.Errorf("stdout %q lacks %q", stdout, tt.wantStdout)
			}
			if !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("stderr %q lacks %q", stderr, tt.wantStderr)
			}
		})
	}
}

func TestRunParamsAndState(t *testing.T) {
	dir := t.TempDir()
	params := filepath.Join(dir, "params.json")
	state := filepath.Join(dir, "state.json")
	const secret = "pfx-Secret-123"
	if err := os.WriteFile(params, []byte(`{"password":"`+secret+`","certificate":"QUJDREVG"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := invoke(t, true, "", "run", "--params", params, "--state", state, "--json", "!nope-"+secret)
	if code != exitFailure {
		t.Fatalf("exit %d\nstderr: %s", code, stderr)
	}
	var entries []map[string]any
	if err := json.Unmarshal([]byte(stdout), &entries); err != nil || len(entries) != 1 {
		t.Fatalf("stdout is not one JSON entry (%v): %s", err, stdout)
	}
	if strings.Contains(stdout+stderr, secret) {
		t.Errorf("secret leaked:\n%s\n%s", stdout, stderr)
	}
	b, err := os.ReadFile(state)
	if err != nil {
		t.Fatalf("state file not written: %v", err)
	}
	var st map[string]any
	if err := json.Unmarshal(b, &st); err != nil || st["lastRun"] == nil || st["integrationContext"] == nil {
		t.Errorf("state file %s: %v", b, err)
	}
}
