package emulator

import (
	"cmp"
	"encoding/base64"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// graphPrefix is where Graph lives on the emulator's server (GraphURL).
const graphPrefix = "/graph"

// graphRoutes serves Microsoft Graph's audit log query API (DESIGN §4c) on both versions.
func (e *Emulator) graphRoutes(mux *http.ServeMux) {
	base := graphPrefix + "/{ver}/security/auditLog/queries"
	mux.HandleFunc("POST "+base, e.graphHandler(e.handleGraphCreate))
	mux.HandleFunc("GET "+base, e.graphHandler(e.handleGraphList))
	mux.HandleFunc("GET "+base+"/{id}", e.graphHandler(e.handleGraphGet))
	mux.HandleFunc("GET "+base+"/{id}/records", e.graphHandler(e.handleGraphRecords))
	mux.HandleFunc("DELETE "+base+"/{id}", e.graphHandler(e.handleGraphDelete))
}

// graphNoResource answers a path under GraphURL that the emulator does not serve, in Graph's
// error shape (a ServeMux pattern for it would conflict with the authority's {tenant} ones).
func (e *Emulator) graphNoResource(w http.ResponseWriter, r *http.Request) {
	e.writeGraphError(w, r, &graphError{status: http.StatusNotFound, code: "BadRequest",
		msg: fmt.Sprintf("Resource not found for the segment '%s'.", r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:])})
}

// graphError is a Graph error answer.
type graphError struct {
	status     int
	code, msg  string
	retryAfter time.Duration
}

