package auditsearch

import (
	"context"
	"time"
)

// Client is what commands searches through. Every backend implements it.
type Client interface {
	// Search runs a query to completion.
	Search(ctx context.Context, q Query) (*Result, error)
	// Ping checks connectivity and permission with one cheap call.
	Ping(ctx context.Context) error
}

// Streamer is implemented by backends that can hand a large search's records over window
// by window instead of collecting them. each is called from one goroutine, one window at
// a time, with the window's records as fetched: unsorted, possibly repeated (within the
// window and on the boundary instant it shares with its neighbours), never trimmed to
// ResultSize. The Result holds the records not passed to each, and the incomplete windows.
type Streamer interface {
	SearchEach(ctx context.Context, q Query, each func(Window, []Record) error) (*Result, error)
}

// Searcher is a backend that searches, streams and pings.
type Searcher interface {
	Client
	Streamer
}

// AsyncSearcher is a backend whose queries run on the service asynchronously (Microsoft
// Graph audit log queries): a search can be submitted now, checked by a later execution,
// and collected when every query has finished. Search and SearchEach do all three, waiting.
// Query ids are the service's own; everything a later execution needs (a query's window
// and filters) the service keeps with the id.
type AsyncSearcher interface {
	Searcher
	// Submit submits the queries for q (one or more: by window, by record type) and
	// returns their ids without waiting for them. Each submission is admitted by the
	// backend's Budget first.
	Submit(ctx context.Context, q Query) ([]string, error)
	// Check looks at each query once. A query that finished truncated is replaced by the
	// queries of its split window, submitted there and then (or, when its window cannot be
	// split, kept and later reported incomplete). A query that failed or was cancelled is an
	// error (and is deleted on the service).
	Check(ctx context.Context, q Query, ids []string) (QueryState, error)
	// Results is a Searcher over the records of the finished queries ids: its Search and
	// SearchEach read those records for q (whose window and filters the queries were
	// submitted with), submitting nothing. Its Result.QueryIDs is ids.
	Results(ids []string) Searcher
}

// QueryState is what Check found.
type QueryState struct {
	// IDs are the queries to carry on with: ids, truncated ones replaced by their pieces.
	IDs []string
	// Windows are the time windows of IDs (the same order), as the service keeps them.
	Windows []Window
	// Done reports that every query in IDs has finished.
	Done bool
	// Submitted is when the oldest of the queries was created (the service's clock).
	Submitted time.Time
}

// Budget admits the submissions of an asynchronous backend (Graph allows a tenant a few
// hundred audit queries per rolling day). Take is called before each submission; its error
// stops the submission and is returned as is (wrapped), so that the caller can explain it.
type Budget interface {
	Take(ctx context.Context) error
}
