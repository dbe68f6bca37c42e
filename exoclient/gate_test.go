package exoclient

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tenantLimit answers like a tenant that takes at most limit calls at once: beyond it,
// the 429 that names the per-tenant limit of concurrent requests. It records the most
// calls it ever held and how many it refused.
type tenantLimit struct {
	limit             int
	inflight, most    atomic.Int32
	refused, accepted atomic.Int32
}

func (l *tenantLimit) serve(w http.ResponseWriter, r *http.Request) {
	n := l.inflight.Add(1)
	defer l.inflight.Add(-1)
	if int(n) > l.limit {
		l.refused.Add(1)
		status(429, `{"error":{"code":"TooManyRequests","message":"The request was throttled because the tenant has exceeded the maximum number of concurrent requests per tenant. Please retry after some time."}}`, "Retry-After", "1")(w, r)
		return
	}
	for m := l.most.Load(); n > m && !l.most.CompareAndSwap(m, n); m = l.most.Load() {
	}
	l.accepted.Add(1)
	time.Sleep(20 * time.Millisecond)
	okPage(w, r)
}

// TestCallGateLearnsTheTenantLimit: 8 callers against a tenant taking 3 calls at once.
// The first refusals set the gate to the calls that were accepted beside them, so the
// refusals stop there (one wave at most, never one per call) and every call succeeds.
// 40 calls stay below the 48 after which the gate would try one call more.
func TestCallGateLearnsTheTenantLimit(t *testing.T) {
	tenant := &tenantLimit{limit: 3}
	env := newEnv(t, tenant.serve)
	c := env.client(nil)
	const callers, rounds = 8, 5
	var wg sync.WaitGroup
	errs := make(chan error, callers*rounds)
	for range callers {
		wg.Go(func() {
			for range rounds {
				_, err := c.SearchPage(context.Background(), testParams())
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	assert.Equal(t, int32(callers*rounds), tenant.accepted.Load())
	assert.LessOrEqual(t, tenant.refused.Load(), int32(callers-tenant.limit), "refusals after the limit was learnt")
	assert.Positive(t, tenant.refused.Load(), "the limit never refused a call: the test shows nothing")
	assert.Equal(t, tenant.limit, c.gate.current())
	assert.Contains(t, env.logText(), "fewer calls in flight from now on")
}

// TestCallGate covers the gate alone: open until a refusal, then one call fewer than
// were in flight with the refused one; one more after raiseAfter calls per admitted call
// pass without a refusal; a waiting enter ends with its context.
func TestCallGate(t *testing.T) {
	g := newCallGate()
	ctx := context.Background()
	for range 5 {
		require.NoError(t, g.enter(ctx), "no limit before a refusal")
	}
	g.leave(true) // one of five was refused: four were accepted
	assert.Equal(t, 4, g.current())

	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, g.enter(short), context.DeadlineExceeded, "a fifth call waits while four are in flight")

	in := make(chan struct{})
	go func() {
		assert.NoError(t, g.enter(ctx))
		close(in)
	}()
	g.leave(false)
	<-in // a call leaving lets a waiting one in

	for range 4 {
		g.leave(false)
	}
	for range raiseAfter*4 - 6 {
		require.NoError(t, g.enter(ctx))
		g.leave(false)
	}
	assert.Equal(t, 4, g.current(), "one call short of raising")
	require.NoError(t, g.enter(ctx))
	g.leave(false)
	assert.Equal(t, 5, g.current(), "raised after raiseAfter calls per admitted call")

	require.NoError(t, g.enter(ctx))
	g.leave(true) // refused alone: the floor is one call
	assert.Equal(t, 1, g.current())
}