func (e *Emulator) writeGraphError(w http.ResponseWriter, r *http.Request, ge *graphError) {
	if ge.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(ge.retryAfter.Seconds()))))
	}
	if ge.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="", authorization_uri="`+e.AuthURL()+`/common/oauth2/authorize", client_id="`+graphAppID+`"`)
	}
	writeJSON(w, ge.status, map[string]any{"error": map[string]any{
		"code": ge.code, "message": ge.msg,
		"innerError": map[string]any{"date": time.Now().UTC().Format("2006-01-02T15:04:05"),
			"request-id": uuid.NewString(), "client-request-id": cmp.Or(r.Header.Get("client-request-id"), uuid.NewString())},
	}})
}

// graphHandler checks what every Graph call needs: a known version, a Graph token holding
// AuditLogsQuery.Read.All, and no graph-throttle fault.
func (e *Emulator) graphHandler(h func(http.ResponseWriter, *http.Request, string) *graphError) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		e.countStat(&e.stats.GraphCalls)
		ver := r.PathValue("ver")
		ge := e.graphGate(r, ver)
		if ge == nil {
			ge = h(w, r, ver)
		}
		status := http.StatusOK
		if ge != nil {
			e.writeGraphError(w, r, ge)
			status = ge.status
		}
		e.logf("Graph %s %s -> %d in %s", r.Method, r.URL.RequestURI(), status, time.Since(start).Round(time.Millisecond))
	}
}

func (e *Emulator) graphGate(r *http.Request, ver string) *graphError {
	if ver != "v1.0" && ver != "beta" {
		return &graphError{status: http.StatusNotFound, code: "BadRequest", msg: fmt.Sprintf("Invalid version: %s", ver)}
	}
	roles, why := e.checkGraphToken(r.Header.Get("Authorization"))
	if roles == nil {
		return &graphError{status: http.StatusUnauthorized, code: "InvalidAuthenticationToken", msg: why}
	}
	if !hasRole(roles, PermissionAuditLogsQuery) {
		return &graphError{status: http.StatusForbidden, code: "Authorization_RequestDenied", msg: "Insufficient privileges to complete the operation."}
	}
	if e.faults.drawGraph(FaultGraphThrottle) {
		e.countFault(FaultGraphThrottle)
		return &graphError{status: http.StatusTooManyRequests, code: "TooManyRequests", msg: "Too many requests.", retryAfter: time.Second}
	}
	return nil
}

// checkGraphToken returns the roles of a bearer token issued for Graph, or why it is refused.
func (e *Emulator) checkGraphToken(header string) ([]string, string) {
	c, why := e.parseAccessToken(header)
	if c == nil {
		return nil, why
	}
	if !slices.ContainsFunc(c.Audience, e.graphAudience) {
		return nil, "Access token validation failure. Invalid audience."
	}
	if c.Roles == nil {
		return []string{}, ""
	}
	return c.Roles, ""
}

func (e *Emulator) handleGraphCreate(w http.ResponseWriter, r *http.Request, ver string) *graphError {
	if ver == "v1.0" && e.live() {
		// Live tenants in 2026 answered 404 to v1.0 creates even with the permission.
		e.countStat(&e.stats.GraphV1NotFound)
		return &graphError{status: http.StatusNotFound, code: "UnknownError", msg: ""}
	}
	q, ge := decodeGraphCreate(r)
	if ge != nil {
		return ge
	}
	if wait := e.admitCreate(); wait > 0 {
		e.countStat(&e.stats.GraphThrottledCreates)
		return &graphError{status: http.StatusTooManyRequests, code: "TooManyRequests", msg: "Too many requests. Retry after the time the Retry-After header names.", retryAfter: wait}
	}
	q.created = time.Now()
	q.fail = e.faults.drawGraph(FaultGraphFail)
	if q.fail {
		e.countFault(FaultGraphFail)
	}
	e.addGraphQuery(q)
	e.countStat(&e.stats.GraphQueries)
	loc := e.GraphURL() + "/" + ver + "/security/auditLog/queries/" + q.id
	w.Header().Set("Location", loc)
	writeJSON(w, http.StatusCreated, e.graphQueryBody(q, ver, GraphNotStarted))
	return nil
}

func (e *Emulator) handleGraphGet(w http.ResponseWriter, r *http.Request, ver string) *graphError {
	q := e.graphQuery(r.PathValue("id"))
	if q == nil {
		return graphNotFound(r.PathValue("id"))
	}
	status := e.graphStatus(q)
	e.countGraphStatus(status)
	writeJSON(w, http.StatusOK, e.graphQueryBody(q, ver, status))
	return nil
}

func graphNotFound(id string) *graphError {
	return &graphError{status: http.StatusNotFound, code: "ResourceNotFound", msg: fmt.Sprintf("The audit log query '%s' was not found.", id)}
}

// graphQueryBody is the auditLogQuery entity.
func (e *Emulator) graphQueryBody(q *graphQuery, ver, status string) map[string]any {
	b := map[string]any{
		"@odata.context": e.GraphURL() + "/" + ver + "/$metadata#security/auditLog/queries/$entity",
		"id":             q.id, "displayName": q.displayName, "status": status,
		"isRecordCountLimitExceeded": nil, "recordCountLimit": nil, "approximateReturnedRecordCount": nil,
	}
	for k, v := range q.raw {
		b[k] = v
	}
	if status == GraphSucceeded {
		b["isRecordCountLimitExceeded"] = q.exceeded
		b["recordCountLimit"] = e.opts.GraphRecordLimit
		b["approximateReturnedRecordCount"] = len(q.pos)
	}
	return b
}

// handleGraphList lists the queries not deleted, oldest first, in one page.
func (e *Emulator) handleGraphList(w http.ResponseWriter, _ *http.Request, ver string) *graphError {
	value := []map[string]any{}
	for _, id := range e.GraphQueryIDs() {
		if q := e.graphQuery(id); q != nil {
			b := e.graphQueryBody(q, ver, e.graphStatus(q))
			delete(b, "@odata.context")
			value = append(value, b)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"@odata.context": e.GraphURL() + "/" + ver + "/$metadata#security/auditLog/queries", "value": value})
	return nil
}

func (e *Emulator) handleGraphDelete(w http.ResponseWriter, r *http.Request, _ string) *graphError {
	if !e.deleteGraphQuery(r.PathValue("id")) {
		return graphNotFound(r.PathValue("id"))
	}
	e.countStat(&e.stats.GraphDeletes)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// handleGraphRecords serves a page of a succeeded query's records, $top at a time (at most
// graphMaxTop), chained with @odata.nextLink.
func (e *Emulator) handleGraphRecords(w http.ResponseWriter, r *http.Request, ver string) *graphError {
	q := e.graphQuery(r.PathValue("id"))
	if q == nil {
		return graphNotFound(r.PathValue("id"))
	}
	switch e.graphStatus(q) {
	case GraphSucceeded:
	case GraphFailed:
		return &graphError{status: http.StatusBadRequest, code: "BadRequest", msg: "The query failed."}
	default:
		e.countStat(&e.stats.GraphNotReady)
		return &graphError{status: http.StatusBadRequest, code: "BadRequest", msg: "The query is not ready"}
	}
	top, from, ge := recordsPaging(r)
	if ge != nil {
		return ge
	}
	from = min(from, len(q.pos))
	to := min(from+top, len(q.pos))
	b := make([]byte, 0, (to-from)*2500+200)
	b = append(b, `{"@odata.context":`...)
	b = appendJSONString(b, e.GraphURL()+"/"+ver+"/$metadata#security/auditLog/queries('"+q.id+"')/records")
	b = append(b, `,"value":[`...)
	for i := from; i < to; i++ {
		if i > from {
			b = append(b, ',')
		}
		b = e.renderGraphRecord(b, &e.store.recs[q.pos[i]])
	}
	b = append(b, ']')
	if to < len(q.pos) {
		link := fmt.Sprintf("%s/%s/security/auditLog/queries/%s/records?$top=%d&$skiptoken=%s", e.GraphURL(), ver, q.id, top, skipToken(to))
		b = append(b, `,"@odata.nextLink":`...)
		b = appendJSONString(b, link)
	}
	b = append(b, '}')
	e.countGraphPage(to - from)
	w.Header().Set("Content-Type", "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8")
	w.Header().Set("Content-Length", itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
	return nil
}

// recordsPaging reads $top (default and most graphMaxTop) and $skiptoken.
func recordsPaging(r *http.Request) (top, from int, ge *graphError) {
	v := r.URL.Query()
	top = graphMaxTop
	if s := v.Get("$top"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return 0, 0, &graphError{status: http.StatusBadRequest, code: "BadRequest", msg: fmt.Sprintf("Invalid value '%s' for $top query option found. The $top query option requires a non-negative integer value.", s)}
		}
		top = min(n, graphMaxTop)
	}
	if s := v.Get("$skiptoken"); s != "" {
		n, ok := parseSkipToken(s)
		if !ok {
			return 0, 0, &graphError{status: http.StatusBadRequest, code: "BadRequest", msg: "The $skiptoken is invalid."}
		}
		from = n
	}
	return top, from, nil
}

// skipToken encodes a records offset opaquely, as Graph's tokens are.
func skipToken(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("auditrecords:" + strconv.Itoa(offset)))
}

func parseSkipToken(s string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return 0, false
	}
	rest, ok := strings.CutPrefix(string(b), "auditrecords:")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	return n, err == nil && n >= 0
}
