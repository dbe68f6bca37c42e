package graphclient

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/o365auditlog/o365auditlog/auditsearch"
	"github.com/o365auditlog/o365auditlog/msclient"
)

// Submit submits one query for q's window and filters, after the Budget admits it, and
// returns its id without waiting. A record type Graph cannot filter on is a
// *RecordTypeError before anything is submitted.
func (c *Client) Submit(ctx context.Context, q auditsearch.Query) ([]string, error) {
	if !q.Start.Before(q.End) {
		return nil, fmt.Errorf("search window %s: the start must be before the end", q.Window())
	}
	var calls atomic.Int64
	id, err := c.createQuery(ctx, &calls, q.Window(), q.Filters)
	if err != nil {
		return nil, err
	}
	return []string{id}, nil
}

// Check reads each query's status once. A query that succeeded truncated is deleted and
// replaced by two queries for the halves of its window (as the service keeps it, so that
// an execution knowing only the ids can split), submitted there and then; when its window
// is one second it is kept, and Results reports that window incomplete. Done reports that
// every query carried on has succeeded; Submitted is the oldest submission time the
// queries' displayNames record. A query that failed or was cancelled is deleted and
// returned as *QueryFailedError; on any error, the queries this call submitted are deleted.
func (c *Client) Check(ctx context.Context, q auditsearch.Query, ids []string) (st auditsearch.QueryState, err error) {
	var calls atomic.Int64
	var submitted []string
	defer func() {
		if err != nil {
			for _, id := range submitted {
				c.deleteQuery(ctx, &calls, id)
			}
			st = auditsearch.QueryState{}
		}
	}()
	st.Done = true
	keep := func(id string, w auditsearch.Window, at time.Time) {
		st.IDs, st.Windows = append(st.IDs, id), append(st.Windows, w)
		if !at.IsZero() && (st.Submitted.IsZero() || at.Before(st.Submitted)) {
			st.Submitted = at
		}
	}
	for _, id := range ids {
		info, err := c.getQuery(ctx, &calls, id)
		if err != nil {
			return st, err
		}
		w, ok := info.window()
		if !ok {
			w = q.Window()
		}
		switch info.Status {
		case statusSucceeded:
		case statusFailed, statusCancelled:
			c.deleteQuery(ctx, &calls, id)
			return st, &QueryFailedError{ID: id, Status: info.Status, Window: w}
		default:
			keep(id, w, info.submitted())
			st.Done = false
			continue
		}
		a, b, split := splitWindow(w)
		if !info.truncated() || !split {
			keep(id, w, info.submitted())
			continue
		}
		for _, half := range []auditsearch.Window{a, b} {
			nid, err := c.createQuery(ctx, &calls, half, q.Filters)
			if err != nil {
				return st, err
			}
			submitted = append(submitted, nid)
			keep(nid, half, info.submitted())
		}
		c.log.Info("Graph audit query truncated; its window is split", "id", id, "window", w.String())
		c.deleteQuery(ctx, &calls, id)
		st.Done = false
	}
	return st, nil
}

// Results is a Searcher over the records of the finished queries ids (see
// auditsearch.AsyncSearcher): it submits nothing, and each query's window is the one the
// service keeps with it.
func (c *Client) Results(ids []string) auditsearch.Searcher {
	return &results{c: c, ids: append([]string(nil), ids...)}
}

// results reads finished queries.
type results struct {
	c   *Client
	ids []string
}

// Search reads the queries' records: the newest q.ResultSize, newest first, unique by ID.
// A query not finished is a *NotFinishedError; one failed or cancelled a
// *QueryFailedError (and it is deleted); a truncated one is read, its window reported
// incomplete.
func (s *results) Search(ctx context.Context, q auditsearch.Query) (*auditsearch.Result, error) {
	return s.collect(ctx, q, nil)
}

// SearchEach is Search handing each page of records to each, as Client.SearchEach does.
func (s *results) SearchEach(ctx context.Context, q auditsearch.Query, each func(auditsearch.Window, []auditsearch.Record) error) (*auditsearch.Result, error) {
	return s.collect(ctx, q, each)
}

func (s *results) collect(ctx context.Context, q auditsearch.Query, each func(auditsearch.Window, []auditsearch.Record) error) (*auditsearch.Result, error) {
	r := s.c.newRun(q, false, each)
	jobs := make([]job, len(s.ids))
	for i, id := range s.ids {
		jobs[i] = job{id: id, window: q.Window()}
	}
	res, err := r.search(ctx, jobs)
	if res != nil {
		res.QueryIDs = append([]string(nil), s.ids...)
	}
	return res, err
}

// Ping is the client's Ping.
func (s *results) Ping(ctx context.Context) error { return s.c.Ping(ctx) }

// Ping gets a Graph token and checks its roles: without AuditLogsQuery.Read.All it is a
// *msclient.MissingPermissionError (noting an app that holds only the legacy
// AuditLog.Read.All, whose queries silently return nothing). A token whose claims cannot
// be read is checked with one cheap call instead (a 403 is the same error).
func (c *Client) Ping(ctx context.Context) error {
	defer c.http.CloseIdleConnections()
	roles, err := c.cred.Roles(ctx)
	if errors.Is(err, msclient.ErrNoClaims) {
		return c.pingCall(ctx)
	}
	if err != nil {
		return err
	}
	return msclient.CheckPermission(roles, msclient.SourceGraph, msclient.PermissionAuditLogsQuery, msclient.PermissionAuditLogLegacy)
}

// pingCall lists one query: the cheapest call that needs the permission.
func (c *Client) pingCall(ctx context.Context) error {
	var calls atomic.Int64
	vs := c.versions(false)
	var err error
	for i, v := range vs {
		err = c.send(ctx, &calls, "GET", c.ep.queriesURL(v)+"?$top=1", nil, nil)
		if err == nil || i+1 == len(vs) || !fallsBack(err, false) {
			break
		}
	}
	return err
}
