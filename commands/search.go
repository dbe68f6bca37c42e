package commands

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/o365auditlog/o365auditlog/auditsearch"
	"github.com/o365auditlog/o365auditlog/contextout"
	"github.com/o365auditlog/o365auditlog/humanreadable"
	"github.com/o365auditlog/o365auditlog/integration"
	"github.com/o365auditlog/o365auditlog/jsontext"
)

// maxListedWindows bounds how many incomplete windows the warning names one by one.
const maxListedWindows = 20

// search is o365-auditlog-search: params and args are validated before any client is
// built; then the search through the chosen backend (or a scheduled entry while Graph
// queries run, §5d), and the entries of DESIGN §5.
func (h handlers) search(ctx context.Context, req *integration.Request, s integration.Session) error {
	in, paramErr := h.prepare(req, s)
	if unknown := UnknownArgs(req.Args); len(unknown) > 0 {
		h.Logger.DebugContext(ctx, "ignoring arguments o365-auditlog-search does not define", "args", unknown)
	}
	args, argErr := ParseSearchArgs(req.Args, h.Now())
	if err := joinValidation(paramErr, argErr); err != nil { // every offending one at once
		return err
	}
	if err := checkInMemoryLimit(args); err != nil { // limits.go
		return err
	}
	client, err := h.searchClient(ctx, in, &args, s) // backends.go
	if err == nil {
		h.Logger.DebugContext(ctx, "searching the audit log", "backend", cmp.Or(args.Backend, in.Backend),
			"start", args.Start, "end", args.End, "result_size", args.ResultSize, "record_types", args.RecordTypes, "as_file", args.AsFile)
		var entries []integration.Entry
		if args.AsFile {
			entries, err = h.exportSearch(ctx, client, args, s)
		} else {
			entries, err = h.recordsSearch(ctx, client, args)
		}
		if err == nil {
			return s.Results(entries...)
		}
	}
	if sched := (*scheduledError)(nil); errors.As(err, &sched) {
		return s.Results(scheduledEntry(args, sched.state, h.Now()))
	}
	return err
}

// recordsSearch runs the search for the War Room entry and context.
func (h handlers) recordsSearch(ctx context.Context, client Client, args SearchArgs) ([]integration.Entry, error) {
	res, err := client.Search(ctx, h.query(args))
	if err != nil {
		return nil, explain(err)
	}
	return searchEntries(args, res, graphWhy(client))
}

// query is the search query of args, reporting progress to Options.Progress.
func (h handlers) query(args SearchArgs) auditsearch.Query {
	q := args.Query()
	q.Progress = h.Progress
	return q
}

// searchEntries turns a result into the records entry (or the empty text entry), each
// carrying the summary in its context, and, when some windows could not be fetched whole, a
// warning naming them.
func searchEntries(args SearchArgs, res *auditsearch.Result, why error) ([]integration.Entry, error) {
	if res == nil {
		res = &auditsearch.Result{}
	}
	var entries []integration.Entry
	if len(res.Records) == 0 {
		e := integration.TextEntry(humanreadable.Empty(args.Start, args.End))
		e.EntryContext = map[string]any{SummaryContextKey: newSummary(args, 0, res)}
		entries = append(entries, e)
	} else {
		e, err := recordsEntry(args, res)
		if err != nil {
			return nil, err
		}
		entries = append(entries, e)
	}
	if len(res.Incomplete) > 0 {
		entries = append(entries, integration.WarningEntry(incompleteWarning(res, why)))
	}
	return entries, nil
}

// canonicalRecords is each row's AuditData in canonical form: as the backend sanitised it
// while decoding, or sanitised here (contextout.Records) when it did not.
func canonicalRecords(rows []auditsearch.Record) ([]jsontext.Canonical, error) {
	out := make([]jsontext.Canonical, len(rows))
	var raw []json.RawMessage
	var at []int // raw[k] is rows[at[k]]
	for i, r := range rows {
		if r.Canonical != nil {
			out[i] = r.Canonical
			continue
		}
		raw = append(raw, r.AuditData)
		at = append(at, i)
	}
	if len(raw) == 0 {
		return out, nil
	}
	clean, err := contextout.Records(raw)
	if err != nil {
		if re, ok := errors.AsType[*contextout.RecordError](err); ok {
			return nil, &contextout.RecordError{Index: at[re.Index], Err: re.Err}
		}
		return nil, err
	}
	for k, c := range clean {
		out[at[k]] = c
	}
	return out, nil
}

// canonicalRecord is canonicalRecords of one row.
func canonicalRecord(r *auditsearch.Record) (jsontext.Canonical, error) {
	if r.Canonical != nil {
		return r.Canonical, nil
	}
	return contextout.Record(r.AuditData)
}

// recordsEntry is the note holding the records (Contents and context) and the summary.
func recordsEntry(args SearchArgs, res *auditsearch.Result) (integration.Entry, error) {
	records, err := canonicalRecords(res.Records)
	if err != nil {
		return integration.Entry{}, unreadableRecord(err)
	}
	readable, err := humanreadable.CanonicalMarkdownColumns(args.Start, args.End, records, args.Columns)
	if err != nil {
		return integration.Entry{}, fmt.Errorf("The audit records could not be rendered as a table (%w). "+
			"Narrow the search (fewer records or filters) and run it again.", err)
	}
	// One list, shared by Contents and the context, written as is: the records are
	// contextout's canonical JSON already (integration.RawJSON). The summary beside it is a
	// small struct, the only part encoding/json sees.
	list := integration.RawJSONList(records)
	return integration.Entry{
		Type:           integration.EntryNote,
		ContentsFormat: "json",
		Contents:       list,
		EntryContext: map[string]any{
			contextout.Key:    list,
			SummaryContextKey: newSummary(args, len(records), res),
		},
		HumanReadable:          readable,
		ReadableContentsFormat: "markdown",
	}, nil
}

// incompleteWarning names the windows the service could not return whole: never a silently
// partial result (DESIGN §5).
func incompleteWarning(res *auditsearch.Result, why error) string {
	windows := res.Incomplete
	var b strings.Builder
	switch res.Backend {
	case auditsearch.BackendGraph:
		fmt.Fprintf(&b, "The result is incomplete: Microsoft Graph holds more audit records than one query can return "+
			"for %d one-second window(s) (UTC): ", len(windows))
	case auditsearch.BackendExchangeGraph:
		fmt.Fprintf(&b, "The result is incomplete: neither Exchange Online nor Microsoft Graph could return every audit record "+
			"of %d one-second window(s) (UTC): ", len(windows))
	default:
		fmt.Fprintf(&b, "The result is incomplete: Exchange Online holds more audit records than it can return "+
			"for %d one-second window(s) (UTC): ", len(windows))
	}
	for i, w := range windows {
		if i == maxListedWindows {
			fmt.Fprintf(&b, ", and %d more", len(windows)-maxListedWindows)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(w.Start.UTC().Format(time.RFC3339) + " to " + w.End.UTC().Format(time.RFC3339))
	}
	if why != nil {
		b.WriteString(". Microsoft Graph could not complete them: " + graphReason(why))
	}
	b.WriteString(". Narrow the search for those times with record_type, operations, user_ids, " +
		"ip_addresses or free_text and run it again.")
	return b.String()
}
