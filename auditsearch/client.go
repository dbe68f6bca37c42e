package auditsearch

import "context"

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
