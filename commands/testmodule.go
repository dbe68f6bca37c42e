package commands

import (
	"context"

	"github.com/o365auditlog/o365auditlog/integration"
)

// testModule checks the instance: params valid, a token obtained and one cheap search call
// allowed (so a missing audit role shows at configuration time, unlike the original). Graph
// is checked too (the token's roles): with backend=graph a missing AuditLogsQuery.Read.All
// fails the test; with auto it is only logged, since auto then stays on Exchange Online.
func (h handlers) testModule(ctx context.Context, req *integration.Request, s integration.Session) error {
	in, err := h.prepare(req, s)
	if err != nil {
		return err
	}
	// Graph's check (a token of its own) runs beside Exchange's, so that test-module takes
	// the time of the slower of the two, not of both.
	graphErr := make(chan error, 1)
	if in.Backend != BackendExchange {
		go func() {
			g, err := h.NewGraph(in.Config, &graphBudget{session: s, limit: in.GraphDailyQueries, now: h.Now})
			if err == nil {
				err = g.Ping(ctx)
			}
			graphErr <- err
		}()
	} else {
		graphErr <- nil
	}
	client, err := h.NewClient(in.Config)
	if err == nil {
		err = client.Ping(ctx)
	}
	gerr := <-graphErr
	if err != nil {
		return explain(err)
	}
	switch {
	case gerr != nil && in.Backend == BackendGraph:
		return explain(gerr)
	case gerr != nil:
		h.Logger.WarnContext(ctx, "Microsoft Graph audit queries are not usable: backend=auto stays on Exchange Online",
			"reason", Explain(gerr))
	}
	return s.Results(integration.TextEntry("ok"))
}
