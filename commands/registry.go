package commands

import (
	"context"
	"errors"

	"github.com/o365auditlog/o365auditlog/integration"
)

// NOTE: skeleton; the search issue (#5) fills the handlers.

// Registry returns every command the integration answers.
func Registry() integration.Registry {
	notYet := func(context.Context, *integration.Request, integration.Session) error {
		return errors.New("not implemented yet")
	}
	return integration.Registry{
		"test-module":          {Name: "test-module", Run: notYet},
		"o365-auditlog-search": {Name: "o365-auditlog-search", Run: notYet},
	}
}
