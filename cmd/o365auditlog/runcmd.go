package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/o365auditlog/o365auditlog/integration"
)

// runOptions are the flags and argument of `o365auditlog run`.
type runOptions struct {
	paramsFile string
	stateFile  string
	outDir     string // where file entries are saved under their announced names
	json       bool
	line       string // the War Room command line
}

// runCommand drives one execution in-process, as the engine would, and prints it.
func (a *app) runCommand(ctx context.Context, args []string) int {
	opts, err := parseRunArgs(args, a.stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(a.stderr, "o365auditlog run: %v\n\n%s", err, usage)
		return exitUsage
	}
	ex, store, err := opts.load()
	if err != nil {
		fmt.Fprintf(a.stderr, "o365auditlog run: %v\n", err)
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, os.Interrupt)
	defer stop()
	if writerIsTerminal(a.stderr) {
		// Long searches draw a progress bar on the terminal; piped, stderr stays quiet.
		a.progress = (&progressBar{w: a.stderr}).update
	}
	stage, err := newFileStage(opts.outDir, ex.InvestigationID) // runfiles.go
	if err != nil {
		fmt.Fprintf(a.stderr, "o365auditlog run: %v\n", err)
		return exitUsage
	}
	defer stage.close()
	srv := a.server(slog.LevelError)
	srv.FileDir = stage.dir
	out, err := integration.RunLocal(ctx, srv, store, ex) // errors are printed below, not logged twice
	if err != nil {
		fmt.Fprintf(a.stderr, "o365auditlog run: %v\n", err)
		return exitFailure
	}
	paths, err := stage.save(out.Entries)
	for _, p := range paths {
		fmt.Fprintf(a.stderr, "o365auditlog run: wrote %s\n", p)
	}
	if err != nil {
		fmt.Fprintf(a.stderr, "o365auditlog run: %v\n", err)
		return exitFailure
	}
	if opts.stateFile != "" {
		if err := store.Save(opts.stateFile); err != nil {
			fmt.Fprintf(a.stderr, "o365auditlog run: %v\n", err)
			return exitFailure
		}
	}
	if err := a.print(out, opts.json); err != nil {
		fmt.Fprintf(a.stderr, "o365auditlog run: %v\n", err)
		return exitFailure
	}
	if out.Failed() {
		return exitFailure
	}
	return exitOK
}

// parseRunArgs accepts flags before and after the command line, which is one argument
// (or several, joined by spaces, when the shell split an unquoted line).
func parseRunArgs(args []string, stderr io.Writer) (*runOptions, error) {
	opts := &runOptions{}
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&opts.paramsFile, "params", "", "JSON file with the integration params")
	fs.StringVar(&opts.stateFile, "state", "", "JSON file keeping lastRun and the integration context between runs")
	fs.BoolVar(&opts.json, "json", false, "print the raw entries as JSON")
	fs.StringVar(&opts.outDir, "out", "", "directory where file entries are saved under their announced names (default: the current directory)")
	var words []string
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) > 0 {
			words = append(words, args[0])
			args = args[1:]
		}
	}
	if len(words) == 0 {
		return nil, errors.New("missing the command line, e.g. '!o365-auditlog-search start_date=\"3 days\"'")
	}
	opts.line = strings.Join(words, " ")
	if !strings.HasPrefix(strings.TrimSpace(opts.line), "!") {
		opts.line = "!" + strings.TrimSpace(opts.line) // shells eat "!" in interactive use
	}
	return opts, nil
}

// load reads the params and state files and parses the command line.
func (o *runOptions) load() (integration.Execution, *integration.Store, error) {
	name, args, err := integration.ParseWarRoom(o.line)
	if err != nil {
		return integration.Execution{}, nil, err
	}
	params := map[string]any{}
	if o.paramsFile != "" {
		b, err := os.ReadFile(o.paramsFile)
		if err != nil {
			return integration.Execution{}, nil, fmt.Errorf("read params: %w", err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if err := dec.Decode(&params); err != nil {
			return integration.Execution{}, nil, fmt.Errorf("params file %s must hold a JSON object: %w", o.paramsFile, err)
		}
	}
	store := &integration.Store{}
	if o.stateFile != "" {
		if store, err = integration.LoadStore(o.stateFile); err != nil {
			return integration.Execution{}, nil, err
		}
	}
	ex := integration.Execution{Command: name, Params: params, Args: map[string]any{}, InvestigationID: "run"}
	for k, v := range args {
		ex.Args[k] = v
	}
	return ex, store, nil
}

// print writes the entries for a human: readable output to stdout, errors to stderr.
func (a *app) print(out *integration.Outcome, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		entries := out.Entries
		if entries == nil {
			entries = []integration.Entry{}
		}
		if err := enc.Encode(entries); err != nil {
			return err
		}
	} else {
		for _, e := range out.Entries {
			if e.Type == integration.EntryError {
				fmt.Fprintf(a.stderr, "Error: %s\n", readable(e))
				continue
			}
			fmt.Fprintln(a.stdout, readable(e))
		}
	}
	if out.Exception != "" {
		fmt.Fprintf(a.stderr, "Exception: %s\n", out.Exception)
	}
	return nil
}

// readable is an entry as the War Room shows it: HumanReadable, else text Contents, else
// the Contents as indented JSON.
func readable(e integration.Entry) string {
	if e.HumanReadable != "" {
		return e.HumanReadable
	}
	if s, ok := e.Contents.(string); ok {
		return s
	}
	b, err := json.MarshalIndent(e.Contents, "", "  ")
	if err != nil {
		return fmt.Sprint(e.Contents)
	}
	return string(b)
}
