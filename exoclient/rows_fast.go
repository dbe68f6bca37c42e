package exoclient

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"

	"github.com/o365auditlog/o365auditlog/auditsearch"
	"github.com/o365auditlog/o365auditlog/jsontext"
)

// A page is read whole and walked once: the walk checks each value it passes as
// jsontext.Valid would (so nothing is read that encoding/json refuses) and slices the rows
// out, and the AuditData string is decoded where the walk finds it. That costs a fraction
// of encoding/json's token-by-token decoding, and of validating the page first and walking
// it again (each pass over a row's bytes counted: issue 15). Anything that path is not
// sure to read exactly as encoding/json would (invalid JSON, a key with non-ASCII letters,
// a field of an unexpected type, a row rowFromWire refuses, text nested deeper than
// jsontext.MaxValidDepth) goes through the streaming decoder instead, which then decides
// and words the error.

// pageBuffers keeps a few read buffers for page bodies (rows never keep a reference to
// one). Few: a body of 5,000 rows is about 7 MB, and a pool kept one per worker.
var pageBuffers = make(chan []byte, 2)

// pageBuffer returns a kept buffer or none (readBody grows it).
func pageBuffer() []byte {
	select {
	case b := <-pageBuffers:
		return b
	default:
		return nil
	}
}

// keepPageBuffer keeps b for another body if there is room.
func keepPageBuffer(b []byte) {
	select {
	case pageBuffers <- b[:0]:
	default:
	}
}

