package commands

import (
	"context"

	"github.com/o365auditlog/o365auditlog/integration"
)

// testModule checks the instance: params valid, a token obtained and one cheap search call
// allowed (so a missing audit role shows at configuration time, unlike the original).
func (h handlers) testModule(ctx context.Context, req *integration.Request, s integration.Session) error {
	cfg, err := h.prepare(req, s)
	if err != nil {
		return err
	}
	client, err := h.NewClient(cfg)
	if err != nil {
		return explain(err)
	}
	if err := client.Ping(ctx); err != nil {
		return explain(err)
	}
	return s.Results(integration.TextEntry("ok"))
}
