package exoclient

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"

	"github.com/o365auditlog/o365auditlog/auditsearch"
	"github.com/o365auditlog/o365auditlog/jsontext"
)

// A page is read whole, validated once with jsontext.Valid and its rows sliced out of it,
// which costs a fraction of encoding/json's token-by-token decoding (its scanner read each
// row twice and copied every field). Anything that path is not sure to read exactly as
// encoding/json would (a key with non-ASCII letters, a field of an unexpected type, a row
// rowFromWire refuses, text nested deeper than jsontext.MaxValidDepth) goes through the
// streaming decoder instead, which then decides and words the error.

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
	if !jsontext.Valid(body) {
		return p, false
	}
	i := skipSpace(body, 0)
	if body[i] != '{' {
		return p, false
	}
	sawValue, foreign := false, ""
	ok = true
	eachMember(body, i, func(key, val []byte) bool {
		k, unquoted := jsontext.Unquote(nil, key)
		if !unquoted {
			ok = false
			return false
		}
		switch string(k) {
		case "value":
			sawValue = true
			p.rows, ok = rowsFast(val)
		case "@odata.nextLink":
			var link []byte
			link, ok = jsontext.Unquote(nil, val) // null or not a string: the streaming decoder decides
			p.nextLink = string(link)
		case "@adminapi.warnings":
			p.warnings = warningsFrom(val)
		default:
			if !bytes.Contains(k, []byte("@")) {
				foreign = string(k)
			}
		}
		return ok
	})
	return p, ok && (sawValue || foreign == "")
}

// rowsFast reads the "value" array: null, or objects that rowFromWire accepts.
func rowsFast(val []byte) ([]auditsearch.Record, bool) {
	if string(val) == "null" {
		return nil, true
	}
	if val[0] != '[' {
		return nil, false
	}
	rows := []auditsearch.Record{}
	i := skipSpace(val, 1)
	for i < len(val) && val[i] != ']' {
		if val[i] != '{' {
			return nil, false
		}
		w, end, ok := wireRowFast(val, i)
		if !ok {
			return nil, false
		}
		row, err := rowFromWire(&w)
		if err != nil {
			return nil, false
		}
		rows = append(rows, row)
		i = skipSpace(val, end)
		if i < len(val) && val[i] == ',' {
			i = skipSpace(val, i+1)
		}
	}
	return rows, true
}

// wireRowFields are wireRow's fields by name, for matching keys as encoding/json does.
var wireRowFields = []string{"RecordType", "CreationDate", "UserIds", "Operations", "AuditData", "ResultIndex", "ResultCount", "Identity"}

// wireRowFast fills a wireRow from a row object as encoding/json would: keys matched to
// field names exactly or ignoring ASCII case, the last match wins, values as their text.
// A key with a non-ASCII byte is left to encoding/json's Unicode folding (ok false). The
// AuditData text is copied when it is an object (a string is unquoted into a copy
// anyway): rows outlive the body's buffer.
func wireRowFast(b []byte, i int) (w wireRow, end int, ok bool) {
	fields := [...]*json.RawMessage{&w.RecordType, &w.CreationDate, &w.UserIds, &w.Operations, &w.AuditData, &w.ResultIndex, &w.ResultCount, &w.Identity}
	ok = true
	end = eachMember(b, i, func(key, val []byte) bool {
		name := key[1 : len(key)-1]
		if bytes.IndexByte(name, '\\') >= 0 || !isASCII(name) {
			ok = false
			return false
		}
		for f, field := range wireRowFields {
			if len(name) == len(field) && strings.EqualFold(string(name), field) {
				*fields[f] = val
				break
			}
		}
		return true
	})
	if len(w.AuditData) > 0 && w.AuditData[0] == '{' {
		w.AuditData = bytes.Clone(w.AuditData)
	}
	return w, end, ok
}

// eachMember calls f with the key token and value text of each member of the valid JSON
// object starting at b[i], whitespace skipped, until f returns false; it returns the
// index just after the object.
func eachMember(b []byte, i int, f func(key, val []byte) bool) int {
	i = skipSpace(b, i+1)
	for i < len(b) && b[i] == '"' {
		kEnd := jsontext.ValueEnd(b, i)
		vStart := skipSpace(b, skipSpace(b, kEnd)+1) // past ':'
		vEnd := jsontext.ValueEnd(b, vStart)
		if !f(b[i:kEnd], b[vStart:vEnd]) {
			return vEnd
		}
		i = skipSpace(b, vEnd)
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
		}
	}
	return i + 1 // past '}'
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t') {
		i++
	}
	return i
}
