package commands

import (
	"encoding/json"
	"time"
)

// The HumanReadable helpers come from humanreadable (DESIGN §1), which was not committed when
// this was written, so the handlers call them through these two variables: wiring is a
// one-line change each. The placeholders are deliberately minimal.

// readableMarkdown is the HumanReadable of a search that found records: the title
// "### Audit log from MM/dd/yyyy HH:mm:ss to MM/dd/yyyy HH:mm:ss" (UTC), a line break, the table.
//
// TODO(wiring): humanreadable.Markdown. The placeholder renders the title and no table.
var readableMarkdown = func(start, end time.Time, records []json.RawMessage) (string, error) {
	return "### Audit log from " + stamp(start) + " to " + stamp(end) + "\n", nil
}

// readableEmpty is "Audit log from … to … is empty".
//
// TODO(wiring): humanreadable.Empty.
var readableEmpty = func(start, end time.Time) string {
	return "Audit log from " + stamp(start) + " to " + stamp(end) + " is empty"
}

func stamp(t time.Time) string { return t.UTC().Format("01/02/2006 15:04:05") }
