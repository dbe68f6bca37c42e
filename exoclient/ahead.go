package exoclient

import (
	"bytes"
	"context"
	"sync"

	"github.com/o365auditlog/o365auditlog/auditsearch"
)

// A session's calls are sequential: the service advances the session once per call. But
// a call's answer is complete once its body has arrived, and decoding that body (a
// 5,000-row page) takes a good part of a call's latency. So a session may send its next
// call as soon as the previous body is read, while it is decoded (issue 15): at one
// worker the export then pays the service's latency alone. The call sent ahead is wasted
// if the page turns out to end or break the session, so it is only sent when that cannot
// happen while all goes well (mayCallAhead), and it is cancelled and its answer
// discarded when it does happen: the session then ends exactly as it would have.

// answeredKey is the context key of the function withAnswered sets.
type answeredKey struct{}

// withAnswered returns ctx carrying f (nil: none). Client.SearchPage calls f, from the
// goroutine making the call, when the response of a session call has arrived whole with
// status 200, before decoding it, unless it holds a continuation (@odata.nextLink): the
// service has then answered the call and may take the session's next one. After f, the
// call is not retried in place (see post).
func withAnswered(ctx context.Context, f func()) context.Context {
	return context.WithValue(ctx, answeredKey{}, f)
}

// answered calls the function ctx carries (withAnswered) for a body read whole.
func answered(ctx context.Context, body []byte) {
	if f, _ := ctx.Value(answeredKey{}).(func()); f != nil && !hasNextLink(body) {
		f()
	}
}

// nextLinkKey is how a continuation starts in a body. Inside a string (AuditData) its
// quotes are escaped, so a match is a member; a false one only costs the overlap.
var nextLinkKey = []byte(`"@odata.nextLink"`)

// hasNextLink reports whether body may hold an @odata.nextLink member: its key followed
// by a colon.
func hasNextLink(body []byte) bool {
	for i := 0; ; {
		j := bytes.Index(body[i:], nextLinkKey)
		if j < 0 {
			return false
		}
		i += j + len(nextLinkKey)
		if k := skipSpace(body, i); k < len(body) && body[k] == ':' {
			return true
		}
	}
}

// mayCallAhead reports whether the call after call number call of run may be sent while
// its page is decoded without costing a call when all goes well: the session's
// ResultCount is credible (known from its first page, so never during the first call)
// and the page is to be full and not the last (the rows before it plus one page stay
// under the count claimed and under the cap).
func (s *searcher) mayCallAhead(run sessionRun, call int) bool {
	return s.callsAhead() && call > 1 && s.counts.credible() &&
		len(run.rows)+run.size < min(run.claimed, s.limits.cap)
}

// callsAhead is the rule: calls are sent ahead at max_concurrency 1, where the export
// waits for every decode. With more workers the two cores are busy decoding anyway, and
// more calls in flight would hold more pages in memory.
func (s *searcher) callsAhead() bool { return s.maxConcurrency == 1 && !s.noCallAhead }

// sessionCall is one session call in flight in a goroutine of its own.
type sessionCall struct {
	cancel context.CancelFunc
	read   chan struct{} // closed when the answer has arrived, before it is decoded
	done   chan struct{} // closed when page and err are set
	page   []auditsearch.Record
	err    error
}

// startCall sends p (counted).
func (s *searcher) startCall(ctx context.Context, p SearchParams) *sessionCall {
	ctx, cancel := context.WithCancel(ctx)
	c := &sessionCall{cancel: cancel, read: make(chan struct{}), done: make(chan struct{})}
	if s.callsAhead() {
		var once sync.Once
		ctx = withAnswered(ctx, func() { once.Do(func() { close(c.read) }) })
	}
	go func() {
		defer close(c.done)
		c.page, c.err = s.searchPage(ctx, p)
	}()
	return c
}

// answered waits until the call's answer has arrived (true) or the call is over (false).
func (c *sessionCall) answered() bool {
	select {
	case <-c.read:
		return true
	case <-c.done:
		return false
	}
}

// wait returns the call's page.
func (c *sessionCall) wait() ([]auditsearch.Record, error) {
	<-c.done
	c.cancel()
	return c.page, c.err
}

// abandon cancels the call, if any, and waits for it to end; its answer is discarded.
func (c *sessionCall) abandon() {
	if c != nil {
		c.cancel()
		<-c.done
	}
}
