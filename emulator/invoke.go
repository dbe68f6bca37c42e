package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// invokeBody is the InvokeCommand request body.
type invokeBody struct {
	CmdletInput struct {
		CmdletName string                     `json:"CmdletName"`
		Parameters map[string]json.RawMessage `json:"Parameters"`
	} `json:"CmdletInput"`
}

const searchCmdlet = "Search-UnifiedAuditLog"

func (e *Emulator) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{tenant}/v2.0/.well-known/openid-configuration", e.handleOpenIDConfig)
	mux.HandleFunc("GET /{tenant}/.well-known/openid-configuration", e.handleOpenIDConfig)
	mux.HandleFunc("GET /common/discovery/instance", e.handleInstanceDiscovery)
	mux.HandleFunc("GET /{tenant}/discovery/v2.0/keys", e.handleJWKS)
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", e.handleToken)
	mux.HandleFunc("POST /adminapi/beta/{org}/InvokeCommand", e.handleInvoke)
	e.graphRoutes(mux)
	e.controlRoutes(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, graphPrefix+"/") {
			e.graphNoResource(w, r)
			return
		}
		e.writeFailure(w, &httpErr{status: http.StatusNotFound, code: "NotFound", msg: fmt.Sprintf("No resource at %s %s.", r.Method, r.URL.Path)})
	})
	return mux
}

func (e *Emulator) handleInvoke(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		e.writeFailure(w, &httpErr{status: http.StatusBadRequest, code: "BadRequest", msg: "The request body could not be read."})
		return
	}
	e.recordRequest(r, body)
	// The slot is held for the whole call, latency included, as a slow service holds it.
	release, ok := e.enterTenant(r.PathValue("org"))
	if !ok {
		e.countFault("tenant-concurrency-limit")
		e.writeFailure(w, concurrencyRefusal())
		return
	}
	defer release()
	e.sleep(r, e.opts.Latency)
	status := e.invoke(w, r, body)
	e.logf("InvokeCommand %s -> %d in %s", r.URL.RequestURI(), status, time.Since(start).Round(time.Millisecond))
}

// sleep waits d. A client that goes away first gets no answer at all: returning from the
// handler would write an empty 200, which a client racing its own timeout can still read
// (net/http delivers a response that lands as the request is cancelled).
func (e *Emulator) sleep(r *http.Request, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
		panic(http.ErrAbortHandler)
	}
}

// enterTenant admits a call under the per-tenant concurrency limit.
func (e *Emulator) enterTenant(org string) (func(), bool) {
	key := strings.ToLower(org)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.opts.TenantConcurrency > 0 && e.inflight[key] >= e.opts.TenantConcurrency {
		return nil, false
	}
	e.inflight[key]++
	e.stats.MaxInFlight = max(e.stats.MaxInFlight, e.inflight[key])
	return func() {
		e.mu.Lock()
		e.inflight[key]--
		e.mu.Unlock()
	}, true
}

// invoke runs one InvokeCommand call and returns the HTTP status it answered.
func (e *Emulator) invoke(w http.ResponseWriter, r *http.Request, body []byte) int {
	a, why := e.checkAccessToken(r.Header.Get("Authorization"))
	if a == nil {
		e.writeUnauthorized(w, why)
		return http.StatusUnauthorized
	}
	if !e.resolveTenant(r.PathValue("org")) {
		e.writeUnauthorized(w, "the organization '"+r.PathValue("org")+"' is not the token's tenant")
		return http.StatusUnauthorized
	}
	in, f := checkCmdlet(r, body)
	if f != nil {
		e.writeFailure(w, f)
		return f.status
	}
	if !a.auditRole {
		e.writeForbidden(w, a)
		return http.StatusForbidden
	}
	fault := e.faults.draw()
	if fault == FaultSlow {
		// L8: the call takes long, then answers normally.
		e.countFault(fault)
		e.sleep(r, e.opts.SlowDelay)
		fault = ""
	}
	if st, done := e.preFault(w, r, fault); done {
		return st
	}
	page, perr := e.page(r, in.Parameters, fault)
	if perr != nil {
		e.writeFailure(w, perr)
		return perr.status
	}
	return e.respond(w, page, fault)
}

