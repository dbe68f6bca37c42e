package integration

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"runtime/debug"
	"slices"
	"strings"
	"time"
)

// DefaultShutdownGrace is how long a cancelled command may take to return before the
// loop reports it and ends anyway.
const DefaultShutdownGrace = 10 * time.Second

// Server runs the engine protocol (DESIGN §2) over Stdin and Stdout: one execution per
// line, until EOF, a native execution, or the end of the context given to Serve.
type Server struct {
	Stdin  io.Reader
	Stdout io.Writer // protocol messages only
	// Logger receives diagnostics; its handler is wrapped so that secrets are redacted.
	// When nil, a JSON logger on Stderr at LogLevel is used (nothing when Stderr is nil too).
	Logger   *slog.Logger
	Stderr   io.Writer
	LogLevel slog.Leveler
	Registry Registry
	Version  string
	// ShutdownGrace bounds the wait for a command after the context ends; 0 means
	// DefaultShutdownGrace.
	ShutdownGrace time.Duration
	// MaxLineBytes caps input lines; 0 means MaxLineBytes (64 MiB).
	MaxLineBytes int
	// Redactor collects the secrets of every execution (params, Session.Secret); nil means a
	// fresh one. Share it with the handlers' own logger so their logs are redacted too.
	Redactor *Redactor
	// FileDir is the directory where Session.WriteFile puts file entries' bytes, named
	// "<investigation id>_<FileID>" as the engine expects in its working directory
	// (DESIGN §5 as_file); "" means the current directory. A host running the plugin
	// in-process (the `run` mode) may point it elsewhere.
	FileDir string
}

// loop is the state of one Serve call.
type loop struct {
	srv    *Server
	out    *writer
	lines  *lineSource
	red    *Redactor
	log    *slog.Logger
	known  string // the registry's command names, for the unknown-command message
	grace  time.Duration
	maxLen int
}

// Serve answers executions until stdin ends (nil), a native execution completes (nil),
// ctx ends (nil: at once when idle, else right after that execution's completed), or
// stdout or stdin fails (the error).
func (s *Server) Serve(ctx context.Context) error {
	l := s.newLoop()
	defer l.lines.close()
	l.log.Debug("serving", "version", s.Version, "commands", l.known)
	for {
		line, err := l.lines.next(ctx)
		var tooLong *LineTooLongError
		switch {
		case ctx.Err() != nil:
			l.log.Debug("stopping while idle", "reason", context.Cause(ctx))
			return nil
		case errors.Is(err, io.EOF):
			l.log.Debug("stdin closed")
			return nil
		case errors.As(err, &tooLong):
			l.log.Warn("input line too long, drained", "bytes", tooLong.Size, "limit", tooLong.Limit)
			l.fail(false, fmt.Sprintf("The execution request is %d bytes long, above the plugin's limit of %d bytes; send smaller arguments.", tooLong.Size, tooLong.Limit))
			_ = l.out.send(message{Type: msgCompleted}) // sticky: checked by l.out.failed() below
		case err != nil:
			return fmt.Errorf("read stdin: %w", err)
		default:
			native := l.handleLine(ctx, line)
			if l.out.failed() == nil && (native || ctx.Err() != nil) {
				return nil
			}
		}
		if err := l.out.failed(); err != nil {
			return fmt.Errorf("write stdout: %w", err)
		}
	}
}

func (s *Server) newLoop() *loop {
	red := s.Redactor
	if red == nil {
		red = NewRedactor()
	}
	l := &loop{srv: s, out: newWriter(s.Stdout), red: red, grace: s.ShutdownGrace, maxLen: s.MaxLineBytes}
	l.log = s.logger(red)
	if l.grace <= 0 {
		l.grace = DefaultShutdownGrace
	}
	if l.maxLen <= 0 {
		l.maxLen = MaxLineBytes
	}
	l.known = strings.Join(slices.Sorted(maps.Keys(s.Registry)), ", ")
	l.lines = newLineSource(newLineReader(s.Stdin, l.maxLen))
	return l
}

func (s *Server) logger(red *Redactor) *slog.Logger {
	switch {
	case s.Logger != nil:
		return slog.New(NewRedactingHandler(s.Logger.Handler(), red))
	case s.Stderr != nil:
		level := s.LogLevel
		if level == nil {
			level = slog.LevelInfo
		}
		return NewLogger(s.Stderr, level, red)
	}
	return slog.New(slog.DiscardHandler)
}

