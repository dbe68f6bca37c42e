package humanreadable

import (
	"bytes"
	"encoding/json"
	"io"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/o365auditlog/o365auditlog/contextout"
	"github.com/o365auditlog/o365auditlog/jsontext"
)

// Table renders records (each the JSON text of one object) as a GFM table (DESIGN §5):
// columns are the union of the records' top-level keys sorted by byte order, one row per
// record in the given order, a missing key an empty cell. Cells: strings and numbers as they
// are (numbers in their exact JSON text), booleans true/false, null empty, arrays and
// objects as compact JSON; every value and key goes through Escape, so none can break a
// row, add a column or inject HTML. Header and separator rows are "| A | B" and
// "| --- | ---", as in the seed; every line ends with "\n". A record that is not a JSON
// object (or nests deeper than contextout.MaxDepth) fails the table with a
// *contextout.RecordError naming it. No records, or records without any key, give "".
//
// Table accepts any bytes: it sanitises every record first. Records that contextout has
// sanitised already go to CanonicalTable, which skips that pass.
func Table(records []json.RawMessage) (string, error) {
	clean, err := contextout.Records(records)
	if err != nil {
		return "", err
	}
	return CanonicalTable(clean)
}

// CanonicalTable is Table for records that contextout has already put in canonical form:
// it reads them as they are, without a second sanitising pass, which cost more than the
// rendering itself. It still refuses a record that does not even look like an object
// (empty, or not enclosed in braces) with a *contextout.RecordError, so that a nil left in
// the list cannot pass for a row.
func CanonicalTable(clean []jsontext.Canonical) (string, error) {
	return CanonicalTableColumns(clean, nil)
}

// CanonicalTableColumns is CanonicalTable showing exactly the columns cols, in that order
// (the search's columns argument): a key no record has is an empty column, keys not in cols
// are left out. No cols means the sorted union of CanonicalTable.
func CanonicalTableColumns(clean []jsontext.Canonical, cols []string) (string, error) {
	return canonicalTable("", clean, cols)
}

// canonicalTable is CanonicalTableColumns written after prefix in the same buffer: a table
// of 50,000 records is tens of MiB, and concatenating a title to it afterwards would
// copy it all and hold it twice.
func canonicalTable(prefix string, clean []jsontext.Canonical, cols []string) (string, error) {
	for i, rec := range clean {
		if len(rec) < 2 || rec[0] != '{' || rec[len(rec)-1] != '}' {
			return "", &contextout.RecordError{Index: i, Err: contextout.ErrNotObject}
		}
	}
	var index map[string]int
	if len(cols) == 0 {
		cols, index = columns(clean)
	} else {
		index = chosenColumns(clean, cols)
	}
	if len(cols) == 0 {
		return prefix, nil
	}
	var b strings.Builder
	b.Grow(len(prefix) + tableSize(clean, len(cols)))
	b.WriteString(prefix)
	b.Write(appendHeader(nil, cols))
	writeRowsInParts(&b, clean, index, len(cols))
	return b.String(), nil
}

// keysOf returns the top-level keys of records: canonical key text → decoded key.
func keysOf(records []jsontext.Canonical) map[string]string {
	seen := map[string]string{}
	for _, rec := range records {
		for key := range rec.Members() {
			if _, ok := seen[string(key)]; !ok {
				seen[string(key)] = string(unquote(nil, key))
			}
		}
	}
	return seen
}

// rowsPerPart is the fewest rows worth a goroutine of their own.
const rowsPerPart = 2048

// partsFor is how many parts n records are worked on in: one per CPU, each of at least
// rowsPerPart records.
func partsFor(n int) int {
	return max(1, min(runtime.GOMAXPROCS(0), n/rowsPerPart))
}

// inParts calls f for each of parts equal parts [lo, hi) of n records, concurrently, the
// first part on the calling goroutine.
func inParts(n, parts int, f func(p, lo, hi int)) {
	var wg sync.WaitGroup
	for p := 1; p < parts; p++ {
		wg.Go(func() { f(p, p*n/parts, (p+1)*n/parts) })
	}
	f(0, 0, n/parts)
	wg.Wait()
}

// writeRowsInParts writes the rows of records to b in order. A long table is rendered in
// parts on every CPU: the first part straight into b, the others into buffers of their
// own that are copied after it, so the table is held once plus what the other parts hold.
func writeRowsInParts(b *strings.Builder, records []jsontext.Canonical, index map[string]int, ncols int) {
	parts := partsFor(len(records))
	rest := make([]bytes.Buffer, parts)
	inParts(len(records), parts, func(p, lo, hi int) {
		if p == 0 {
			writeRows(b, records[lo:hi], index, ncols)
			return
		}
		rest[p].Grow(tableSize(records[lo:hi], ncols))
		writeRows(&rest[p], records[lo:hi], index, ncols)
	})
	for p := 1; p < parts; p++ {
		b.Write(rest[p].Bytes())
		rest[p] = bytes.Buffer{}
	}
}

