package graphclient

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/o365auditlog/o365auditlog/auditsearch"
	"github.com/o365auditlog/o365auditlog/msclient"
	"github.com/o365auditlog/o365auditlog/recordtype"
)

// API versions, in the order tried. Live tenants in 2026 answered 404 to v1.0 creates
// (DESIGN §4c); beta worked.
const (
	v1   = "v1.0"
	beta = "beta"
)

// Query statuses (auditLogQueryStatus).
const (
	statusNotStarted = "notStarted"
	statusRunning    = "running"
	statusSucceeded  = "succeeded"
	statusFailed     = "failed"
	statusCancelled  = "cancelled"
)

// createBody is an auditLogQuery create; unset filters are omitted.
type createBody struct {
	DisplayName         string   `json:"displayName"`
	FilterStartDateTime string   `json:"filterStartDateTime"`
	FilterEndDateTime   string   `json:"filterEndDateTime"`
	RecordTypeFilters   []string `json:"recordTypeFilters,omitempty"`
	KeywordFilter       string   `json:"keywordFilter,omitempty"`
	OperationFilters    []string `json:"operationFilters,omitempty"`
	UserPrincipalName   []string `json:"userPrincipalNameFilters,omitempty"`
	IPAddressFilters    []string `json:"ipAddressFilters,omitempty"`
	ObjectIDFilters     []string `json:"objectIdFilters,omitempty"`
}

// graphRecordType is the recordTypeFilters member for a classic record type name: its
// Graph name from the table, a *RecordTypeError when Graph has none, or the name as given
// when the table does not know it (Microsoft adds types faster than tables follow).
func graphRecordType(name string) (string, error) {
	t, ok := recordtype.ByName(name)
	if !ok {
		return name, nil
	}
	if t.GraphName == "" {
		return "", &RecordTypeError{RecordType: t.Name}
	}
	return t.GraphName, nil
}

// submittedMark precedes the submission time in a query's displayName: the service keeps
// no creation time with a query, and a later execution knowing only the id paces its
// checks by the query's age.
const submittedMark = " submitted "

// newCreateBody is the create for window w with f's filters (Graph has no HighCompleteness:
// its queries are complete), submitted at now.
func newCreateBody(w auditsearch.Window, f auditsearch.Filters, now time.Time) (createBody, error) {
	b := createBody{
		DisplayName:         "o365auditlog " + formatTime(w.Start) + "/" + formatTime(w.End) + submittedMark + formatTime(now),
		FilterStartDateTime: formatTime(w.Start),
		FilterEndDateTime:   formatTime(w.End),
		KeywordFilter:       f.FreeText,
		OperationFilters:    f.Operations,
		UserPrincipalName:   f.UserIDs,
		IPAddressFilters:    f.IPAddresses,
		ObjectIDFilters:     f.ObjectIDs,
	}
	types := f.RecordTypes
	if len(types) == 0 && f.RecordType != "" {
		types = []string{f.RecordType}
	}
	for _, t := range types {
		name, err := graphRecordType(t)
		if err != nil {
			return createBody{}, err
		}
		b.RecordTypeFilters = append(b.RecordTypeFilters, name)
	}
	return b, nil
}

// formatTime is RFC 3339 in UTC (fractions only when the instant has them).
func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// queryInfo is an auditLogQuery as the service answers it.
type queryInfo struct {
	ID                             string          `json:"id"`
	DisplayName                    string          `json:"displayName"`
	Status                         string          `json:"status"`
	FilterStartDateTime            string          `json:"filterStartDateTime"`
	FilterEndDateTime              string          `json:"filterEndDateTime"`
	IsRecordCountLimitExceeded     *bool           `json:"isRecordCountLimitExceeded"`
	RecordCountLimit               json.RawMessage `json:"recordCountLimit"`
	ApproximateReturnedRecordCount json.RawMessage `json:"approximateReturnedRecordCount"`
}

