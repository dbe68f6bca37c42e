package exoclient

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/o365auditlog/o365auditlog/auditsearch"
	"github.com/o365auditlog/o365auditlog/contextout"
	"github.com/o365auditlog/o365auditlog/jsontext"
	"github.com/o365auditlog/o365auditlog/msclient"
)

// DecodePage stream-decodes one InvokeCommand response body {"value":[ROW…],
// "@odata.nextLink":"…"}, reading at most limit bytes (a larger body is a
// *PageTooLargeError). Malformed or truncated JSON is a *DecodeError. A body without
// "value", or with "value": null, is an empty page (live tenants send both, DESIGN §4b L2).
func DecodePage(r io.Reader, limit int64) (rows []auditsearch.Record, nextLink string, err error) {
	p, err := decodePage(r, limit)
	return p.rows, p.nextLink, err
}

// wirePage is one decoded response body.
type wirePage struct {
	rows     []auditsearch.Record
	nextLink string
	// warnings are the "@adminapi.warnings" texts (DESIGN §4b L2, L3).
	warnings []string
}

func decodePage(r io.Reader, limit int64) (wirePage, error) {
	body, err := readPage(r, limit)
	defer keepPageBuffer(body)
	if err != nil {
		return wirePage{}, err
	}
	return decodeBody(body, limit)
}

// readPage reads a whole body of at most limit bytes into a kept buffer (give it back
// with keepPageBuffer).
func readPage(r io.Reader, limit int64) ([]byte, error) {
	body, err := readBody(r, limit, pageBuffer())
	if int64(len(body)) > limit {
		return body, &msclient.PageTooLargeError{Limit: limit}
	}
	if err != nil {
		return body, &msclient.DecodeError{Err: err}
	}
	return body, nil
}

// decodeBody decodes a body readPage read.
func decodeBody(body []byte, limit int64) (wirePage, error) {
	if p, ok := decodePageFast(body); ok {
		return p, nil
	}
	return decodeStream(bytes.NewReader(body), limit)
}

// decodeStream decodes a body token by token with encoding/json: the reference for what
// decodePageFast reads, and the reader of every body it leaves.
func decodeStream(r io.Reader, limit int64) (wirePage, error) {
	lr := &io.LimitedReader{R: r, N: limit + 1}
	dec := json.NewDecoder(lr)
	dec.UseNumber()
	p, err := decodePageObject(dec)
	if lr.N <= 0 {
		return wirePage{}, &msclient.PageTooLargeError{Limit: limit}
	}
	if err != nil {
		return wirePage{}, &msclient.DecodeError{Err: err}
	}
	return p, nil
}

func decodePageObject(dec *json.Decoder) (wirePage, error) {
	var (
		p        wirePage
		sawValue bool
		foreign  string
	)
	if err := expectDelim(dec, '{'); err != nil {
		return p, err
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return p, err
		}
		switch key {
		case "value":
			sawValue = true
			if p.rows, err = decodeRowArray(dec); err != nil {
				return p, err
			}
		case "@odata.nextLink":
			if err := dec.Decode(&p.nextLink); err != nil {
				return p, fmt.Errorf("@odata.nextLink: %w", err)
			}
		case "@adminapi.warnings":
			if p.warnings, err = decodeWarnings(dec); err != nil {
				return p, fmt.Errorf("@adminapi.warnings: %w", err)
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return p, err
			}
			if k, _ := key.(string); !strings.Contains(k, "@") {
				foreign = k
			}
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return p, err
	}
	if !sawValue && foreign != "" {
		// Without "value", only annotations (@odata.context, @adminapi.warnings…) make an
		// empty answer; anything else is not Exchange Online's.
		return p, fmt.Errorf(`no "value" array in the response, but a %q field`, foreign)
	}
	return p, nil
}

// decodeWarnings reads the warnings: an array of strings (null and non-string items are
// tolerated and skipped), or a single string.
func decodeWarnings(dec *json.Decoder) ([]string, error) {
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil, err
	}
	return warningsFrom(raw), nil
}

