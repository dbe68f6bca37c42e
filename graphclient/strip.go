package graphclient

import (
	"bytes"
	"errors"
	"fmt"
)

// Graph writes OData annotations into each record's auditData: "@odata.type" members and
// "<Name>@odata.type" sidecars, at any depth (DESIGN §4c). The record is the AuditData
// alone, identical to what Exchange Online returns, so they are removed at the byte
// level: everything else (numbers of any size, string escapes, member order, spacing) is
// copied as sent.

// odataMark is what an annotation's member name contains.
var odataMark = []byte("@odata.")

// maxDepth bounds the nesting of a record (a hostile or broken body must not exhaust
// the stack).
const maxDepth = 512

// stripTop appends to dst the JSON object src without its OData annotation members,
// calling top (when set) with each kept top-level member's raw, quoted name and value
// (valid only during the call). src must be one JSON object (surrounding space is
// dropped).
func stripTop(dst, src []byte, top func(key, value []byte)) ([]byte, error) {
	s := &stripper{src: bytes.TrimSpace(src), dst: dst, top: top}
	if len(s.src) == 0 || s.src[0] != '{' {
		return nil, errors.New("auditData is not a JSON object")
	}
	if err := s.value(0); err != nil {
		return nil, err
	}
	if s.i != len(s.src) {
		return nil, fmt.Errorf("unexpected data after the object at offset %d", s.i)
	}
	return s.dst, nil
}

type stripper struct {
	src []byte
	i   int
	dst []byte
	top func(key, value []byte)
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// space returns the whitespace at s.i and moves past it.
func (s *stripper) space() []byte {
	j := s.i
	for s.i < len(s.src) && isSpace(s.src[s.i]) {
		s.i++
	}
	return s.src[j:s.i]
}

func (s *stripper) errorf(format string, args ...any) error {
	return fmt.Errorf("offset %d: "+format, append([]any{s.i}, args...)...)
}

// value copies the value at s.i (no leading space).
func (s *stripper) value(depth int) error {
	if s.i >= len(s.src) {
		return s.errorf("unexpected end")
	}
	if depth > maxDepth {
		return s.errorf("nested deeper than %d", maxDepth)
	}
	switch c := s.src[s.i]; c {
	case '{':
		return s.object(depth)
	case '[':
		return s.array(depth)
	case '"':
		end, err := s.stringEnd()
		if err != nil {
			return err
		}
		s.dst = append(s.dst, s.src[s.i:end]...)
		s.i = end
		return nil
	default:
		j := s.i
		for j < len(s.src) && !isSpace(s.src[j]) && s.src[j] != ',' && s.src[j] != ']' && s.src[j] != '}' {
			j++
		}
		if !validScalar(s.src[s.i:j]) {
			return s.errorf("invalid value %q", s.src[s.i:j])
		}
		s.dst = append(s.dst, s.src[s.i:j]...)
		s.i = j
		return nil
	}
}

// stringEnd is the index just past the string starting at s.i.
func (s *stripper) stringEnd() (int, error) { return stringEnd(s.src, s.i) }

// object copies an object without its annotation members. The space before a dropped
// member is kept for the next member (annotations are written in front of the member
// they describe), and a dropped last member takes its separating comma with it.
func (s *stripper) object(depth int) error {
	s.dst = append(s.dst, '{')
	s.i++
	var carry []byte // space of dropped members, owed to the next kept one
	kept := 0
	for {
		lead := s.space()
		if s.i >= len(s.src) {
			return s.errorf("unterminated object")
		}
		if s.src[s.i] == '}' {
			if kept == 0 || len(carry) > 0 || len(lead) > 0 {
				s.dst = append(s.dst, carry...)
				s.dst = append(s.dst, lead...)
			}
			s.dst = append(s.dst, '}')
			s.i++
			return nil
		}
		if s.src[s.i] != '"' {
			return s.errorf("expected a member name")
		}
		keyEnd, err := s.stringEnd()
		if err != nil {
			return err
		}
		drop := bytes.Contains(s.src[s.i:keyEnd], odataMark)
		mark := len(s.dst)
		if !drop {
			if kept > 0 {
				s.dst = append(s.dst, ',')
			}
			s.dst = append(s.dst, carry...)
			s.dst = append(s.dst, lead...)
			carry = carry[:0:0]
		}
		key := s.src[s.i:keyEnd]
		valStart, err := s.member(depth, keyEnd)
		if err != nil {
			return err
		}
		if depth == 0 && !drop && s.top != nil {
			s.top(key, s.dst[valStart:])
		}
		trail := s.space()
		if drop {
			s.dst = s.dst[:mark]
			carry = append(carry, lead...)
		} else {
			s.dst = append(s.dst, trail...)
			kept++
		}
		if s.i < len(s.src) && s.src[s.i] == ',' {
			s.i++
			continue
		}
		if s.i < len(s.src) && s.src[s.i] == '}' {
			if drop {
				carry = append(carry, trail...)
			}
			continue
		}
		return s.errorf("expected , or }")
	}
}

// member copies "name" : value (the name ends at keyEnd) and returns where the value
// starts in s.dst.
func (s *stripper) member(depth, keyEnd int) (int, error) {
	s.dst = append(s.dst, s.src[s.i:keyEnd]...)
	s.i = keyEnd
	s.dst = append(s.dst, s.space()...)
	if s.i >= len(s.src) || s.src[s.i] != ':' {
		return 0, s.errorf("expected :")
	}
	s.dst = append(s.dst, ':')
	s.i++
	s.dst = append(s.dst, s.space()...)
	start := len(s.dst)
	return start, s.value(depth + 1)
}

// validScalar reports a JSON literal or number (the record is kept as text, so what it
// holds must stay valid JSON).
func validScalar(v []byte) bool {
	switch string(v) {
	case "true", "false", "null":
		return true
	case "":
		return false
	}
	i := 0
	if v[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(v) && v[i] >= '0' && v[i] <= '9' {
			i, n = i+1, n+1
		}
		return n
	}
	if i < len(v) && v[i] == '0' {
		i++
	} else if digits() == 0 {
		return false
	}
	if i < len(v) && v[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(v) && (v[i] == 'e' || v[i] == 'E') {
		i++
		if i < len(v) && (v[i] == '+' || v[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(v)
}

// array copies an array, its elements stripped.
func (s *stripper) array(depth int) error {
	s.dst = append(s.dst, '[')
	s.i++
	for first := true; ; first = false {
		s.dst = append(s.dst, s.space()...)
		if s.i >= len(s.src) {
			return s.errorf("unterminated array")
		}
		if s.src[s.i] == ']' && first {
			s.dst = append(s.dst, ']')
			s.i++
			return nil
		}
		if err := s.value(depth + 1); err != nil {
			return err
		}
		s.dst = append(s.dst, s.space()...)
		if s.i < len(s.src) && s.src[s.i] == ',' {
			s.dst = append(s.dst, ',')
			s.i++
			continue
		}
		if s.i < len(s.src) && s.src[s.i] == ']' {
			s.dst = append(s.dst, ']')
			s.i++
			return nil
		}
		return s.errorf("expected , or ]")
	}
}