// submitted is when the query was submitted, as its displayName says (zero when it does
// not: a query of another tool).
func (q queryInfo) submitted() time.Time {
	_, stamp, ok := strings.Cut(q.DisplayName, submittedMark)
	if !ok {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(stamp))
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

// window is the query's filter window as the service keeps it (false when it has none).
func (q queryInfo) window() (auditsearch.Window, bool) {
	start, err1 := time.Parse(time.RFC3339Nano, strings.TrimSpace(q.FilterStartDateTime))
	end, err2 := time.Parse(time.RFC3339Nano, strings.TrimSpace(q.FilterEndDateTime))
	if err1 != nil || err2 != nil {
		return auditsearch.Window{}, false
	}
	return auditsearch.Window{Start: start.UTC(), End: end.UTC()}, true
}

// truncated reports a succeeded query cut at the service's record limit: the flag, or
// (where a version omits it) a returned count that reached the limit.
func (q queryInfo) truncated() bool {
	if q.IsRecordCountLimitExceeded != nil {
		return *q.IsRecordCountLimitExceeded
	}
	limit, count := countValue(q.RecordCountLimit), countValue(q.ApproximateReturnedRecordCount)
	return limit > 0 && count >= limit
}

// countValue reads a count sent as a number or a string (IEEE754Compatible); 0 otherwise.
func countValue(raw json.RawMessage) int64 {
	s := strings.Trim(strings.TrimSpace(string(raw)), `"`)
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// versions lists the API versions to try for a create or for a read.
func (c *Client) versions(create bool) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.version != "":
		return []string{c.version}
	case !create && c.readVersion != "":
		return []string{c.readVersion}
	}
	return []string{v1, beta}
}

func (c *Client) remember(create bool, version string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if create {
		c.version = version
	} else {
		c.readVersion = version
	}
}

// fallsBack reports an answer to a v1.0 call after which beta is tried: 404 (live
// tenants' v1.0 creates), and for a create also 400.
func fallsBack(err error, create bool) bool {
	s := apiStatus(err)
	return s == http.StatusNotFound || (create && s == http.StatusBadRequest)
}

// createQuery submits one query, after the budget admits it. Creates are serialised: the
// service refuses creates that come too fast (429 + Retry-After, retried).
func (c *Client) createQuery(ctx context.Context, calls *atomic.Int64, w auditsearch.Window, f auditsearch.Filters) (string, error) {
	body, err := newCreateBody(w, f, c.opts.Now())
	if err != nil {
		return "", err
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return "", err
	}
	if c.budget != nil {
		if err := c.budget.Take(ctx); err != nil {
			return "", fmt.Errorf("submitting a Microsoft Graph audit query for %s: %w", w, err)
		}
	}
	c.create.Lock()
	defer c.create.Unlock()
	vs := c.versions(true)
	for i, v := range vs {
		var info queryInfo
		err = c.send(ctx, calls, http.MethodPost, c.ep.queriesURL(v), raw, decodeInto(&info))
		if err == nil && info.ID == "" {
			err = &msclient.DecodeError{Err: fmt.Errorf("the created query has no id")}
		}
		if err == nil {
			c.remember(true, v)
			c.log.Info("Graph audit query submitted", "id", info.ID, "window", w.String(), "version", v)
			return info.ID, nil
		}
		if i+1 < len(vs) && fallsBack(err, true) {
			c.log.Info("Graph audit query create refused on this version; trying the next", "version", v, "error", err.Error())
			continue
		}
		break
	}
	return "", fmt.Errorf("submitting a Microsoft Graph audit query for %s: %w", w, err)
}

// getQuery reads a query's status (and window).
func (c *Client) getQuery(ctx context.Context, calls *atomic.Int64, id string) (queryInfo, error) {
	vs := c.versions(false)
	var err error
	for i, v := range vs {
		var info queryInfo
		err = c.send(ctx, calls, http.MethodGet, c.ep.queryURL(v, id), nil, decodeInto(&info))
		if err == nil {
			if i > 0 {
				c.remember(false, v)
			}
			return info, nil
		}
		if i+1 < len(vs) && fallsBack(err, false) {
			continue
		}
		break
	}
	if apiStatus(err) == http.StatusNotFound {
		return queryInfo{}, &QueryNotFoundError{ID: id, Err: err}
	}
	return queryInfo{}, fmt.Errorf("reading Microsoft Graph audit query %s: %w", id, err)
}

// deleteQuery frees a query's slot on the service, best effort: one attempt per version
// in a short context of its own (the caller's may have ended), failures only logged. A
// query already gone (404 on every version) is fine.
func (c *Client) deleteQuery(ctx context.Context, calls *atomic.Int64, id string) {
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	var err error
	for _, v := range c.versions(false) {
		err = c.sendOnce(dctx, calls, http.MethodDelete, c.ep.queryURL(v, id), nil, nil)
		if err == nil {
			c.log.Info("Graph audit query deleted", "id", id)
			return
		}
		if !fallsBack(err, false) {
			break
		}
	}
	if apiStatus(err) != http.StatusNotFound {
		c.log.Warn("could not delete a Graph audit query", "id", id, "error", err.Error())
	}
}
