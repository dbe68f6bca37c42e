package exoclient

import (
	"context"
	"errors"
	"sync"

	"github.com/o365auditlog/o365auditlog/msclient"
)

// callGate keeps the calls in flight within what the tenant accepts. Exchange Online
// refuses a call beyond its limit of concurrent requests per tenant (a 429 naming it),
// and a refused call costs a round trip and a wait: so the gate is open until the first
// such refusal, then admits one call fewer than were in flight when it came. Other
// programs using the tenant share its limit, so their calls can cause a refusal too:
// after raiseAfter calls per admitted call without one, the gate admits one more.
type callGate struct {
	mu       sync.Mutex
	inflight int
	limit    int           // 0 = no limit known
	accepted int           // calls accepted since the limit last changed
	freed    chan struct{} // closed (and replaced) when a call leaves
}

// raiseAfter is how many calls per admitted call pass without a refusal before the gate
// admits one more.
const raiseAfter = 16

func newCallGate() *callGate { return &callGate{freed: make(chan struct{})} }

// enter waits until one more call may be in flight, or ctx ends.
func (g *callGate) enter(ctx context.Context) error {
	for {
		g.mu.Lock()
		if g.limit == 0 || g.inflight < g.limit {
			g.inflight++
			g.mu.Unlock()
			return nil
		}
		freed := g.freed
		g.mu.Unlock()
		select {
		case <-freed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// leave ends a call that entered; refused says whether the tenant refused it for its
// limit of concurrent requests. The other calls in flight were accepted, so the limit is
// at most their number. (Refusals of one burst arrive together: each leaves in turn,
// so the last one counts only the calls accepted.)
func (g *callGate) leave(refused bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case refused:
		if l := max(1, g.inflight-1); g.limit == 0 || l < g.limit {
			g.limit = l
		}
		g.accepted = 0
	case g.limit > 0:
		if g.accepted++; g.accepted >= raiseAfter*g.limit {
			g.limit++
			g.accepted = 0
		}
	}
	g.inflight--
	close(g.freed)
	g.freed = make(chan struct{})
}

// current is the limit learnt, 0 when none.
func (g *callGate) current() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.limit
}

// concurrencyRefused reports whether err is the service refusing a call for its limit of
// concurrent requests per tenant (its throttling text), as opposed to a rate limit.
func concurrencyRefused(err error) bool {
	var apiErr *msclient.APIError
	return errors.As(err, &apiErr) && apiErr.Throttling
}
