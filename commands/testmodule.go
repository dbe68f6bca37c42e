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
	client, err := h.NewClient(in.Config)
	if err != nil {
		return explain(err)
	}
	if err := client.Ping(ctx); err != nil {
		return explain(err)
	}
	if in.Backend != BackendExchange {
		g, err := h.NewGraph(in.Config, &graphBudget{session: s, limit: in.GraphDailyQueries, now: h.Now})
		if err == nil {
			err = g.Ping(ctx)
		}
		switch {
		case err != nil && in.Backend == BackendGraph:
			return explain(err)
		case err != nil:
			h.Logger.WarnContext(ctx, "Microsoft Graph audit queries are not usable: backend=auto stays on Exchange Online",
				"reason", Explain(err))
		}
	}
	return s.Results(integration.TextEntry("ok"))
}
