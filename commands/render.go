package commands

import (
	"encoding/json"
	"fmt"
	"time"
)

// The pure output helpers come from contextout and humanreadable (DESIGN §1). Until those
// packages are committed, the handlers call them through these variables so wiring is a
// one-line change each. The placeholders are deliberately minimal.

// contextKey is the entry-context key of the search results (DESIGN §5).
//
// TODO(wiring): contextout.Key.
const contextKey = "O365AuditLog(val.Id && val.Id == obj.Id)"

// contextRecords turns AuditData texts into the context list, every field kept as it is.
//
// TODO(wiring): contextout.Records.
var contextRecords = func(raw []json.RawMessage) ([]json.RawMessage, error) {
	out := make([]json.RawMessage, len(raw))
	for i, r := range raw {
		if !json.Valid(r) {
			return nil, fmt.Errorf("AuditData record %d: invalid JSON", i+1)
		}
		out[i] = r
	}
	return out, nil
}

// readableTitle is "### Audit log from MM/dd/yyyy HH:mm:ss to MM/dd/yyyy HH:mm:ss" (UTC).
//
// TODO(wiring): humanreadable.Title.
var readableTitle = func(start, end time.Time) string {
	return "### Audit log from " + stamp(start) + " to " + stamp(end)
}

// readableTable is the markdown table of the records (DESIGN §5).
//
// TODO(wiring): humanreadable.Table. The placeholder renders no table.
var readableTable = func(records []json.RawMessage) string { return "" }

// readableEmpty is "Audit log from … to … is empty".
//
// TODO(wiring): humanreadable.Empty.
var readableEmpty = func(start, end time.Time) string {
	return "Audit log from " + stamp(start) + " to " + stamp(end) + " is empty"
}

func stamp(t time.Time) string { return t.UTC().Format("01/02/2006 15:04:05") }
