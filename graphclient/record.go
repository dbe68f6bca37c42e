package graphclient

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/o365auditlog/o365auditlog/auditsearch"
	"github.com/o365auditlog/o365auditlog/recordtype"
)

// wireRecord is an auditLogRecord. Only what the AuditData lacks is read from the
// envelope: its user and address fields are wrong on live tenants (userId is the
// UserKey, userPrincipalName the UserId, clientIp null) and are never used.
type wireRecord struct {
	ID                 string
	CreatedDateTime    string
	AuditLogRecordType string
	Operation          string
	AuditData          []byte // the raw object, annotations included
}

// toRecord converts a Graph record: its AuditData without OData annotations, byte for byte
// as Exchange Online returns it, and the Record's fields from that AuditData (the
// envelope's id, time, type and operation only where the AuditData lacks them).
func toRecord(w *wireRecord) (auditsearch.Record, error) {
	var id, created, typ, op, user string
	audit, err := stripTop(make([]byte, 0, len(w.AuditData)), w.AuditData, func(key, v []byte) {
		switch string(key) {
		case `"Id"`:
			id = scalarText(v)
		case `"CreationTime"`:
			created = scalarText(v)
		case `"RecordType"`:
			typ = scalarText(v)
		case `"Operation"`:
			op = scalarText(v)
		case `"UserId"`:
			user = scalarText(v)
		}
	})
	if err != nil {
		return auditsearch.Record{}, &RecordError{ID: w.ID, Err: err}
	}
	r := auditsearch.Record{AuditData: audit}
	r.ID = firstNonEmpty(id, w.ID)
	r.CreationTime = parseTime(created)
	if r.CreationTime.IsZero() {
		r.CreationTime = parseTime(w.CreatedDateTime)
	}
	r.RecordType = recordTypeName(typ, w.AuditLogRecordType)
	r.Operations = firstNonEmpty(op, w.Operation)
	r.UserIDs = user
	return r, nil
}

// recordTypeName is the classic (PascalCase) name of the AuditData's RecordType (a number
// or a name), else of the envelope's auditLogRecordType (a Graph name, in any case).
func recordTypeName(audit, envelope string) string {
	if audit != "" {
		if n, err := strconv.Atoi(audit); err == nil {
			if t, ok := recordtype.ByValue(n); ok {
				return t.Name
			}
			return audit
		}
		if t, ok := recordtype.ByName(audit); ok {
			return t.Name
		}
		return audit
	}
	if envelope == "" {
		return ""
	}
	if t, ok := recordtype.ByName(envelope); ok {
		return t.Name
	}
	if name, ok := classicByGraphName()[strings.ToLower(envelope)]; ok {
		return name
	}
	r, size := utf8.DecodeRuneInString(envelope)
	return string(unicode.ToUpper(r)) + envelope[size:]
}

// classicByGraphName maps lower-case Graph names to classic names (built once from the
// embedded table; never modified).
var classicByGraphName = sync.OnceValue(func() map[string]string {
	m := map[string]string{}
	for _, t := range recordtype.All() {
		if t.GraphName != "" {
			m[strings.ToLower(t.GraphName)] = t.Name
		}
	}
	return m
})

// scalarText is a JSON string's value or a number's text; "" otherwise.
func scalarText(v json.RawMessage) string {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return ""
	}
	if v[0] == '"' {
		s, err := jsonString(v)
		if err != nil {
			return ""
		}
		return strings.TrimSpace(s)
	}
	if v[0] == '-' || (v[0] >= '0' && v[0] <= '9') {
		return string(v)
	}
	return ""
}

// parseTime reads RFC 3339 with or without a zone (AuditData's CreationTime has none: it
// is UTC), with any fraction; the zero time when it cannot.
func parseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC()
	}
	if t, err := time.ParseInLocation("2006-01-02T15:04:05", s, time.UTC); err == nil {
		return t
	}
	return time.Time{}
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