// warningsFrom reads warnings from their JSON text (valid JSON).
func warningsFrom(raw json.RawMessage) []string {
	var items []json.RawMessage
	if json.Unmarshal(raw, &items) != nil {
		items = []json.RawMessage{raw}
	}
	var out []string
	for _, it := range items {
		var s string
		if json.Unmarshal(it, &s) == nil {
			if s = msclient.CleanText(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

func decodeRowArray(dec *json.Decoder) ([]auditsearch.Record, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if tok == nil { // "value": null
		return nil, nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, fmt.Errorf(`"value" is not an array`)
	}
	rows := []auditsearch.Record{}
	for i := 0; dec.More(); i++ {
		// Straight into wireRow: decoding each row to a json.RawMessage first and then
		// unmarshalling that scanned and copied every row twice more.
		var w wireRow
		if err := dec.Decode(&w); err != nil {
			var typeErr *json.UnmarshalTypeError
			if errors.As(err, &typeErr) {
				return nil, fmt.Errorf("row %d: %w", i, err)
			}
			return nil, err
		}
		row, err := rowFromWire(&w)
		if err != nil {
			return nil, fmt.Errorf("row %d: %w", i, err)
		}
		rows = append(rows, row)
	}
	_, err = dec.Token() // ']'
	return rows, err
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("expected %q, found %v", want, tok)
	}
	return nil
}

// wireRow is a row as the service sends it; every field's JSON type is undocumented.
type wireRow struct {
	RecordType   json.RawMessage
	CreationDate json.RawMessage
	UserIds      json.RawMessage
	Operations   json.RawMessage
	AuditData    json.RawMessage
	ResultIndex  json.RawMessage
	ResultCount  json.RawMessage
	Identity     json.RawMessage
}

// auditHead is what Row needs from inside AuditData.
type auditHead struct {
	ID           json.RawMessage `json:"Id"`
	CreationTime json.RawMessage `json:"CreationTime"`
}

// readHead reads the record's Id and CreationTime and validates it. A record in canonical
// form, as the service sends them (compact), costs one scan of contextout's sanitiser,
// which hands over the top-level members as it goes, and no allocation: canonical text is
// valid JSON, so nothing is accepted that encoding/json would refuse. Any other text, and
// a record with a non-ASCII top-level key (whose case folding only encoding/json knows),
// is decoded by encoding/json as before, which then decides what is accepted:
// json.Unmarshal of the record scanned it twice and was a third of the decode's CPU.
// canon is the record sanitised (nil if the sanitiser refused it), for the commands to use
// instead of sanitising it again.
func readHead(audit []byte) (head auditHead, canon jsontext.Canonical, err error) {
	ascii := true
	c, err := contextout.RecordMembers(audit, func(key, val []byte) {
		switch {
		case !isASCII(key):
			ascii = false
		case foldEqual(key, `"Id"`):
			head.ID = val
		case foldEqual(key, `"CreationTime"`):
			head.CreationTime = val
		}
	})
	if err != nil {
		c = nil
	}
	if err == nil && ascii && len(c) == len(audit) && &c[0] == &audit[0] {
		return head, c, nil
	}
	var decoded auditHead // apart from head, which then needs no heap allocation
	err = json.Unmarshal(audit, &decoded)
	return decoded, c, err
}

// foldEqual is encoding/json's match of a key to a field name for ASCII keys: exact, or
// equal ignoring ASCII case.
func foldEqual(key []byte, name string) bool {
	return len(key) == len(name) && (string(key) == name || strings.EqualFold(string(key), name))
}

// isASCII reports whether b has no byte from 0x80. It runs on every key of every row and
// record, so it tests eight bytes at a time.
func isASCII(b []byte) bool {
	for ; len(b) >= 8; b = b[8:] {
		if binary.LittleEndian.Uint64(b)&0x8080808080808080 != 0 {
			return false
		}
	}
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// DecodeRow decodes one row tolerantly: RecordType as name or number, dates as RFC 3339
// with or without zone or /Date(ms)/, counts as numbers or strings, AuditData as a JSON
// string holding the record (or, tolerated, the record object itself). The record's text
// is kept byte for byte, so its numbers stay exact.
func DecodeRow(raw []byte) (auditsearch.Record, error) {
	var w wireRow
	if err := json.Unmarshal(raw, &w); err != nil {
		return auditsearch.Record{}, err
	}
	return rowFromWire(&w)
}

// rowFromWire is DecodeRow after the row's own JSON is decoded.
func rowFromWire(w *wireRow) (auditsearch.Record, error) {
	audit, err := auditText(w.AuditData)
	if err != nil {
		return auditsearch.Record{}, err
	}
	return rowWithAudit(w, audit)
}

// rowWithAudit is rowFromWire once the record's text is out of AuditData.
func rowWithAudit(w *wireRow, audit json.RawMessage) (auditsearch.Record, error) {
	head, canon, err := readHead(audit)
	if err != nil { // readHead validates the record too
		if bytes.HasPrefix(bytes.TrimSpace(w.AuditData), []byte{'"'}) {
			return auditsearch.Record{}, errors.New("AuditData does not hold a JSON object")
		}
		return auditsearch.Record{}, fmt.Errorf("AuditData: %w", err)
	}
	row := auditsearch.Record{AuditData: audit, Canonical: canon}
	setRowText(&row, w, head.ID)
	row.ResultIndex = intValue(w.ResultIndex)
	row.ResultCount = intValue(w.ResultCount)
	var buf [64]byte // the times are parsed from a stack copy, not a string on the heap
	row.CreationTime = parseTimeBytes(scalarBytes(buf[:0], head.CreationTime))
	if row.CreationTime.IsZero() {
		row.CreationTime = parseTimeBytes(scalarBytes(buf[:0], w.CreationDate))
	}
	return row, nil
}

// auditText returns the record's JSON text: the unescaped string, or an object as sent.
func auditText(v json.RawMessage) (json.RawMessage, error) {
	v = bytes.TrimSpace(v)
	switch {
	case len(v) == 0 || string(v) == "null":
		return nil, errors.New("AuditData missing")
	case v[0] == '{':
		return v, nil
	case v[0] != '"':
		return nil, errors.New("AuditData is neither a JSON string nor an object")
	}
	// One pass into a scratch buffer (unquote.go), then one copy of exactly the record's
	// size: the escaped string is a tenth or more longer than the record, and an export
	// holds hundreds of thousands of records in flight. The caller's reading of the
	// record's head validates it, so no json.Valid scan here.
	buf := unquoteBuffers.Get().(*[]byte)
	defer unquoteBuffers.Put(buf)
	text, ok := jsontext.Unquote((*buf)[:0], v)
	if !ok {
		return nil, errors.New("AuditData: invalid JSON string")
	}
	*buf = text[:0]
	return recordText(text)
}

// recordText is the record held in the unquoted AuditData string text (a scratch buffer):
// a copy of exactly its size.
func recordText(text []byte) (json.RawMessage, error) {
	text = bytes.TrimSpace(text)
	if len(text) == 0 || text[0] != '{' {
		return nil, errors.New("AuditData does not hold a JSON object")
	}
	// make and copy, not bytes.Clone: the compiler makes this pair one allocation that it
	// does not clear, where Clone's append cleared the rest of the size class, a few
	// percent of a page's decode.
	rec := make(json.RawMessage, len(text))
	copy(rec, text)
	return rec, nil
}

// unquoteBuffers are scratch buffers for auditText.
var unquoteBuffers = sync.Pool{New: func() any { return new([]byte) }}

// scalarBytes is a JSON string's value, trimmed, appended to dst, or a number's text
// sliced out of v; nil otherwise.
func scalarBytes(dst []byte, v json.RawMessage) []byte {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return nil
	}
	if v[0] == '"' {
		// jsontext.Unquote decodes as json.Unmarshal into a string would, without its
		// validation scan and reflection: this runs for several fields of every row.
		s, _ := jsontext.Unquote(dst, v)
		return bytes.TrimSpace(s)
	}
	if v[0] == '-' || (v[0] >= '0' && v[0] <= '9') {
		return v
	}
	return nil
}

// intValue reads a count sent as a number or a string; 0 if neither. Out-of-range values
// saturate instead of wrapping.
func intValue(v json.RawMessage) int {
	var buf [64]byte
	s := string(scalarBytes(buf[:0], v)) // does not escape: no allocation for a count
	if s == "" {
		return 0
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return int(max(min(n, math.MaxInt32), math.MinInt32))
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(f) {
		return int(max(min(f, math.MaxInt32), math.MinInt32))
	}
	return 0
}

// timeLayouts are the shapes seen for CreationTime/CreationDate; no zone means UTC.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"1/2/2006 3:04:05 PM",
}

// parseTime reads RFC 3339 (zone optional, UTC assumed) or /Date(ms)/ (optionally with an
// offset suffix, which does not change the instant). The zero time if nothing fits.
func parseTime(s string) time.Time {
	if strings.HasPrefix(s, "/Date(") && strings.HasSuffix(s, ")/") {
		inner := s[len("/Date(") : len(s)-len(")/")]
		if i := strings.IndexAny(inner[min(1, len(inner)):], "+-"); i >= 0 {
			inner = inner[:i+min(1, len(inner))]
		}
		ms, err := strconv.ParseInt(inner, 10, 64)
		if err != nil {
			return time.Time{}
		}
		return time.UnixMilli(ms).UTC()
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}
