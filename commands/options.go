package commands

import (
	"errors"
	"log/slog"
	"time"

	"github.com/o365auditlog/o365auditlog/auditsearch"
)

// Client is what the handlers search through (a backend: *exoclient.Client). Tests
// substitute a fake through Options.NewClient. A client that also implements
// auditsearch.Streamer streams as_file searches window by window.
type Client = auditsearch.Client

// Options are the handlers' dependencies. The zero value means the defaults documented on
// each field.
type Options struct {
	// Now is the clock that relative dates and the default end_date count from; nil means
	// time.Now.
	Now func() time.Time
	// NewClient builds the client from validated params; nil means exoclient.New with
	// default options and Logger. It is called only after params and args validate.
	NewClient func(cfg auditsearch.Config) (Client, error)
	// NewGraph builds the Graph backend from validated params, submitting through budget;
	// nil means the graphclient package's. Called only when a search goes to Graph.
	NewGraph func(cfg auditsearch.Config, budget auditsearch.Budget) (GraphClient, error)
	// GraphFirstPause is the first pause between status checks of Graph queries a command
	// waits for (then growing toward a minute); 0 means 5 seconds.
	GraphFirstPause time.Duration
	// Progress, when set, hears of every search's progress (the `run` mode's progress
	// bar); nil means nobody does.
	Progress func(auditsearch.Progress)
	// Logger receives diagnostics (never secrets); nil means slog.Default().
	Logger *slog.Logger
	// Dir is where an as_file search keeps its temporary spill file (removed before the
	// command returns); "" means the current directory. The file entry's own bytes go
	// where the session stores them (integration.Session.WriteFile).
	Dir string
	// Deadline overrides every command's deadline (SearchDeadline, FetchDeadline,
	// TestModuleDeadline); 0 means those. Tests shorten it.
	Deadline time.Duration
}

// withDefaults fills the nil fields.
func (o Options) withDefaults() Options {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.NewClient == nil {
		logger := o.Logger
		o.NewClient = func(cfg auditsearch.Config) (Client, error) {
			return backends[auditsearch.BackendExchange](cfg, logger)
		}
	}
	if o.NewGraph == nil {
		logger := o.Logger
		o.NewGraph = func(cfg auditsearch.Config, budget auditsearch.Budget) (GraphClient, error) {
			return newGraphClient(cfg, budget, logger)
		}
	}
	return o
}

// explainedError carries the analyst's sentence for err while keeping err for errors.Is/As.
type explainedError struct {
	msg string
	err error
}

func (e *explainedError) Error() string { return e.msg }
func (e *explainedError) Unwrap() error { return e.err }

// explain turns a client error into the sentence an analyst reads (Explain). An error
// worded already (the export sink's own, a Graph step's) keeps its sentence, whatever
// wrapped it on the way; a polling step passes as it is.
func explain(err error) error {
	if ee := (*explainedError)(nil); errors.As(err, &ee) {
		return ee
	}
	if sched := (*scheduledError)(nil); errors.As(err, &sched) {
		return err
	}
	return &explainedError{msg: Explain(err), err: err}
}
