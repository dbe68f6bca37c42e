package exoclient

import (
	"context"
	"errors"
	"sync"
)

// pageSizer decides how many rows a search asks for per call (ResultSize), shared by
// every worker of one search.
//
// Live tenants serve a call's rows in REST pages (1,000 rows seen) chained with
// @odata.nextLink, and may refuse every continuation (DESIGN §4b L4): the rest of the
// call is then lost. Asking for one REST page per call avoids continuations. The page
// size is only learnt from a refusal, so until the search knows whether a full-size call
// comes back whole, one call at a time may ask for the full size (the probe) and the
// others wait for its outcome: a refusal costs at most one call per search.
type pageSizer struct {
	mu      sync.Mutex
	size    int
	settled bool          // size is known to come back whole
	probing bool          // a call of the current size is in flight
	wake    chan struct{} // closed when the probe ends
}

func newPageSizer(size int) *pageSizer {
	return &pageSizer{size: size, wake: make(chan struct{})}
}

// acquire returns the size for the next call and whether this call is the probe (it
// must then call done). It waits while another call probes.
func (p *pageSizer) acquire(ctx context.Context) (size int, probe bool, err error) {
	for {
		p.mu.Lock()
		if p.settled {
			size := p.size
			p.mu.Unlock()
			return size, false, nil
		}
		if !p.probing {
			p.probing = true
			size := p.size
			p.mu.Unlock()
			return size, true, nil
		}
		wake := p.wake
		p.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return 0, false, context.Cause(ctx)
		}
	}
}

// current is the size without waiting (for calls whose answer settles nothing).
func (p *pageSizer) current() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.size
}

// done ends a probe of size asked: rows came back (err nil) or the call failed.
func (p *pageSizer) done(asked, rows int, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.observe(asked, rows, err)
	p.probing = false
	close(p.wake)
	p.wake = make(chan struct{})
}

// observe learns from any call: a refused continuation sets the size to the service's
// REST page; a full answer of the current size proves that size comes back whole.
func (p *pageSizer) observe(asked, rows int, err error) {
	if refused := asRefused(err); refused != nil && refused.PageRows > 0 {
		p.size = min(p.size, refused.PageRows)
		p.settled = true
		return
	}
	if err == nil && asked >= p.size && rows >= p.size {
		p.settled = true
	}
}

// learn is observe for a call that was not the probe.
func (p *pageSizer) learn(asked, rows int, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	wasSettled := p.settled
	p.observe(asked, rows, err)
	if !wasSettled && p.settled {
		close(p.wake)
		p.wake = make(chan struct{})
	}
}

// asRefused is the *ContinuationRefusedError in err's chain, or nil.
func asRefused(err error) *ContinuationRefusedError {
	var refused *ContinuationRefusedError
	if errors.As(err, &refused) {
		return refused
	}
	return nil
}
