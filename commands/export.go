package commands

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/o365auditlog/o365auditlog/auditsearch"
	"github.com/o365auditlog/o365auditlog/humanreadable"
	"github.com/o365auditlog/o365auditlog/integration"
)

// exportTimeLayout names the file after the window, e.g. 20210101T000000Z.
const exportTimeLayout = "20060102T150405Z"

// exportSearch runs the search for as_file=true: the newest result_size records go, newest
// first, to a JSON Lines file that the session stores for a file entry (DESIGN §5 as_file);
// the entries are the file entry, the summary note and, when windows were incomplete, the
// warning. Only the temporary spill file lives in the handlers' Dir.
func (h handlers) exportSearch(ctx context.Context, client Client, args SearchArgs, s integration.Session) ([]integration.Entry, error) {
	dir := h.Dir
	if dir == "" {
		dir = "."
	}
	defer lowerMemoryLimit(exportMemoryLimit)()
	spill, err := newRunSpill(dir)
	if err != nil {
		return nil, exportError(err)
	}
	defer spill.close()
	res, err := h.searchInto(ctx, client, args, spill)
	if err != nil {
		return nil, err
	}
	name := "o365-auditlog-" + args.Start.UTC().Format(exportTimeLayout) + "-" + args.End.UTC().Format(exportTimeLayout) + ".jsonl"
	count := 0
	file, err := s.WriteFile(name, func(w io.Writer) error {
		n, werr := spill.mergeTo(w, args.ResultSize)
		count = n
		return werr
	})
	if err != nil {
		return nil, exportError(err)
	}
	sum := newSummary(args, count, res)
	sum.File, sum.FileID = file.File, file.FileID
	h.Logger.InfoContext(ctx, "audit log exported", "records", sum.Count, "file", sum.File, "file_id", sum.FileID)
	entries := []integration.Entry{
		file,
		{
			Type: integration.EntryNote, ContentsFormat: "json", Contents: sum,
			EntryContext:           map[string]any{SummaryContextKey: sum},
			HumanReadable:          exportReadable(args, sum),
			ReadableContentsFormat: "markdown",
		},
	}
	if len(res.Incomplete) > 0 {
		entries = append(entries, integration.WarningEntry(incompleteWarning(res, graphWhy(client))))
	}
	return entries, nil
}

// searchInto runs the search, spilling rows window by window when the client can stream
// them, and the rows of the result either way; it returns the incomplete windows.
func (h handlers) searchInto(ctx context.Context, client Client, args SearchArgs, spill *runSpill) (*auditsearch.Result, error) {
	var (
		res *auditsearch.Result
		err error
	)
	if s, ok := client.(auditsearch.Streamer); ok {
		res, err = s.SearchEach(ctx, h.query(args), func(_ auditsearch.Window, rows []auditsearch.Record) error {
			return spill.add(rows)
		})
	} else {
		res, err = client.Search(ctx, h.query(args))
	}
	if err != nil {
		return nil, explain(err) // the sink's own failure keeps its wording
	}
	if res == nil {
		res = &auditsearch.Result{}
	}
	if err := spill.add(res.Records); err != nil {
		return nil, err
	}
	return &auditsearch.Result{Incomplete: res.Incomplete, Calls: res.Calls, Backend: res.Backend, QueryIDs: res.QueryIDs}, nil
}

// exportMemoryLimit is the soft memory limit an export runs under
// (runtime/debug.SetMemoryLimit). Left alone, the Go heap grows to about twice what is
// live before each collection, and an export's windows in flight are hundreds of MiB live
// (up to 8 of 45,000 rows at 5,000 rows per call): its peak RSS must stay within 512 MiB
// (issue 15). The collector works harder only when the heap nears the limit.
const exportMemoryLimit = 448 << 20

// lowerMemoryLimit lowers the runtime's soft memory limit to limit (a lower one, e.g. from
// GOMEMLIMIT, is kept) and returns what restores it.
func lowerMemoryLimit(limit int64) func() {
	prev := debug.SetMemoryLimit(-1) // -1 reads it
	if prev <= limit {
		return func() {}
	}
	debug.SetMemoryLimit(limit)
	return func() { debug.SetMemoryLimit(prev) }
}

// exportReadable is the War Room text of an export.
func exportReadable(args SearchArgs, sum SearchSummary) string {
	var b strings.Builder
	b.WriteString(humanreadable.Title(args.Start, args.End) + "\n")
	fmt.Fprintf(&b, "%d record(s), newest first, were written to the file %s (JSON Lines, one record per line).", sum.Count, humanreadable.Escape(sum.File))
	if sum.Count == args.ResultSize {
		fmt.Fprintf(&b, " That is the result_size limit (%d): older records in the window were left out.", args.ResultSize)
	}
	if !sum.Complete {
		b.WriteString(" The service held more records than it could return for some one-second windows: see the warning.")
	}
	return b.String()
}

// exportError is a failure of the export itself (disk), worded for the analyst.
func exportError(err error) error {
	return &explainedError{err: err, msg: fmt.Sprintf("The audit records could not be written to the export file (%v). "+
		"Check the free space and permissions of the integration's working directory, or narrow the search.", err)}
}

// unreadableRecord is a record that is not a JSON object, worded for the analyst.
func unreadableRecord(err error) error {
	return &explainedError{err: err, msg: fmt.Sprintf("Exchange Online returned an audit record that cannot be read (%v). "+
		"Run the search again; if it persists, narrow the filters or the dates to leave that record out.", err)}
}