type cmdletInput = struct {
	CmdletName string                     `json:"CmdletName"`
	Parameters map[string]json.RawMessage `json:"Parameters"`
}

// checkCmdlet decodes the body and refuses anything but Search-UnifiedAuditLog.
func checkCmdlet(r *http.Request, body []byte) (*cmdletInput, *httpErr) {
	bad := func(format string, args ...any) *httpErr {
		return &httpErr{status: http.StatusBadRequest, code: "BadRequest", msg: fmt.Sprintf(format, args...)}
	}
	var in invokeBody
	if err := json.Unmarshal(body, &in); err != nil || in.CmdletInput.CmdletName == "" {
		return nil, bad("The request body must be {\"CmdletInput\":{\"CmdletName\":…,\"Parameters\":{…}}}.")
	}
	name := in.CmdletInput.CmdletName
	if h := r.Header.Get("X-CmdletName"); h != "" && !strings.EqualFold(h, name) {
		return nil, bad("The X-CmdletName header (%s) does not match the CmdletName in the body (%s).", h, name)
	}
	if !strings.EqualFold(name, searchCmdlet) {
		return nil, bad("The term '%s' is not recognized as a name of a cmdlet, function, script file, or executable program.", name)
	}
	return &in.CmdletInput, nil
}

func concurrencyRefusal() *httpErr {
	return &httpErr{status: http.StatusTooManyRequests, code: "TooManyRequests", msg: concurrencyMessage, exType: exThrottling, shape: shapeInner}
}

// preFault answers faults the front door raises before the cmdlet runs (nothing consumed).
func (e *Emulator) preFault(w http.ResponseWriter, r *http.Request, fault string) (int, bool) {
	switch fault {
	case FaultThrottle:
		w.Header().Set("Retry-After", "1")
		fallthrough
	case FaultThrottleNoRetryAfter:
		e.countFault(fault)
		e.writeFailure(w, &httpErr{status: http.StatusTooManyRequests, code: "TooManyRequests", msg: "The request was throttled. Please retry after some time.", exType: exThrottling, shape: shapeDetails})
		return http.StatusTooManyRequests, true
	case FaultConcurrency:
		e.countFault(fault)
		e.writeFailure(w, concurrencyRefusal())
		return http.StatusTooManyRequests, true
	case FaultUnavailable:
		e.countFault(fault)
		writeGatewayPage(w, http.StatusServiceUnavailable)
		return http.StatusServiceUnavailable, true
	case FaultCanceled:
		// L3: a failure dressed as an empty success; the session does not move.
		e.countFault(fault)
		p := &pageOut{live: true, context: e.metadataContext(r.PathValue("org")), warnings: []string{canceledWarning}}
		writePage(w, p.encode())
		return http.StatusOK, true
	case FaultTransient:
		e.countFault(fault)
		f := e.transientRefusal()
		e.writeFailure(w, f)
		return f.status, true
	}
	return 0, false
}

// transientRefusal names the next transient exception of L6, as 400 and 500 in turn: the
// exception is in details at 400 and in the internal exception at 500.
func (e *Emulator) transientRefusal() *httpErr {
	e.mu.Lock()
	n := e.transientSeq
	e.transientSeq++
	e.mu.Unlock()
	ex := transientExceptions[n%len(transientExceptions)]
	f := &httpErr{status: http.StatusBadRequest, code: "BadRequest", msg: ex.text, exType: ex.typ, shape: shapeDetails}
	if n%2 == 1 {
		f.status, f.code, f.shape = http.StatusInternalServerError, "InternalServerError", shapeInner
	}
	if !e.live() {
		f.msg = ex.typ + ": " + ex.text // the tidy body has no place for the type
	}
	return f
}

