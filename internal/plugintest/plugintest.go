// Package plugintest runs the built o365auditlog binary as an engine does: a child process
// whose stdin and stdout are pipes, driven through the protocol by an integration.Host.
// The end-to-end tests, the binary's own tests and the bench share it, so that they all
// speak the protocol the way the `run` and `demo` modes do.
package plugintest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"go/build"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/o365auditlog/o365auditlog/integration"
)

// Build compiles the plugin package pkg into out as `make build` does (CGO_ENABLED=0),
// with extra `go build` flags such as -ldflags.
func Build(pkg, out string, flags ...string) error {
	gobin, err := exec.LookPath("go")
	if err != nil {
		gobin = filepath.Join(build.Default.GOROOT, "bin", "go") // go test's PATH may lack it
	}
	args := append(append([]string{"build"}, flags...), "-o", out, pkg)
	cmd := exec.Command(gobin, args...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %w\n%s", err, b)
	}
	return nil
}

// Plugin is one running plugin process. Its protocol side is either the Host (Execute,
// Ping) or the raw lines (WriteLine, ReadLine) for transcripts of malformed input: both
// read the same stdout, so a test uses one of them.
type Plugin struct {
	// Cmd is the started process; its Dir is where file entries land.
	Cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *os.File
	stderr lockedBuffer
	host   *integration.Host
	read   countingReader
	lines  *bufio.Reader
	exited chan struct{}
	// waitErr is Cmd.Wait's result, set before exited closes.
	waitErr error
}

// Start starts cmd (prepared by the caller: path, args, environment, directory) with pipes
// on stdin and stdout and stderr kept in memory. The Host answers the plugin's
// executeCommand calls from store (nil = a fresh, empty one). Close ends the process.
func Start(cmd *exec.Cmd, store *integration.Store) (*Plugin, error) {
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	// An os.Pipe rather than StdoutPipe: Wait (run concurrently below) closes a
	// StdoutPipe's read end, racing with the reads of the plugin's last lines.
	stdout, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	p := &Plugin{Cmd: cmd, stdin: stdin, stdout: stdout, exited: make(chan struct{})}
	cmd.Stdout = w
	cmd.Stderr = &p.stderr
	if err := cmd.Start(); err != nil {
		stdout.Close()
		w.Close()
		return nil, err
	}
	w.Close() // the child holds its own copy
	p.read.r = stdout
	p.host = integration.NewHost(stdin, &p.read, store)
	p.host.KeepEntriesRaw() // results run to hundreds of MB: callers decode what they check
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// Execute runs one execution through the Host and collects the plugin's answer, its
// entries undecoded in RawEntries.
func (p *Plugin) Execute(ctx context.Context, ex integration.Execution) (*integration.Outcome, error) {
	return p.host.Execute(ctx, ex)
}

// Ping sends ping through the Host and waits for pong.
func (p *Plugin) Ping(ctx context.Context) error { return p.host.Ping(ctx) }

// StdoutBytes is how much of the plugin's stdout has been read so far.
func (p *Plugin) StdoutBytes() int64 { return p.read.n.Load() }

// Stderr is what the plugin has logged so far.
func (p *Plugin) Stderr() string { return p.stderr.String() }

// WriteLine writes one raw line (a newline is added) to the plugin's stdin.
func (p *Plugin) WriteLine(line string) error {
	_, err := io.WriteString(p.stdin, line+"\n")
	return err
}

// Stdin is the plugin's stdin, for input that is no line (an oversize one, say).
func (p *Plugin) Stdin() io.Writer { return p.stdin }

// CloseStdin ends the plugin's input, as an engine does when it is done.
func (p *Plugin) CloseStdin() error { return p.stdin.Close() }

// ReadLine returns the plugin's next raw stdout line without its newline; ok is false at
// the end of stdout. It fails after timeout.
func (p *Plugin) ReadLine(timeout time.Duration) (line string, ok bool, err error) {
	if p.lines == nil {
		p.lines = bufio.NewReader(&p.read)
	}
	type result struct {
		line string
		err  error
	}
	got := make(chan result, 1)
	go func() {
		l, err := p.lines.ReadString('\n')
		got <- result{l, err}
	}()
	select {
	case r := <-got:
		if errors.Is(r.err, io.EOF) && r.line == "" {
			return "", false, nil
		}
		if r.err != nil {
			return "", false, fmt.Errorf("read stdout: %w (partial %q)", r.err, r.line)
		}
		return strings.TrimSuffix(r.line, "\n"), true, nil
	case <-time.After(timeout):
		return "", false, fmt.Errorf("no output from the plugin within %s", timeout)
	}
}

// Wait waits up to timeout for the plugin to exit and returns Cmd.Wait's error (nil for
// exit status 0).
func (p *Plugin) Wait(timeout time.Duration) error {
	select {
	case <-p.exited:
		return p.waitErr
	case <-time.After(timeout):
		return fmt.Errorf("the plugin did not exit within %s", timeout)
	}
}

// ExitCode waits up to timeout for the plugin to exit and returns its exit code.
func (p *Plugin) ExitCode(timeout time.Duration) (int, error) {
	var exitErr *exec.ExitError
	if err := p.Wait(timeout); err != nil && !errors.As(err, &exitErr) {
		return -1, err
	}
	return p.Cmd.ProcessState.ExitCode(), nil
}

// Close closes stdin, gives the plugin grace to exit by itself, then kills it, and
// releases the pipes. It returns Cmd.Wait's error, or that the plugin had to be killed.
func (p *Plugin) Close(grace time.Duration) error {
	p.stdin.Close()
	select {
	case <-p.exited:
	case <-time.After(grace):
		p.Kill()
		return fmt.Errorf("the plugin did not exit within %s of its stdin closing", grace)
	}
	p.stdout.Close()
	return p.waitErr
}

// Kill ends the plugin at once, waits for it and releases the pipes.
func (p *Plugin) Kill() {
	_ = p.Cmd.Process.Kill()
	<-p.exited
	p.stdin.Close()
	p.stdout.Close()
}

// countingReader counts what is read through it; the count may be read concurrently.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n.Add(int64(n))
	return n, err
}

// lockedBuffer is stderr, written by the process's copier and read by tests meanwhile.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
