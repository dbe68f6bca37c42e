package humanreadable

import (
	"encoding/json"
	"time"

	"github.com/o365auditlog/o365auditlog/jsontext"
)

// dateLayout is the seed's MM/dd/yyyy HH:mm:ss.
const dateLayout = "01/02/2006 15:04:05"

// Title is the heading of a search's HumanReadable, e.g.
// "### Audit log from 01/01/2021 00:00:00 to 01/02/2021 00:00:00" (times in UTC).
func Title(start, end time.Time) string {
	return "### Audit log from " + start.UTC().Format(dateLayout) + " to " + end.UTC().Format(dateLayout)
}

// Empty is the text of a search that found nothing, e.g.
// "Audit log from 01/01/2021 00:00:00 to 01/02/2021 00:00:00 is empty".
func Empty(start, end time.Time) string {
	return "Audit log from " + start.UTC().Format(dateLayout) + " to " + end.UTC().Format(dateLayout) + " is empty"
}

// Markdown is Title, a line break and Table: the HumanReadable of a search that found
// records.
func Markdown(start, end time.Time, records []json.RawMessage) (string, error) {
	table, err := Table(records)
	if err != nil {
		return "", err
	}
	return Title(start, end) + "\n" + table, nil
}

// CanonicalMarkdown is Markdown for records that contextout has already sanitised: the
// table reads them without cleaning each one again (see CanonicalTable).
func CanonicalMarkdown(start, end time.Time, records []jsontext.Canonical) (string, error) {
	return CanonicalMarkdownColumns(start, end, records, nil)
}

// CanonicalMarkdownColumns is CanonicalMarkdown with the table's columns chosen (see
// CanonicalTableColumns); no cols means the sorted union.
func CanonicalMarkdownColumns(start, end time.Time, records []jsontext.Canonical, cols []string) (string, error) {
	return canonicalTable(Title(start, end)+"\n", records, cols)
}
