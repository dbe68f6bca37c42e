package commands

import (
	"log/slog"

	"github.com/o365auditlog/o365auditlog/auditsearch"
	"github.com/o365auditlog/o365auditlog/exoclient"
)

// backends are the search backends by their name in auditsearch.Result.Backend (and in
// the summary's Backend): the one place a backend registers. A backend is a package that
// implements auditsearch.Client (and auditsearch.Streamer to stream exports) over msclient's
// plumbing; the default client is the Exchange Online one.
var backends = map[string]func(cfg auditsearch.Config, logger *slog.Logger) (Client, error){
	auditsearch.BackendExchange: newExoClient,
}

// newExoClient builds the Exchange Online client, sharing the handlers' logger. The client
// keeps its own wall clock: certificate validity must not follow a clock injected for date
// arithmetic.
func newExoClient(cfg auditsearch.Config, logger *slog.Logger) (Client, error) {
	c, err := exoclient.New(cfg, &exoclient.Options{Logger: logger})
	if err != nil {
		return nil, err // never a typed nil inside the interface
	}
	return c, nil
}
