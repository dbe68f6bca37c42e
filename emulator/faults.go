package emulator

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
)

// Fault names (DESIGN §6).
const (
	FaultThrottle             = "throttle"
	FaultThrottleNoRetryAfter = "throttle-no-retry-after"
	FaultConcurrency          = "concurrency"
	FaultServerError          = "server-error"
	FaultBadGateway           = "bad-gateway"
	FaultUnavailable          = "unavailable"
	FaultGatewayTimeout       = "gateway-timeout"
	FaultReset                = "reset"
	FaultTruncate             = "truncate"
	FaultDuplicate            = "duplicate"
	FaultBogusPage            = "bogus-page"
	FaultTokenError           = "token-error"
	FaultCanceled             = "canceled"  // L3: 200, no rows, "A task was canceled" warning
	FaultTransient            = "transient" // L6: a transient exception as 400 or 500
	FaultSlow                 = "slow"      // L8: the call answers after Options.SlowDelay
	// FaultGraphFail makes a Graph audit query end with status failed (drawn at its create).
	FaultGraphFail = "graph-fail"
	// FaultGraphThrottle answers a Graph call with 429 + Retry-After (drawn for every call).
	FaultGraphThrottle = "graph-throttle"
)

// FaultNames lists every fault in the order draws consider them. New faults go at the end, so
// that a seed draws the older faults for the same calls as before.
var FaultNames = []string{FaultThrottle, FaultThrottleNoRetryAfter, FaultConcurrency, FaultServerError,
	FaultBadGateway, FaultUnavailable, FaultGatewayTimeout, FaultReset, FaultTruncate, FaultDuplicate,
	FaultBogusPage, FaultTokenError, FaultCanceled, FaultTransient, FaultSlow, FaultGraphFail, FaultGraphThrottle}

// invokeFault reports whether InvokeCommand calls draw the fault n: the token endpoint and
// Graph draw theirs from streams of their own, so their rates do not count against the 1 that
// InvokeCommand's rates share.
func invokeFault(n string) bool {
	switch n {
	case FaultTokenError, FaultGraphFail, FaultGraphThrottle:
		return false
	}
	return true
}

// concurrencyMessage is the service's text when a tenant has too many calls in flight.
const concurrencyMessage = "The request was throttled because the tenant has exceeded the maximum number of concurrent requests per tenant. Please retry after some time."

func validateFaults(f map[string]float64) error {
	known := map[string]bool{}
	for _, n := range FaultNames {
		known[n] = true
	}
	sum := 0.0
	names := make([]string, 0, len(f))
	for n := range f {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		r := f[n]
		if !known[n] {
			return fmt.Errorf("emulator: unknown fault %q (known: %v)", n, FaultNames)
		}
		if r < 0 || r > 1 {
			return fmt.Errorf("emulator: fault %s rate %v is outside 0–1", n, r)
		}
		if invokeFault(n) {
			sum += r
		}
	}
	if sum > 1.0000001 {
		return fmt.Errorf("emulator: InvokeCommand fault rates add up to %v, more than 1", sum)
	}
	return nil
}

// faultPlan draws at most one fault per call from a seeded stream: the sequence of draws is
// deterministic, which calls get them depends only on arrival order.
type faultPlan struct {
	mu sync.Mutex
	r  *rand.Rand
	tr *rand.Rand
	gr *rand.Rand // Graph's draws
	// forcedGraph counts Graph faults InjectGraph queued, by name.
	forcedGraph map[string]int
	rates       map[string]float64
	forced      []string
}

func newFaultPlan(seed int64, rates map[string]float64) *faultPlan {
	cp := map[string]float64{}
	for k, v := range rates {
		cp[k] = v
	}
	return &faultPlan{r: rand.New(rand.NewPCG(uint64(seed), 0xfa017)), tr: rand.New(rand.NewPCG(uint64(seed), 0x70ce)),
		gr: rand.New(rand.NewPCG(uint64(seed), 0x62a9)), rates: cp}
}

// draw picks the fault, if any, for one InvokeCommand call.
func (p *faultPlan) draw() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.forced) > 0 {
		f := p.forced[0]
		p.forced = p.forced[1:]
		return f
	}
	if len(p.rates) == 0 {
		return ""
	}
	u := p.r.Float64()
	cum := 0.0
	for _, n := range FaultNames {
		if !invokeFault(n) {
			continue
		}
		cum += p.rates[n]
		if u < cum {
			return n
		}
	}
	return ""
}

func (p *faultPlan) drawToken() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if r := p.rates[FaultTokenError]; r > 0 && p.tr.Float64() < r {
		return FaultTokenError
	}
	return ""
}

// drawGraph reports whether a Graph event hits the fault n (FaultGraphFail or
// FaultGraphThrottle), drawn from Graph's own seeded stream.
func (p *faultPlan) drawGraph(n string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.forcedGraph[n] > 0 {
		p.forcedGraph[n]--
		return true
	}
	r := p.rates[n]
	return r > 0 && p.gr.Float64() < r
}

// InjectGraph makes Graph meet these faults before any drawn by rate: each FaultGraphThrottle
// answers the next Graph call with 429, each FaultGraphFail makes the next query created end
// failed. Tests use it to hit one fault exactly.
func (e *Emulator) InjectGraph(faults ...string) error {
	p := e.faults
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, f := range faults {
		if f != FaultGraphFail && f != FaultGraphThrottle {
			return fmt.Errorf("emulator: %q is not a Graph fault", f)
		}
		if p.forcedGraph == nil {
			p.forcedGraph = map[string]int{}
		}
		p.forcedGraph[f]++
	}
	return nil
}

// SetFaults replaces the fault rates (names as in FaultNames).
func (e *Emulator) SetFaults(rates map[string]float64) error {
	if err := validateFaults(rates); err != nil {
		return err
	}
	p := e.faults
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rates = map[string]float64{}
	for k, v := range rates {
		p.rates[k] = v
	}
	return nil
}

// InjectNext makes the next InvokeCommand calls fail with these faults, in order, before any
// drawn by rate; tests use it to hit one fault exactly. "" means a call without a fault.
func (e *Emulator) InjectNext(faults ...string) {
	p := e.faults
	p.mu.Lock()
	defer p.mu.Unlock()
	p.forced = append(p.forced, faults...)
}

// DropInjected forgets the faults InjectNext queued that no call has met yet, so that a
// test's next case starts from its own.
func (e *Emulator) DropInjected() {
	p := e.faults
	p.mu.Lock()
	defer p.mu.Unlock()
	p.forced = nil
}