// writeRows writes one table row per record to w; index maps a key's canonical text to its
// column.
func writeRows(w io.Writer, records []jsontext.Canonical, index map[string]int, ncols int) {
	cells := make([][]byte, ncols)
	var row, scratch []byte
	for _, rec := range records {
		clear(cells)
		for key, val := range rec.Members() {
			if i, ok := index[string(key)]; ok {
				cells[i] = val // a duplicate key: the last one wins, as in decoders
			}
		}
		row = row[:0]
		for i, val := range cells {
			if i == 0 {
				row = append(row, "| "...)
			} else {
				row = append(row, " | "...)
			}
			row, scratch = appendValue(row, val, scratch)
		}
		_, _ = w.Write(endLine(row)) // strings.Builder and bytes.Buffer never fail
	}
}

// columns returns the decoded, sorted union of top-level keys and, for each key's canonical
// JSON text (contextout makes equal strings equal text), its column.
func columns(records []jsontext.Canonical) ([]string, map[string]int) {
	parts := partsFor(len(records))
	found := make([]map[string]string, parts) // per part: canonical key text → decoded key
	inParts(len(records), parts, func(p, lo, hi int) { found[p] = keysOf(records[lo:hi]) })
	seen := found[0]
	for _, more := range found[1:] {
		for text, name := range more {
			seen[text] = name
		}
	}
	cols := make([]string, 0, len(seen))
	for _, name := range seen {
		cols = append(cols, name)
	}
	sort.Strings(cols)
	pos := make(map[string]int, len(cols))
	for i, name := range cols {
		pos[name] = i
	}
	index := make(map[string]int, len(seen))
	for text, name := range seen {
		index[text] = pos[name]
	}
	return cols, index
}

// chosenColumns maps the canonical JSON text of each record key named in cols to its
// column; keys not in cols have no column. A name listed twice keeps its first column.
func chosenColumns(records []jsontext.Canonical, cols []string) map[string]int {
	pos := make(map[string]int, len(cols))
	for i, name := range cols {
		if _, dup := pos[name]; !dup {
			pos[name] = i
		}
	}
	index := map[string]int{}
	for _, rec := range records {
		for key := range rec.Members() {
			if _, done := index[string(key)]; done {
				continue
			}
			if i, ok := pos[string(unquote(nil, key))]; ok {
				index[string(key)] = i
			}
		}
	}
	return index
}

func appendHeader(dst []byte, cols []string) []byte {
	for i, name := range cols {
		if i == 0 {
			dst = append(dst, "| "...)
		} else {
			dst = append(dst, " | "...)
		}
		dst = appendEscaped(dst, []byte(name))
	}
	dst = endLine(dst)
	for i := range cols {
		if i == 0 {
			dst = append(dst, "| ---"...)
		} else {
			dst = append(dst, " | ---"...)
		}
	}
	return append(dst, '\n')
}

// endLine ends a row so that GFM splits it into exactly its cells. Trailing spaces go
// (editors strip them, which would break golden files). A row that then ends with '|' (an
// empty last cell, or a last cell ending with an escaped pipe) gets a closing " |": GFM
// drops a final '|' as the optional closing delimiter, even an escaped one (goldmark does),
// which would merge or lose a cell, and a header row one cell short is no table at all.
func endLine(row []byte) []byte {
	for len(row) > 0 && row[len(row)-1] == ' ' {
		row = row[:len(row)-1]
	}
	if len(row) > 0 && row[len(row)-1] == '|' {
		row = append(row, " |"...)
	}
	return append(row, '\n')
}

// appendValue appends one canonical JSON value as cell text; nil (a missing key) is empty.
// scratch is reused between calls to unquote strings without an allocation per cell.
func appendValue(dst, val, scratch []byte) ([]byte, []byte) {
	if len(val) == 0 {
		return dst, scratch
	}
	switch val[0] {
	case 'n': // null
	case 't', 'f':
		dst = append(dst, val...)
	case '"':
		scratch = unquote(scratch[:0], val)
		dst = appendEscaped(dst, scratch)
	default: // numbers, arrays, objects: their text
		dst = appendEscaped(dst, val)
	}
	return dst, scratch
}

// tableSize estimates the output size so the builder grows once: the records' text plus
// room for separators and escapes.
func tableSize(records []jsontext.Canonical, ncols int) int {
	n := 0
	for _, r := range records {
		n += len(r)
	}
	return n + n/4 + (len(records)+2)*ncols*4
}
