package exoclient

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/o365auditlog/o365auditlog/auditsearch"
	"github.com/o365auditlog/o365auditlog/recordtype"
)

// setRowText sets the row's RecordType, Operations, UserIDs and ID (id, the record's Id,
// else the row's Identity), all cut from one string: a string each was four of the nine
// allocations per record of a page's decode (issue 15). The string holds only these
// fields' bytes, and a row keeps all four as long as it lives, so it pins nothing more.
func setRowText(row *auditsearch.Record, w *wireRow, id json.RawMessage) {
	var stack [256]byte // most rows' fields fit: their only heap copy is the string
	buf := appendRecordType(stack[:0], w.RecordType)
	typeEnd := len(buf)
	buf = appendList(buf, w.Operations)
	opsEnd := len(buf)
	buf = appendList(buf, w.UserIds)
	usersEnd := len(buf)
	if buf = appendScalar(buf, id); len(buf) == usersEnd { // Identity only read when needed
		buf = appendScalar(buf, w.Identity)
	}
	text := string(buf)
	row.RecordType, row.Operations = text[:typeEnd], text[typeEnd:opsEnd]
	row.UserIDs, row.ID = text[opsEnd:usersEnd], text[usersEnd:]
}

// appendScalar appends a JSON string's value or a number's text (scalarBytes) to dst.
func appendScalar(dst []byte, v json.RawMessage) []byte {
	return append(dst, scalarBytes(dst[len(dst):], v)...)
}

// appendRecordType appends the record type: a number (JSON number or digit string) as its
// enum name; a number the table does not know yet stays its decimal text (Microsoft adds
// record types often).
func appendRecordType(dst []byte, v json.RawMessage) []byte {
	start := len(dst)
	dst = appendScalar(dst, v)
	text := dst[start:]
	if !maybeInt(text) { // a name: strconv.Atoi would refuse it, and allocate its error
		return dst
	}
	n, err := strconv.Atoi(string(text))
	if err != nil {
		return dst
	}
	if t, ok := recordtype.ByValue(n); ok {
		return append(dst[:start], t.Name...)
	}
	return strconv.AppendInt(dst[:start], int64(n), 10)
}

// maybeInt reports whether b has strconv.Atoi's shape: a sign, optionally, then digits.
func maybeInt(b []byte) bool {
	if len(b) > 0 && (b[0] == '+' || b[0] == '-') {
		b = b[1:]
	}
	_, ok := digits(b)
	return len(b) > 0 && ok
}

// appendList appends a string as is, or an array's strings (and numbers) joined with
// ", ".
func appendList(dst []byte, v json.RawMessage) []byte {
	if v = bytes.TrimSpace(v); len(v) == 0 || v[0] != '[' {
		return appendScalar(dst, v)
	}
	var items []json.RawMessage
	if json.Unmarshal(v, &items) != nil {
		return dst
	}
	start := len(dst)
	for _, it := range items {
		mark := len(dst)
		if mark > start {
			dst = append(dst, ", "...)
		}
		from := len(dst)
		if dst = appendScalar(dst, it); len(dst) == from {
			dst = dst[:mark] // an empty item is left out, separator and all
		}
	}
	return dst
}