// readBody reads r into buf up to limit+1 bytes.
func readBody(r io.Reader, limit int64, buf []byte) ([]byte, error) {
	buf = buf[:0]
	lr := io.LimitedReader{R: r, N: limit + 1}
	for {
		if len(buf) == cap(buf) { // double: a body is read in a few copies, not dozens
			grown := make([]byte, len(buf), max(64<<10, 2*cap(buf)))
			copy(grown, buf)
			buf = grown
		}
		n, err := lr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// decodePageFast decodes a whole body the quick way; ok is false when the streaming
// decoder must read it instead.
func decodePageFast(body []byte) (p wirePage, ok bool) {
	i := skipSpace(body, 0)
	if i >= len(body) || body[i] != '{' {
		return p, false
	}
	sawValue, foreign := false, ""
	var scratch []byte // the AuditData strings, unquoted one after the other
	end, ok := eachMember(body, i, func(key []byte, v int) (int, bool) {
		k, unquoted := jsontext.Unquote(nil, key)
		if !unquoted {
			return v, false
		}
		switch string(k) {
		case "value":
			sawValue = true
			rows, end, grown, ok := rowsFast(body, v, scratch)
			p.rows, scratch = rows, grown
			return end, ok
		case "@odata.nextLink":
			end, ok := jsontext.ValidEnd(body, v)
			if !ok {
				return end, false
			}
			link, ok := jsontext.Unquote(nil, body[v:end]) // null or not a string: the streaming decoder decides
			p.nextLink = string(link)
			return end, ok
		case "@adminapi.warnings":
			end, ok := jsontext.ValidEnd(body, v)
			if ok {
				p.warnings = warningsFrom(body[v:end])
			}
			return end, ok
		default:
			if !bytes.Contains(k, []byte("@")) {
				foreign = string(k)
			}
			return jsontext.ValidEnd(body, v)
		}
	})
	ok = ok && skipSpace(body, end) == len(body)
	return p, ok && (sawValue || foreign == "")
}

// rowsFast reads the "value" array at b[i]: null, or objects that rowFromWire accepts. It
// returns the index after the array, and scratch for the next use.
func rowsFast(b []byte, i int, scratch []byte) (rows []auditsearch.Record, end int, _ []byte, ok bool) {
	if b[i] == 'n' {
		end, ok := jsontext.ValidEnd(b, i)
		return nil, end, scratch, ok && string(b[i:end]) == "null"
	}
	if b[i] != '[' {
		return nil, i, scratch, false
	}
	kept := rowBuffer()
	defer func() { keepRowBuffer(kept) }()
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return []auditsearch.Record{}, i + 1, scratch, true
	}
	for i < len(b) && b[i] == '{' {
		var row auditsearch.Record
		if row, i, scratch, ok = rowFast(b, i, scratch); !ok {
			return nil, i, scratch, false
		}
		kept = append(kept, row)
		if i = skipSpace(b, i); i >= len(b) {
			break
		}
		switch b[i] {
		case ']':
			rows = make([]auditsearch.Record, len(kept))
			copy(rows, kept)
			return rows, i + 1, scratch, true
		case ',':
			i = skipSpace(b, i+1)
		default:
			return nil, i, scratch, false
		}
	}
	return nil, i, scratch, false
}

// rowBuffers keeps a few slices that rowsFast collects a page's rows in, then copies to a
// slice of exactly their number: appended to directly, a page's rows slice grew by a
// quarter at a time, and the copies were a third of the bytes a page's decode allocated
// (issue 15), the last one up to a quarter larger than the rows, for as long as they live.
var rowBuffers = make(chan []auditsearch.Record, 2)

// rowBuffer returns a kept row buffer, empty, or none (append grows it).
func rowBuffer() []auditsearch.Record {
	select {
	case b := <-rowBuffers:
		return b
	default:
		return nil
	}
}

// keepRowBuffer keeps b, cleared so that it holds no row's text alive, if there is room.
func keepRowBuffer(b []auditsearch.Record) {
	clear(b)
	select {
	case rowBuffers <- b[:0]:
	default:
	}
}

// rowFast reads the row object at b[i] into a Record, as rowFromWire would.
func rowFast(b []byte, i int, scratch []byte) (row auditsearch.Record, end int, _ []byte, ok bool) {
	w, audit, isString, end, scratch, ok := wireRowFast(b, i, scratch)
	if !ok {
		return row, end, scratch, false
	}
	var err error
	if isString {
		var rec json.RawMessage
		if rec, err = recordText(audit); err == nil {
			row, err = rowWithAudit(&w, rec)
		}
	} else {
		row, err = rowFromWire(&w)
	}
	return row, end, scratch, err == nil
}

// wireRowFields are wireRow's fields by name, for matching keys as encoding/json does.
var wireRowFields = []string{"RecordType", "CreationDate", "UserIds", "Operations", "AuditData", "ResultIndex", "ResultCount", "Identity"}

// auditDataField is AuditData's index in wireRowFields.
const auditDataField = 4

// wireRowFast fills a wireRow from the row object at b[i] as encoding/json would: keys
// matched to field names exactly or ignoring ASCII case, the last match wins, values as
// their text. A key with a non-ASCII byte is left to encoding/json's Unicode folding (ok
// false). When the AuditData that wins is a string (isString), audit is its value,
// unquoted into scratch (which it returns grown) as the walk met it. An AuditData object
// is copied: rows outlive the body's buffer.
func wireRowFast(b []byte, i int, scratch []byte) (w wireRow, audit []byte, isString bool, end int, _ []byte, ok bool) {
	fields := [...]*json.RawMessage{&w.RecordType, &w.CreationDate, &w.UserIds, &w.Operations, &w.AuditData, &w.ResultIndex, &w.ResultCount, &w.Identity}
	end, ok = eachMember(b, i, func(key []byte, v int) (int, bool) {
		name := key[1 : len(key)-1]
		if bytes.IndexByte(name, '\\') >= 0 || !isASCII(name) {
			return v, false
		}
		f := wireField(name)
		var end int
		var ok bool
		isAudit := f == auditDataField
		if isAudit && b[v] == '"' {
			audit, end, ok = jsontext.UnquoteAt(scratch[:0], b, v)
			scratch, isString = audit[:0], true
		} else {
			end, ok = jsontext.ValidEnd(b, v)
			isString = isString && !isAudit
		}
		if f >= 0 {
			*fields[f] = b[v:end]
		}
		return end, ok
	})
	if ok && !isString && len(w.AuditData) > 0 && w.AuditData[0] == '{' {
		w.AuditData = bytes.Clone(w.AuditData)
	}
	return w, audit, isString, end, scratch, ok
}

// wireField is the index in wireRowFields of the field that key name (ASCII) matches, or
// -1. The service spells the names exactly, which a switch finds without a loop of
// strings.EqualFold over the fields for every key of every row; the names differ
// ignoring case too, so an exact match is the one encoding/json would pick.
func wireField(name []byte) int {
	switch string(name) {
	case "RecordType":
		return 0
	case "CreationDate":
		return 1
	case "UserIds":
		return 2
	case "Operations":
		return 3
	case "AuditData":
		return auditDataField
	case "ResultIndex":
		return 5
	case "ResultCount":
		return 6
	case "Identity":
		return 7
	}
	for n, field := range wireRowFields {
		if len(name) == len(field) && strings.EqualFold(string(name), field) {
			return n
		}
	}
	return -1
}

// eachMember walks the object starting at b[i], checking its syntax: for each member it
// calls f with the key token (valid) and the index of the value, whitespace skipped; f
// returns the index after the value, or ok false to stop. eachMember returns the index
// just after the object.
func eachMember(b []byte, i int, f func(key []byte, v int) (end int, ok bool)) (end int, ok bool) {
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1, true
	}
	for i < len(b) && b[i] == '"' {
		kEnd, ok := jsontext.ValidEnd(b, i)
		if !ok {
			return kEnd, false
		}
		colon := skipSpace(b, kEnd)
		if colon >= len(b) || b[colon] != ':' {
			return colon, false
		}
		v := skipSpace(b, colon+1)
		if v >= len(b) {
			return v, false
		}
		vEnd, ok := f(b[i:kEnd], v)
		if !ok {
			return vEnd, false
		}
		if i = skipSpace(b, vEnd); i >= len(b) {
			break
		}
		switch b[i] {
		case '}':
			return i + 1, true
		case ',':
			i = skipSpace(b, i+1)
		default:
			return i, false
		}
	}
	return i, false
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t') {
		i++
	}
	return i
}
