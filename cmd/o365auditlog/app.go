package main

import (
	"context"
	"fmt"
	"github.com/o365auditlog/o365auditlog/auditsearch"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/o365auditlog/o365auditlog/commands"
	"github.com/o365auditlog/o365auditlog/integration"
	"golang.org/x/term"
)

// Exit codes, decided here and nowhere else.
const (
	exitOK      = 0
	exitFailure = 1 // a command failed, or the protocol broke
	exitUsage   = 2 // wrong invocation
)

const usage = `Usage:
  o365auditlog                  speak the engine protocol on stdin/stdout (run by a SOAR engine)
  o365auditlog run --params params.json [--json] [--state state.json] [--out DIR] '!command key=value …'
                                run one command as the engine would and print its output;
                                files (as_file=true) are saved under their announced names
                                in DIR (default: the current directory), never overwriting
  o365auditlog demo             a real search against the bundled emulator
  o365auditlog version          print the version
  o365auditlog help             print this help

Environment:
  O365AUDITLOG_LOG_LEVEL=debug  more diagnostics on stderr (secrets are redacted)
`

// app is one invocation; its fields are the seams tests replace.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	isTerminal     func(io.Reader) bool
	// progress, when set, hears of every search's progress (the `run` mode's progress bar).
	progress func(auditsearch.Progress)
}

// run is the whole program except os.Exit.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv, isTerminal: stdinIsTerminal}
	return a.main(ctx, args)
}

func (a *app) main(ctx context.Context, args []string) int {
	if len(args) < 2 {
		return a.serve(ctx)
	}
	switch args[1] {
	case "help", "-h", "-help", "--help":
		fmt.Fprint(a.stdout, usage)
		return exitOK
	case "version", "--version":
		fmt.Fprintf(a.stdout, "o365auditlog %s\n", version)
		return exitOK
	case "run":
		return a.runCommand(ctx, args[2:])
	case "demo":
		return a.demo(ctx, args[2:])
	}
	fmt.Fprintf(a.stderr, "o365auditlog: unknown subcommand %q\n\n%s", args[1], usage)
	return exitUsage
}

// serve speaks the engine protocol until stdin ends or a signal arrives.
func (a *app) serve(ctx context.Context) int {
	if a.isTerminal(a.stdin) {
		fmt.Fprintf(a.stderr, "o365auditlog is a plugin for a SOAR engine, which runs it and talks to it\n"+
			"through stdin/stdout; it is not meant to be run by hand like this.\n"+
			"To try a command yourself, use `o365auditlog run`.\n\n%s", usage)
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, os.Interrupt)
	defer stop()
	setMemoryLimit(a.getenv)
	srv := a.server(slog.LevelInfo)
	srv.Stdin, srv.Stdout = a.stdin, a.stdout
	if err := srv.Serve(ctx); err != nil {
		srv.Logger.Error("protocol loop ended", "error", err)
		return exitFailure
	}
	return exitOK
}

// server is the protocol server with this binary's registry and logging; the log level
// comes from the environment, else it is level.
func (a *app) server(level slog.Level) integration.Server {
	if env := a.getenv(integration.LogLevelEnv); env != "" {
		level = integration.ParseLevel(env)
	}
	base := slog.New(slog.NewJSONHandler(a.stderr, &slog.HandlerOptions{Level: level}))
	red := integration.NewRedactor()
	handlersLog := slog.New(integration.NewRedactingHandler(base.Handler(), red))
	return integration.Server{
		Logger:   base,
		Redactor: red,
		Registry: commands.RegistryWith(commands.Options{Logger: handlersLog, Progress: a.progress}),
		Version:  version,
	}
}

// stdinIsTerminal reports whether r is a terminal: the binary was started by hand.
func stdinIsTerminal(r io.Reader) bool {
	f, ok := r.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(int(f.Fd()))
}
