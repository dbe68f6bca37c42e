package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/o365auditlog/o365auditlog/commands"
	"github.com/o365auditlog/o365auditlog/integration"
	"github.com/o365auditlog/o365auditlog/internal/plugintest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the binary's output")

// binDir holds the binary built once for the package's tests.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "o365auditlog-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var (
	buildOnce sync.Once
	builtPath string
	buildErr  error
)

// binary builds the real plugin (static, as `make build` does) once per test run.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		builtPath = filepath.Join(binDir, "o365auditlog")
		buildErr = plugintest.Build(".", builtPath, "-ldflags", "-X main.version=test-version")
	})
	require.NoError(t, buildErr)
	return builtPath
}

// startPlugin runs the built binary with debug logging; the test's end kills it.
func startPlugin(t *testing.T, args ...string) *plugintest.Plugin {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Env = append(os.Environ(), integration.LogLevelEnv+"=debug")
	p, err := plugintest.Start(cmd, nil)
	require.NoError(t, err)
	t.Cleanup(p.Kill)
	return p
}

// readLine returns the plugin's next stdout line, failing after a timeout.
func readLine(t *testing.T, p *plugintest.Plugin) (string, bool) {
	t.Helper()
	line, ok, err := p.ReadLine(30 * time.Second)
	require.NoError(t, err)
	return line, ok
}

// exitCode waits for the plugin to exit.
func exitCode(t *testing.T, p *plugintest.Plugin) int {
	t.Helper()
	code, err := p.ExitCode(10 * time.Second)
	require.NoError(t, err)
	return code
}

// oversize stands, in a transcript's input, for a line one byte above the limit.
const oversize = "<oversize>"

// transcriptCase is a sequence of input lines; after each the output is read up to pong
// or completed. Unless the plugin exits by itself (native), stdin is then closed.
type transcriptCase struct {
	name          string
	input         []string
	exitsByItself bool
	secret        string // must appear nowhere: stdout, stderr
}

var transcriptCases = []transcriptCase{
	{name: "ping", input: []string{"ping", "ping"}},
	{name: "eof", input: nil},
	{name: "blank-and-crlf", input: []string{"", "  ", "ping\r"}},
	{name: "malformed", input: []string{"not json", `{"command":`, `[1,2]`, `{"args":{}}`, `{"command":"test-module"} trailing`, `{"command":"test-module","args":"x"}`, "ping"}},
	{name: "unknown-command", input: []string{
		`{"command":"no-such-command","args":{"a":"b"},"params":{},"context":{"Inv":{"id":"1"}},"integration":true,"native":false,"script":"ignored"}`,
		"ping",
	}},
	{name: "redacted", secret: "Sentinel-Pa55word", input: []string{
		`{"command":"x-Sentinel-Pa55word","params":{"password":"Sentinel-Pa55word","certificate":{"identifier":"QUJD","password":"Sentinel-Pa55word"}}}`,
	}},
	{name: "native", exitsByItself: true, input: []string{"ping", `{"command":"no-such-command","native":true}`}},
	{name: "oversize", input: []string{oversize, "ping"}},
}

// known is the registry's command list as the unknown-command message prints it; the
// goldens spell it {{known}} so that adding a command does not rewrite them.
func known() string {
	return strings.Join(slices.Sorted(maps.Keys(commands.Registry())), ", ")
}

func TestGoldenTranscripts(t *testing.T) {
	for _, tc := range transcriptCases {
		t.Run(tc.name, func(t *testing.T) {
			p := startPlugin(t)
			var tr strings.Builder
			for _, in := range tc.input {
				send(t, p, &tr, in)
				if in != oversize && strings.TrimSpace(in) == "" {
					continue // a blank line gets no answer
				}
				for {
					line, ok := readLine(t, p)
					if !ok {
						break
					}
					fmt.Fprintf(&tr, "< %s\n", line)
					if line == `{"type":"pong"}` || line == `{"type":"completed"}` {
						break
					}
				}
			}
			if !tc.exitsByItself {
				p.CloseStdin()
			}
			_, more := readLine(t, p)
			assert.False(t, more, "output after the last answer")
			fmt.Fprintf(&tr, "exit %d\n", exitCode(t, p))
			got := strings.ReplaceAll(tr.String(), known(), "{{known}}")
			compareGolden(t, filepath.Join("testdata", tc.name+".golden"), got)
			if tc.secret != "" {
				assert.NotContains(t, outputOnly(got)+p.Stderr(), tc.secret, "secret leaked")
			}
		})
	}
}

func send(t *testing.T, p *plugintest.Plugin, tr *strings.Builder, in string) {
	t.Helper()
	if in == oversize {
		fmt.Fprintf(tr, "> [%d bytes of x]\n", integration.MaxLineBytes+1)
		chunk := bytes.Repeat([]byte("x"), 1<<20)
		for left := integration.MaxLineBytes + 1; left > 0; left -= len(chunk) {
			_, err := p.Stdin().Write(chunk[:min(left, len(chunk))])
			require.NoError(t, err)
		}
		in = ""
	} else {
		fmt.Fprintf(tr, "> %s\n", strings.ReplaceAll(in, "\r", `\r`))
	}
	_, err := io.WriteString(p.Stdin(), in+"\n")
	require.NoError(t, err)
}

// outputOnly keeps the plugin's lines of a transcript.
func outputOnly(transcript string) string {
	var b strings.Builder
	for line := range strings.Lines(transcript) {
		if !strings.HasPrefix(line, "> ") {
			b.WriteString(line)
		}
	}
	return b.String()
}

func compareGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create it")
	assert.Equal(t, string(want), got, "transcript differs from %s (go test -update rewrites it)", path)
}

func TestBinarySIGTERMWhileIdleExitsZero(t *testing.T) {
	p := startPlugin(t)
	var tr strings.Builder
	send(t, p, &tr, "ping")
	line, _ := readLine(t, p)
	require.Equal(t, `{"type":"pong"}`, line)
	require.NoError(t, p.Cmd.Process.Signal(syscall.SIGTERM))
	assert.Equal(t, 0, exitCode(t, p), "exit code after SIGTERM; stderr:\n%s", p.Stderr())
	// startPlugin sets O365AUDITLOG_LOG_LEVEL=debug.
	assert.Contains(t, p.Stderr(), `"level":"DEBUG"`, "no debug log on stderr")
}

func TestBinaryHelpAndVersion(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"version"}, "o365auditlog test-version\n"},
		{[]string{"--help"}, "Usage:"},
	}
	for _, tt := range tests {
		t.Run(tt.args[0], func(t *testing.T) {
			out, err := exec.Command(binary(t), tt.args...).Output()
			require.NoError(t, err)
			assert.Contains(t, string(out), tt.want)
		})
	}
}

// test-module's text belongs to the commands package; the protocol's part is that an
// execution with unusable params yields exactly one error entry and one completed.
func TestBinaryTestModuleWithoutParamsFails(t *testing.T) {
	p := startPlugin(t)
	var tr strings.Builder
	send(t, p, &tr, `{"command":"test-module","params":{}}`)
	first, _ := readLine(t, p)
	second, _ := readLine(t, p)
	assert.True(t, strings.HasPrefix(first, `{"type":"result","results":[{"Type":4,"ContentsFormat":"text","Contents":"`), "want an error entry, got %s", first)
	assert.Equal(t, `{"type":"completed"}`, second)
	p.CloseStdin()
	assert.Equal(t, 0, exitCode(t, p))
}