func (e *Emulator) metadataContext(org string) string {
	return e.URL() + "/adminapi/beta/" + org + "/$metadata#Collection(Exchange.GenericHashTable)"
}

// respond writes a page, or loses it to a fault raised after the cmdlet ran: the session has
// moved on, so the client cannot get those rows back from it.
func (e *Emulator) respond(w http.ResponseWriter, p *pageOut, fault string) int {
	switch fault {
	case FaultServerError:
		e.countFault(fault)
		e.writeFailure(w, &httpErr{status: http.StatusInternalServerError, code: "InternalServerError", msg: "An internal server error occurred. The operation failed.", exType: exInternalError, shape: shapeDetails})
		return http.StatusInternalServerError
	case FaultBadGateway, FaultGatewayTimeout:
		e.countFault(fault)
		st := map[string]int{FaultBadGateway: http.StatusBadGateway, FaultGatewayTimeout: http.StatusGatewayTimeout}[fault]
		writeGatewayPage(w, st)
		return st
	case FaultReset:
		e.countFault(fault)
		resetConnection(w)
		return 0
	}
	b := p.encode()
	if fault == FaultTruncate {
		e.countFault(fault)
		b = b[:len(b)/2]
	}
	writePage(w, b)
	e.countPage(len(p.rows))
	return http.StatusOK
}

func writePage(w http.ResponseWriter, b []byte) {
	w.Header().Set("Content-Type", "application/json; odata.metadata=minimal; odata.streaming=true; charset=utf-8")
	w.Header().Set("Content-Length", itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// resetConnection closes the connection without any response: a hijacked HTTP/1.1 socket is
// closed, an HTTP/2 stream is reset.
func resetConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// pageOut is one response: rows and, when split, the link to the rest.
type pageOut struct {
	live     bool // the L2 envelope: warnings, and no value when there are no rows
	context  string
	warnings []string
	rows     [][]byte
	nextLink string
}

func (p *pageOut) encode() []byte {
	var b bytes.Buffer
	// Sized up front: a page of 5,000 rows is megabytes, and growing it by doubling cost
	// the emulator more CPU than rendering the rows (it competes with the plugin in benches).
	size := 512 + 2*len(p.context) + 2*len(p.nextLink)
	for _, r := range p.rows {
		size += len(r) + 1
	}
	for _, s := range p.warnings {
		size += 2*len(s) + 3
	}
	b.Grow(size)
	b.WriteString(`{"@odata.context":`)
	b.Write(appendJSONString(nil, p.context))
	if p.live {
		b.WriteString(`,"adminapi.warnings@odata.type":"#Collection(String)","@adminapi.warnings":[`)
		for i, s := range p.warnings {
			if i > 0 {
				b.WriteByte(',')
			}
			b.Write(appendJSONString(nil, s))
		}
		b.WriteByte(']')
	}
	if !p.live || len(p.rows) > 0 {
		b.WriteString(`,"value":[`)
		for i, r := range p.rows {
			if i > 0 {
				b.WriteByte(',')
			}
			b.Write(r)
		}
		b.WriteByte(']')
	}
	if p.nextLink != "" {
		b.WriteString(`,"@odata.nextLink":`)
		b.Write(appendJSONString(nil, p.nextLink))
	}
	b.WriteByte('}')
	return b.Bytes()
}

func itoa(n int) string {
	return string(appendInt(nil, n))
}

func appendInt(b []byte, n int) []byte {
	if n == 0 {
		return append(b, '0')
	}
	var tmp [20]byte
	i := len(tmp)
	neg := n < 0
	if neg {
		n = -n
	}
	for n > 0 {
		i--
		tmp[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		tmp[i] = '-'
	}
	return append(b, tmp[i:]...)
}
