package contextout

import (
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/o365auditlog/o365auditlog/jsontext"
)

// Key is the entry-context key of the search results (DESIGN §5): XSOAR merges the list
// into O365AuditLog, deduplicating records by Id.
const Key = "O365AuditLog(val.Id && val.Id == obj.Id)"

// MaxDepth is the deepest nesting of objects and arrays accepted in one record, the record
// itself counting as 1. Real AuditData nests about 5 deep. The bound sits well below the
// limits of what consumes the context afterwards, with room for the envelope around it:
// Go's encoding/json stops at 10,000 for a whole message, and Python's json module (the
// XSOAR bridge) at the interpreter's recursion limit, 1,000 by default.
const MaxDepth = 512

// Errors a record can fail with; match them with errors.Is.
var (
	// ErrNotObject: the record is valid JSON text but not an object.
	ErrNotObject = errors.New("not a JSON object")
	// ErrSyntax: the record is not valid JSON.
	ErrSyntax = errors.New("invalid JSON")
	// ErrTooDeep: the record nests deeper than MaxDepth.
	ErrTooDeep = errors.New("nested too deeply")
)

// RecordError reports which record of a list failed and why.
type RecordError struct {
	// Index is the record's 0-based position in the list.
	Index int
	// Err wraps one of ErrNotObject, ErrSyntax or ErrTooDeep.
	Err error
}

// Error names the record by its 1-based position, as an analyst counts.
func (e *RecordError) Error() string {
	return fmt.Sprintf("AuditData record %d (index %d): %v", e.Index+1, e.Index, e.Err)
}

// Unwrap returns the cause.
func (e *RecordError) Unwrap() error { return e.Err }

// Records turns AuditData records (each the JSON text of one record) into the context list:
// the same records, in the same order, as canonical compact JSON. The first record that is
// not a JSON object fails the whole list with a *RecordError naming its position. The
// result is never nil, so it encodes as [] when there are no records.
//
// A long list is sanitised in parts on every CPU: a search's records all arrive before
// this runs, so it is time the analyst waits for, and each record is independent.
func Records(records []json.RawMessage) ([]jsontext.Canonical, error) {
	out := make([]jsontext.Canonical, len(records))
	parts := min(runtime.GOMAXPROCS(0), len(records)/recordsPerPart)
	if parts <= 1 {
		return out, sanitizeInto(out, records, 0)
	}
	errs := make([]error, parts)
	var wg sync.WaitGroup
	for p := range parts {
		lo, hi := p*len(records)/parts, (p+1)*len(records)/parts
		wg.Go(func() { errs[p] = sanitizeInto(out[lo:hi], records[lo:hi], lo) })
	}
	wg.Wait()
	for _, err := range errs { // the first part's error names the first bad record
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// recordsPerPart is the fewest records worth a goroutine of their own.
const recordsPerPart = 2048

// sanitizeInto sanitises records into out; first is the index of records[0] in the list.
func sanitizeInto(out []jsontext.Canonical, records []json.RawMessage, first int) error {
	for i, rec := range records {
		clean, err := Record(rec)
		if err != nil {
			return &RecordError{Index: first + i, Err: err}
		}
		out[i] = clean
	}
	return nil
}

// Record sanitizes one AuditData record: it must be a JSON object (surrounding whitespace
// allowed). Raw control characters inside strings, which strict JSON forbids, are accepted
// and escaped: the service has been seen to pass them through. The result is the only source
// of jsontext.Canonical values. When data is canonical already (compact, as the service
// sends records), the result is data itself, not a copy: data must not change afterwards.
func Record(data []byte) (jsontext.Canonical, error) {
	return RecordMembers(data, nil)
}

// RecordMembers is Record that also calls member, unless nil, with the key (its quoted
// text) and the value text of each member of the record as the result holds them, in
// order, duplicates included: a reader of a few top-level fields gets them in the pass
// that sanitizes the record instead of scanning the result again. The slices stay valid
// and unchanged (they are the result's bytes, or equal to them). member is called before
// the whole record is checked: the values it was given mean nothing if RecordMembers
// fails.
func RecordMembers(data []byte, member func(key, val []byte)) (jsontext.Canonical, error) {
	var s sanitizer
	s.init(data)
	if s.pos >= len(s.in) {
		return nil, fmt.Errorf("%w: empty record", ErrSyntax)
	}
	if c := s.in[s.pos]; c != '{' {
		if _, err := Value(data); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("%w: it starts with %s", ErrNotObject, describeByte(c))
	}
	if err := s.value(member); err != nil {
		return nil, err
	}
	return s.result(), nil
}

// Value sanitizes any JSON text (an object, array, string, number or literal) the way
// Record does.
func Value(data []byte) (json.RawMessage, error) {
	var s sanitizer
	s.init(data)
	if err := s.value(nil); err != nil {
		return nil, err
	}
	return s.result(), nil
}

// EntryContext is the EntryContext of a search entry holding the records under Key.
func EntryContext(records []jsontext.Canonical) map[string]any {
	if records == nil {
		records = []jsontext.Canonical{}
	}
	return map[string]any{Key: records}
}

func describeByte(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return fmt.Sprintf("%q", string(rune(c)))
	}
	return fmt.Sprintf("byte 0x%02x", c)
}
