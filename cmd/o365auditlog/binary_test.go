package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/o365auditlog/o365auditlog/commands"
	"github.com/o365auditlog/o365auditlog/integration"
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
		gobin, err := exec.LookPath("go")
		if err != nil {
			gobin = filepath.Join(runtime.GOROOT(), "bin", "go")
		}
		builtPath = filepath.Join(binDir, "o365auditlog")
		cmd := exec.Command(gobin, "build", "-ldflags", "-X main.version=test-version", "-o", builtPath, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtPath
}

// plugin is the built binary running with pipes on stdin and stdout.
type plugin struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Reader
	stderr *bytes.Buffer
	exited chan struct{}
}

func startPlugin(t *testing.T, args ...string) *plugin {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Env = append(os.Environ(), integration.LogLevelEnv+"=debug")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	// An os.Pipe rather than StdoutPipe: Wait (run concurrently below) closes a
	// StdoutPipe's read end, racing with the reads of the plugin's last lines.
	stdout, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = w
	p := &plugin{cmd: cmd, stdin: stdin, stdout: bufio.NewReader(stdout), stderr: &bytes.Buffer{}, exited: make(chan struct{})}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close() // the child holds its own copy
	t.Cleanup(func() { stdout.Close() })
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.exited
	})
	go func() {
		cmd.Wait()
		close(p.exited)
	}()
	return p
}

// readLine returns the plugin's next stdout line, failing after a timeout.
func (p *plugin) readLine(t *testing.T) (string, bool) {
	t.Helper()
	type result struct {
		line string
		err  error
	}
	got := make(chan result, 1)
	go func() {
		line, err := p.stdout.ReadString('\n')
		got <- result{line, err}
	}()
	select {
	case r := <-got:
		if r.err == io.EOF && r.line == "" {
			return "", false
		}
		if r.err != nil {
			t.Fatalf("read stdout: %v (partial %q)", r.err, r.line)
		}
		return strings.TrimSuffix(r.line, "\n"), true
	case <-time.After(30 * time.Second):
		t.Fatal("no output from the plugin within 30s")
		return "", false
	}
}

// exitCode waits for the plugin to exit.
func (p *plugin) exitCode(t *testing.T) int {
	t.Helper()
	select {
	case <-p.exited:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(10 * time.Second):
		t.Fatal("the plugin did not exit within 10s")
		return -1
	}
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
				p.send(t, &tr, in)
				if in != oversize && strings.TrimSpace(in) == "" {
					continue // a blank line gets no answer
				}
				for {
					line, ok := p.readLine(t)
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
				p.stdin.Close()
			}
			if _, ok := p.readLine(t); ok {
				t.Error("output after the last answer")
			}
			fmt.Fprintf(&tr, "exit %d\n", p.exitCode(t))
			got := strings.ReplaceAll(tr.String(), known(), "{{known}}")
			compareGolden(t, filepath.Join("testdata", tc.name+".golden"), got)
			if tc.secret != "" && strings.Contains(outputOnly(got)+p.stderr.String(), tc.secret) {
				t.Errorf("secret leaked:\n%s\nstderr:\n%s", got, p.stderr)
			}
		})
	}
}

func (p *plugin) send(t *testing.T, tr *strings.Builder, in string) {
	t.Helper()
	if in == oversize {
		fmt.Fprintf(tr, "> [%d bytes of x]\n", integration.MaxLineBytes+1)
		chunk := bytes.Repeat([]byte("x"), 1<<20)
		for left := integration.MaxLineBytes + 1; left > 0; left -= len(chunk) {
			if _, err := p.stdin.Write(chunk[:min(left, len(chunk))]); err != nil {
				t.Fatal(err)
			}
		}
		in = ""
	} else {
		fmt.Fprintf(tr, "> %s\n", strings.ReplaceAll(in, "\r", `\r`))
	}
	if _, err := io.WriteString(p.stdin, in+"\n"); err != nil {
		t.Fatal(err)
	}
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
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("transcript differs from %s (go test -update rewrites it)\n--- want\n%s--- got\n%s", path, want, got)
	}
}

func TestBinarySIGTERMWhileIdleExitsZero(t *testing.T) {
	p := startPlugin(t)
	var tr strings.Builder
	p.send(t, &tr, "ping")
	if line, _ := p.readLine(t); line != `{"type":"pong"}` {
		t.Fatalf("want pong, got %q", line)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.exitCode(t); code != 0 {
		t.Errorf("exit %d after SIGTERM, want 0; stderr:\n%s", code, p.stderr)
	}
	// startPlugin sets O365AUDITLOG_LOG_LEVEL=debug.
	if !strings.Contains(p.stderr.String(), `"level":"DEBUG"`) {
		t.Errorf("no debug log on stderr:\n%s", p.stderr)
	}
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
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(out), tt.want) {
				t.Errorf("output %q lacks %q", out, tt.want)
			}
		})
	}
}

// test-module's text belongs to the commands package; the protocol's part is that an
// execution with unusable params yields exactly one error entry and one completed.
func TestBinaryTestModuleWithoutParamsFails(t *testing.T) {
	p := startPlugin(t)
	var tr strings.Builder
	p.send(t, &tr, `{"command":"test-module","params":{}}`)
	first, _ := p.readLine(t)
	second, _ := p.readLine(t)
	if !strings.HasPrefix(first, `{"type":"result","results":[{"Type":4,"ContentsFormat":"text","Contents":"`) || second != `{"type":"completed"}` {
		t.Errorf("want an error entry then completed, got:\n%s\n%s", first, second)
	}
	p.stdin.Close()
	if code := p.exitCode(t); code != 0 {
		t.Errorf("exit %d", code)
	}
}
