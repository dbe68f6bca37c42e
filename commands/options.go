package commands

import (
	"context"
	"log/slog"
	"time"

	"github.com/o365auditlog/o365auditlog/exoclient"
)

// Client is what the handlers need from Exchange Online; *exoclient.Client implements it.
// Tests substitute a fake through Options.NewClient.
type Client interface {
	// Search runs one o365-auditlog-search query to completion.
	Search(ctx context.Context, q exoclient.Query) (*exoclient.Result, error)
	// Ping gets a token and makes one cheap search call.
	Ping(ctx context.Context) error
}

// Options are the handlers' dependencies. The zero value means the defaults documented on
// each field.
type Options struct {
	// Now is the clock that relative dates and the default end_date count from; nil means
	// time.Now.
	Now func() time.Time
	// NewClient builds the client from validated params; nil means exoclient.New with
	// default options and Logger. It is called only after params and args validate.
	NewClient func(cfg exoclient.Config) (Client, error)
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
		o.NewClient = func(cfg exoclient.Config) (Client, error) { return newExoClient(cfg, logger) }
	}
	return o
}

// newExoClient builds the real client, sharing the handlers' logger. The client keeps its own
// wall clock: certificate validity must not follow a clock injected for date arithmetic.
func newExoClient(cfg exoclient.Config, logger *slog.Logger) (Client, error) {
	c, err := exoclient.New(cfg, &exoclient.Options{Logger: logger})
	if err != nil {
		return nil, err // never a typed nil inside the interface
	}
	return c, nil
}

// explainedError carries the analyst's sentence for err while keeping err for errors.Is/As.
type explainedError struct {
	msg string
	err error
}

func (e *explainedError) Error() string { return e.msg }
func (e *explainedError) Unwrap() error { return e.err }

// explain turns a client error into the sentence an analyst reads (exoclient.Explain).
func explain(err error) error {
	return &explainedError{msg: exoclient.Explain(err), err: err}
}
