package graphclient

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// A records page is up to 1,000 records of a few kilobytes each, and an export reads a
// million of them: a page is scanned once, by hand, instead of decoding it with
// reflection and then every record again. Values are sub-slices of the page; only the
// stripped AuditData is copied.

// scanPage reads a records page: {"value":[record…], "@odata.nextLink":"…", …}.
func scanPage(b []byte) (recs []wireRecord, nextLink string, err error) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return nil, "", fmt.Errorf("records page is not a JSON object")
	}
	end, err := members(b, i, func(key []byte, v []byte) error {
		switch string(key) {
		case `"value"`:
			recs, err = scanRecords(v)
			return err
		case `"@odata.nextLink"`:
			nextLink, err = jsonString(v)
			return err
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	if skipSpace(b, end) != len(b) {
		return nil, "", fmt.Errorf("unexpected data after the records page")
	}
	return recs, nextLink, nil
}

// scanRecords reads the value array (null or absent means no records).
func scanRecords(v []byte) ([]wireRecord, error) {
	if string(v) == "null" {
		return nil, nil
	}
	if len(v) == 0 || v[0] != '[' {
		return nil, fmt.Errorf("records page: value is not an array")
	}
	recs := make([]wireRecord, 0, pageTop)
	i := skipSpace(v, 1)
	if i < len(v) && v[i] == ']' {
		return recs, nil
	}
	for {
		if i >= len(v) || v[i] != '{' {
			return nil, fmt.Errorf("records page: a record is not an object")
		}
		var w wireRecord
		end, err := members(v, i, w.set)
		if err != nil {
			return nil, err
		}
		recs = append(recs, w)
		i = skipSpace(v, end)
		if i < len(v) && v[i] == ',' {
			i = skipSpace(v, i+1)
			continue
		}
		if i < len(v) && v[i] == ']' {
			return recs, nil
		}
		return nil, fmt.Errorf("records page: expected , or ] after a record")
	}
}

// set takes one envelope member.
func (w *wireRecord) set(key, v []byte) error {
	var err error
	switch string(key) {
	case `"id"`:
		w.ID, err = jsonStringOrNull(v)
	case `"createdDateTime"`:
		w.CreatedDateTime, err = jsonStringOrNull(v)
	case `"auditLogRecordType"`:
		w.AuditLogRecordType, err = jsonStringOrNull(v)
	case `"operation"`:
		w.Operation, err = jsonStringOrNull(v)
	case `"auditData"`:
		w.AuditData = v
	}
	return err
}

// members calls fn with each member of the object starting at b[i] (its raw, quoted key
// and its value's bytes) and returns the index just past the object.
func members(b []byte, i int, fn func(key, value []byte) error) (int, error) {
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1, nil
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return 0, fmt.Errorf("offset %d: expected a member name", i)
		}
		keyEnd, err := stringEnd(b, i)
		if err != nil {
			return 0, err
		}
		j := skipSpace(b, keyEnd)
		if j >= len(b) || b[j] != ':' {
			return 0, fmt.Errorf("offset %d: expected a colon", j)
		}
		j = skipSpace(b, j+1)
		vEnd, err := skipValue(b, j, 0)
		if err != nil {
			return 0, err
		}
		if err := fn(b[i:keyEnd], b[j:vEnd]); err != nil {
			return 0, err
		}
		i = skipSpace(b, vEnd)
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
			continue
		}
		if i < len(b) && b[i] == '}' {
			return i + 1, nil
		}
		return 0, fmt.Errorf("offset %d: expected , or }", i)
	}
}

// skipValue returns the index just past the value starting at b[i].
func skipValue(b []byte, i, depth int) (int, error) {
	if i >= len(b) {
		return 0, fmt.Errorf("unexpected end of JSON")
	}
	if depth > maxDepth {
		return 0, fmt.Errorf("nested deeper than %d", maxDepth)
	}
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{':
		return members(b, i, func(_, _ []byte) error { return nil })
	case '[':
		i = skipSpace(b, i+1)
		if i < len(b) && b[i] == ']' {
			return i + 1, nil
		}
		for {
			end, err := skipValue(b, i, depth+1)
			if err != nil {
				return 0, err
			}
			i = skipSpace(b, end)
			if i < len(b) && b[i] == ',' {
				i = skipSpace(b, i+1)
				continue
			}
			if i < len(b) && b[i] == ']' {
				return i + 1, nil
			}
			return 0, fmt.Errorf("offset %d: expected , or ]", i)
		}
	}
	j := i
	for j < len(b) && !isSpace(b[j]) && b[j] != ',' && b[j] != ']' && b[j] != '}' {
		j++
	}
	if j == i {
		return 0, fmt.Errorf("offset %d: unexpected %q", i, b[i])
	}
	return j, nil
}

// stringEnd is the index just past the string starting at b[i]: the next quote not
// escaped (IndexByte finds quotes quickly; records are mostly strings).
func stringEnd(b []byte, i int) (int, error) {
	j := i + 1
	for {
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			return 0, fmt.Errorf("offset %d: unterminated string", i)
		}
		q := j + k
		n := 0
		for p := q - 1; p > i && b[p] == '\\'; p-- {
			n++
		}
		if n%2 == 0 {
			return q + 1, nil
		}
		j = q + 1
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// jsonString decodes a JSON string value.
func jsonString(v []byte) (string, error) {
	if len(v) < 2 || v[0] != '"' {
		return "", fmt.Errorf("expected a JSON string")
	}
	if bytes.IndexByte(v, '\\') < 0 {
		return string(v[1 : len(v)-1]), nil
	}
	var s string
	err := json.Unmarshal(v, &s)
	return s, err
}

// jsonStringOrNull is jsonString with null (or any non-string) as "".
func jsonStringOrNull(v []byte) (string, error) {
	if len(v) == 0 || v[0] != '"' {
		return "", nil
	}
	return jsonString(v)
}
