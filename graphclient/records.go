package graphclient

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/o365auditlog/o365auditlog/auditsearch"
	"github.com/o365auditlog/o365auditlog/msclient"
)

// maxPages bounds the pages of one query (1,000,000 records at 1,000 a page, twice over):
// a service looping on nextLinks must not loop the client forever.
const maxPages = 2000

// readRecords reads every page of a finished query's records and hands each page to page,
// converted and without repeats inside the page (repeats across pages are the caller's to
// drop, so that memory stays bounded by a page). It returns the records read.
func (c *Client) readRecords(ctx context.Context, calls *atomic.Int64, id string, page func([]auditsearch.Record) error) (int, error) {
	target, err := c.firstRecordsPage(ctx, calls, id)
	if err != nil {
		return 0, err
	}
	total := 0
	for pages := 0; ; pages++ {
		if pages >= maxPages {
			return total, fmt.Errorf("records of Microsoft Graph audit query %s: more than %d pages", id, maxPages)
		}
		var p recordsPage
		if pages > 0 || target.page == nil {
			if err := c.send(ctx, calls, http.MethodGet, target.url, nil, p.read); err != nil {
				return total, fmt.Errorf("records of Microsoft Graph audit query %s: %w", id, err)
			}
		} else {
			p = *target.page
		}
		recs := p.records
		total += p.count

		if err := page(recs); err != nil {
			return total, err
		}
		if p.NextLink == "" {
			return total, nil
		}
		if target.url, err = c.ep.sameOrigin(p.NextLink); err != nil {
			return total, err
		}
		target.page = nil
	}
}

// recordsTarget is the next records page to read, or the first one already read.
type recordsTarget struct {
	url  string
	page *recordsPage
}

// firstRecordsPage reads the first page. A succeeded query's records may still be "not
// ready" for a moment: that answer is tried again, Options.PollInitial apart.
func (c *Client) firstRecordsPage(ctx context.Context, calls *atomic.Int64, id string) (recordsTarget, error) {
	v := c.versions(false)[0]
	target := c.ep.recordsURL(v, id)
	for attempt := 1; ; attempt++ {
		var p recordsPage
		err := c.send(ctx, calls, http.MethodGet, target, nil, p.read)
		if err == nil {
			return recordsTarget{url: target, page: &p}, nil
		}
		if !notReady(err) {
			return recordsTarget{}, fmt.Errorf("records of Microsoft Graph audit query %s: %w", id, err)
		}
		if attempt > c.opts.NotReadyRetries {
			return recordsTarget{}, &NotReadyError{ID: id, Attempts: attempt, Err: err}
		}
		c.log.Debug("Graph audit query records not ready yet", "id", id, "attempt", attempt)
		if err := c.opts.Sleep(ctx, c.opts.PollInitial); err != nil {
			return recordsTarget{}, msclient.Canceled(ctx, err)
		}
	}
}

// notReady is the 400 "The query is not ready" of a records read before the query
// finished.
func notReady(err error) bool {
	var apiErr *msclient.APIError
	return asAPIError(err, &apiErr) && apiErr.Status == http.StatusBadRequest &&
		strings.Contains(strings.ToLower(apiErr.Message), "not ready")
}

// recordsPage is one page of a query's records, converted.
type recordsPage struct {
	records  []auditsearch.Record
	count    int // records on the page, repeats included
	NextLink string
}

// read scans and converts a page; a page that cannot be scanned is a
// *msclient.DecodeError (retried: the usual cause is a body cut short), a record that
// cannot be read a *RecordError.
func (p *recordsPage) read(b []byte) error {
	ws, next, err := scanPage(b)
	if err != nil {
		return &msclient.DecodeError{Err: err}
	}
	recs, err := convertPage(ws)
	if err != nil {
		return err
	}
	p.records, p.count, p.NextLink = recs, len(ws), next
	return nil
}

// convertPage converts a page's records, dropping repeats of an Id within the page.
func convertPage(ws []wireRecord) ([]auditsearch.Record, error) {
	out := make([]auditsearch.Record, 0, len(ws))
	seen := make(map[string]struct{}, len(ws))
	for i := range ws {
		r, err := toRecord(&ws[i])
		if err != nil {
			return nil, err
		}
		if _, dup := seen[r.ID]; dup {
			continue
		}
		seen[r.ID] = struct{}{}
		out = append(out, r)
	}
	return out, nil
}