// handleLine answers one input line and reports whether it asked to exit (native).
func (l *loop) handleLine(ctx context.Context, line []byte) (native bool) {
	switch text := bytes.TrimSpace(line); {
	case len(text) == 0:
		return false // a blank line is not an execution
	case string(text) == "ping":
		_ = l.out.send(message{Type: msgPong}) // sticky: Serve checks l.out.failed() after each line
		return false
	}
	defer l.out.send(message{Type: msgCompleted}) //nolint:errcheck // sticky: Serve checks l.out.failed() after each line
	req, err := DecodeRequest(line)
	if err != nil {
		l.log.Warn("malformed execution request", "error", err)
		l.fail(false, err.Error())
		return false
	}
	l.red.AddParamSecrets(req.Params)
	cmd, ok := l.srv.Registry[req.Command]
	if !ok {
		l.log.Warn("unknown command", "command", req.Command)
		l.fail(false, fmt.Sprintf("Unknown command %q: this integration answers %s. Check the command name.", req.Command, l.known))
		return req.Native
	}
	l.execute(ctx, cmd, req)
	return req.Native
}

// execute runs the handler and reports its failure; completed is the caller's.
func (l *loop) execute(ctx context.Context, cmd Command, req *Request) {
	start := time.Now()
	log := l.log.With("command", req.Command, "investigation", req.InvestigationID)
	log.Debug("execution started")
	err := l.run(ctx, cmd, req)
	if err == nil {
		log.Debug("execution finished", "duration", time.Since(start).String())
		return
	}
	var p *panicError
	switch {
	case errors.As(err, &p):
		log.Error("command panicked", "panic", fmt.Sprint(p.value), "stack", string(p.stack))
	case ctx.Err() != nil:
		log.Warn("command cancelled", "error", err, "reason", context.Cause(ctx))
	default:
		log.Warn("command failed", "error", err, "duration", time.Since(start).String())
	}
	l.fail(cmd.Fetch, l.explain(ctx, req.Command, err))
}

// explain turns a handler failure into the sentence the analyst reads.
func (l *loop) explain(ctx context.Context, name string, err error) string {
	var p *panicError
	switch {
	case errors.As(err, &p):
		return fmt.Sprintf("The command %s failed with an internal error (%v); this is a bug in the integration, please report it with the plugin's log.", name, p.value)
	case errors.Is(err, errAbandoned):
		return fmt.Sprintf("The command %s did not stop within %s after the plugin was asked to stop; run it again.", name, l.grace)
	case ctx.Err() != nil && errors.Is(err, context.Canceled):
		return fmt.Sprintf("The command %s was cancelled because the plugin was asked to stop; run it again.", name)
	case strings.TrimSpace(err.Error()) == "":
		return fmt.Sprintf("The command %s failed without an explanation; see the plugin's log.", name)
	}
	return err.Error()
}

// fail reports a failure: an exception message for fetch commands, else an error entry.
// Every text passes the redactor. A write error is sticky: Serve checks l.out.failed().
func (l *loop) fail(fetch bool, text string) {
	text = l.red.Redact(text)
	if fetch {
		_ = l.out.send(message{Type: msgException, Args: map[string]any{"exception": text}})
		return
	}
	_ = l.out.send(resultMessage{Type: msgResult, Results: []Entry{ErrorEntry(text)}})
}

var errAbandoned = errors.New("command abandoned after the shutdown grace period")

type panicError struct {
	value any
	stack []byte
}

func (p *panicError) Error() string { return fmt.Sprintf("panic: %v", p.value) }

// run calls the handler in its own goroutine, so that a handler deaf to cancellation
// cannot keep the process alive past the grace period after SIGTERM.
func (l *loop) run(ctx context.Context, cmd Command, req *Request) error {
	hctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sess := &session{loop: l, req: req}
	defer sess.close()
	done := make(chan error, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				done <- &panicError{value: v, stack: debug.Stack()}
			}
		}()
		done <- cmd.Run(hctx, req, sess)
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	timer := time.NewTimer(l.grace)
	defer timer.Stop()
	select {
	case err := <-done:
		return err
	case <-timer.C:
		return errAbandoned
	}
}
