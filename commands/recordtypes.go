package commands

import (
	"cmp"
	"context"
	"slices"

	"github.com/o365auditlog/o365auditlog/auditsearch"
)

// Search-UnifiedAuditLog takes one RecordType per call, so a search for several record
// types runs one exact search per type and merges them (DESIGN §5): unique by Id, newest
// first across all of them (ties by Id ascending), the newest ResultSize of the union. Each
// per-type search is exact with the same ResultSize, so the union's newest ResultSize are
// exactly the newest ResultSize of the whole.

// perRecordType wraps client so that every query runs once per record type; with fewer
// than two types it returns client itself. The wrapper streams (auditsearch.Streamer) when
// client does, so that as_file searches stay window by window.
func perRecordType(client Client, types []string) Client {
	if len(types) < 2 {
		return client
	}
	fan := recordTypeFanOut{client: client, types: types}
	if s, ok := client.(auditsearch.Streamer); ok {
		return streamingFanOut{fan, s}
	}
	return fan
}

// recordTypeFanOut is a Client searching each of types in turn.
type recordTypeFanOut struct {
	client Client
	types  []string
}

// Ping checks the wrapped client.
func (f recordTypeFanOut) Ping(ctx context.Context) error { return f.client.Ping(ctx) }

// Search runs q once per record type and merges the results.
func (f recordTypeFanOut) Search(ctx context.Context, q auditsearch.Query) (*auditsearch.Result, error) {
	// Merged type by type, so that at most the union so far (cut to ResultSize) and one
	// type's answer are held at once, as for a single search.
	merged := &auditsearch.Result{}
	for _, t := range f.types {
		one := q
		one.RecordType = t
		res, err := f.client.Search(ctx, one)
		if err != nil {
			return nil, err
		}
		merged = mergeResults([]*auditsearch.Result{merged, res}, q.ResultSize)
	}
	return merged, nil
}

// streamingFanOut is recordTypeFanOut over a client that streams.
type streamingFanOut struct {
	recordTypeFanOut
	streamer auditsearch.Streamer
}

// SearchEach streams each record type's search in turn; the caller merges the windows'
// records (the as_file spill drops repeated Ids and keeps the newest ResultSize).
func (f streamingFanOut) SearchEach(ctx context.Context, q auditsearch.Query, each func(auditsearch.Window, []auditsearch.Record) error) (*auditsearch.Result, error) {
	var results []*auditsearch.Result
	for _, t := range f.types {
		one := q
		one.RecordType = t
		res, err := f.streamer.SearchEach(ctx, one, each)
		if err != nil {
			return nil, err
		}
		results = append(results, res)
	}
	// Records SearchEach left in its results were not streamed: keep them all for the
	// caller, who merges them with the streamed ones.
	return mergeResults(results, 0), nil
}

// mergeResults is the union of results: records unique by Id, newest first, cut to size
// when size > 0; the incomplete windows and query ids of all (each once); calls summed.
func mergeResults(results []*auditsearch.Result, size int) *auditsearch.Result {
	out := &auditsearch.Result{}
	seen := map[string]bool{}
	for _, res := range results {
		if res == nil {
			continue
		}
		out.Calls += res.Calls
		out.Backend = cmp.Or(out.Backend, res.Backend)
		for _, id := range res.QueryIDs {
			if !slices.Contains(out.QueryIDs, id) {
				out.QueryIDs = append(out.QueryIDs, id)
			}
		}
		for _, r := range res.Records {
			if !seen[r.ID] {
				seen[r.ID] = true
				out.Records = append(out.Records, r)
			}
		}
		for _, w := range res.Incomplete {
			if !slices.ContainsFunc(out.Incomplete, func(x auditsearch.Window) bool {
				return x.Start.Equal(w.Start) && x.End.Equal(w.End)
			}) {
				out.Incomplete = append(out.Incomplete, w)
			}
		}
	}
	slices.SortFunc(out.Records, auditsearch.CompareNewestFirst)
	slices.SortFunc(out.Incomplete, func(a, b auditsearch.Window) int { return a.Start.Compare(b.Start) })
	if size > 0 && len(out.Records) > size {
		out.Records = out.Records[:size]
	}
	return out
}
