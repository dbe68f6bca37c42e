package contextout

import (
	"fmt"
)

// sanitizer copies one JSON value from in to out, compacting it and rewriting strings into
// their canonical form. It is iterative (an explicit stack of open containers, one bit
// each, MaxDepth at most), so hostile nesting costs neither Go stack nor an allocation.
//
// It starts lazy: as long as the output equals the input (in[start:pos]) nothing is
// copied, and the result is the input itself. The service sends compact records, which
// are canonical already, so most records cost one scan and no allocation; the first byte
// that changes (whitespace, an escape written differently) copies what came before it
// and the sanitizer goes on copying.
type sanitizer struct {
	in    []byte
	pos   int
	out   []byte
	open  openContainers
	start int  // where the value begins in in
	end   int  // where it ends, once value returns
	lazy  bool // out is not used yet: the output so far is in[start:pos]

	// keyFrom, keyTo and valFrom are where the current top-level member's key and value
	// begin and end in the output.
	keyFrom, keyTo, valFrom int
}

// openContainers is a stack of open containers, a bit per level: 1 for an object.
type openContainers struct {
	bits  [MaxDepth / 64]uint64
	depth int
}

func (o *openContainers) push(c byte) {
	w, b := o.depth/64, uint(o.depth%64)
	if c == '{' {
		o.bits[w] |= 1 << b
	} else {
		o.bits[w] &^= 1 << b
	}
	o.depth++
}

// top is '{' or '[': the innermost open container.
func (o *openContainers) top() byte {
	d := o.depth - 1
	if o.bits[d/64]&(1<<uint(d%64)) != 0 {
		return '{'
	}
	return '['
}

func (o *openContainers) pop() { o.depth-- }

// init readies s to sanitize data.
func (s *sanitizer) init(data []byte) {
	*s = sanitizer{in: data}
	s.pos = skipSpaces(data, 0)
	s.start, s.lazy = s.pos, true
}

// result is the sanitized value: the input itself when nothing changed.
func (s *sanitizer) result() []byte {
	if s.lazy {
		return s.in[s.start:s.end:s.end]
	}
	return s.out
}

// outLen is the length of the output so far.
func (s *sanitizer) outLen() int {
	if s.lazy {
		return s.pos - s.start
	}
	return len(s.out)
}

// output is the output from from to to. Its bytes never change afterwards: the output is
// only appended to.
func (s *sanitizer) output(from, to int) []byte {
	if s.lazy {
		return s.in[s.start+from : s.start+to]
	}
	return s.out[from:to]
}

// keep records that the input from from to pos is copied to the output unchanged.
func (s *sanitizer) keep(from int) {
	if !s.lazy {
		s.out = append(s.out, s.in[from:s.pos]...)
	}
}

// put records that the input from from to pos is written as b.
func (s *sanitizer) put(from int, b []byte) {
	if s.lazy {
		if string(s.in[from:s.pos]) == string(b) {
			return
		}
		s.copyUpTo(from)
	}
	s.out = append(s.out, b...)
}

// copyUpTo ends the lazy mode: the output so far, in[start:upto], is copied to out.
func (s *sanitizer) copyUpTo(upto int) {
	s.out = append(make([]byte, 0, len(s.in)-s.start+16), s.in[s.start:upto]...)
	s.lazy = false
}

func (s *sanitizer) syntaxErr(format string, args ...any) error {
	return fmt.Errorf("%w at byte %d: %s", ErrSyntax, s.pos, fmt.Sprintf(format, args...))
}

// skipSpace skips whitespace inside the value, which the output drops.
func (s *sanitizer) skipSpace() {
	from := s.pos
	s.pos = skipSpaces(s.in, s.pos)
	if s.lazy && s.pos > from {
		s.copyUpTo(from)
	}
}

// skipSpaces returns the index of the first byte at or after i that is not whitespace. It
// runs before and after every token, which in a compact record is never whitespace, so
// one comparison tells a byte above ' ' first.
func skipSpaces(b []byte, i int) int {
	for i < len(b) && b[i] <= ' ' {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// value copies exactly one value and checks that only whitespace follows it. member, if
// not nil, is called with each completed member of the outermost object (an argument, not
// a field: escape analysis would move a func kept in s, and what it refers to, to the heap).
func (s *sanitizer) value(member func(key, val []byte)) error {
	for {
		closed, err := s.scalarOrOpen()
		if err != nil {
			return err
		}
		if !closed {
			continue // a container was opened: its first member or element comes next
		}
		done, err := s.afterValue(member)
		if err != nil {
			return err
		}
		if done {
			s.end = s.pos
			s.pos = skipSpaces(s.in, s.pos)
			if s.pos != len(s.in) {
				return s.syntaxErr("unexpected %s after the end of the value", describeByte(s.in[s.pos]))
			}
			return nil
		}
	}
}

// scalarOrOpen copies the next value if it is a scalar or an empty container (closed =
// true), or opens a container and consumes up to its first member's value (closed = false).
func (s *sanitizer) scalarOrOpen() (closed bool, err error) {
	s.skipSpace()
	if s.pos >= len(s.in) {
		return false, s.syntaxErr("unexpected end of input, expected a value")
	}
	switch c := s.in[s.pos]; c {
	case '{', '[':
		if s.open.depth >= MaxDepth {
			return false, fmt.Errorf("%w: more than %d levels of objects and arrays (at byte %d)", ErrTooDeep, MaxDepth, s.pos)
		}
		s.pos++
		s.keep(s.pos - 1)
		s.skipSpace()
		end := byte('}')
		if c == '[' {
			end = ']'
		}
		if s.pos < len(s.in) && s.in[s.pos] == end {
			s.pos++
			s.keep(s.pos - 1)
			return true, nil
		}
		s.open.push(c)
		if c == '{' {
			return false, s.key()
		}
		return false, nil
	case '"':
		return true, s.str()
	case 't':
		return true, s.literal("true")
	case 'f':
		return true, s.literal("false")
	case 'n':
		return true, s.literal("null")
	default:
		if c == '-' || (c >= '0' && c <= '9') {
			return true, s.number()
		}
		return false, s.syntaxErr("unexpected %s, expected a value", describeByte(c))
	}
}

// afterValue consumes separators and closing brackets after a complete value. done reports
// that the outermost value is complete; otherwise the next member or element value follows.
func (s *sanitizer) afterValue(member func(key, val []byte)) (done bool, err error) {
	for s.open.depth > 0 {
		if s.open.depth == 1 && member != nil { // a member of the outermost object is complete
			member(s.output(s.keyFrom, s.keyTo), s.output(s.valFrom, s.outLen()))
		}
		s.skipSpace()
		if s.pos >= len(s.in) {
			return false, s.syntaxErr("unexpected end of input inside %s", containerName(s.open.top()))
		}
		top := s.open.top()
		switch c := s.in[s.pos]; {
		case c == ',':
			s.pos++
			s.keep(s.pos - 1)
			if top == '{' {
				return false, s.key()
			}
			return false, nil
		case (top == '{' && c == '}') || (top == '[' && c == ']'):
			s.pos++
			s.keep(s.pos - 1)
			s.open.pop()
		default:
			return false, s.syntaxErr("unexpected %s inside %s", describeByte(c), containerName(top))
		}
	}
	return true, nil
}

// key copies an object key and its colon.
func (s *sanitizer) key() error {
	s.skipSpace()
	if s.pos >= len(s.in) || s.in[s.pos] != '"' {
		if s.pos >= len(s.in) {
			return s.syntaxErr("unexpected end of input, expected an object key")
		}
		return s.syntaxErr("unexpected %s, expected an object key", describeByte(s.in[s.pos]))
	}
	outer := s.open.depth == 1
	if outer {
		s.keyFrom = s.outLen()
	}
	if err := s.str(); err != nil {
		return err
	}
	if outer {
		s.keyTo = s.outLen()
	}
	s.skipSpace()
	if s.pos >= len(s.in) || s.in[s.pos] != ':' {
		return s.syntaxErr("expected ':' after an object key")
	}
	s.pos++
	s.keep(s.pos - 1)
	if outer {
		s.valFrom = s.outLen()
	}
	return nil
}

func containerName(c byte) string {
	if c == '{' {
		return "an object"
	}
	return "an array"
}

func (s *sanitizer) literal(word string) error {
	if len(s.in)-s.pos < len(word) || string(s.in[s.pos:s.pos+len(word)]) != word {
		return s.syntaxErr("invalid literal, expected %s", word)
	}
	s.pos += len(word)
	s.keep(s.pos - len(word))
	return nil
}

// number validates RFC 8259's number grammar and copies the text unchanged, so that no
// digit is lost (no float64 round trip).
func (s *sanitizer) number() error {
	start := s.pos
	i := s.pos
	if i < len(s.in) && s.in[i] == '-' {
		i++
	}
	switch {
	case i < len(s.in) && s.in[i] == '0':
		i++
	case i < len(s.in) && s.in[i] >= '1' && s.in[i] <= '9':
		i = skipDigits(s.in, i)
	default:
		return s.syntaxErr("invalid number")
	}
	if i < len(s.in) && s.in[i] == '.' {
		j := skipDigits(s.in, i+1)
		if j == i+1 {
			s.pos = j
			return s.syntaxErr("invalid number: no digit after the decimal point")
		}
		i = j
	}
	if i < len(s.in) && (s.in[i] == 'e' || s.in[i] == 'E') {
		i++
		if i < len(s.in) && (s.in[i] == '+' || s.in[i] == '-') {
			i++
		}
		j := skipDigits(s.in, i)
		if j == i {
			s.pos = j
			return s.syntaxErr("invalid number: no digit in the exponent")
		}
		i = j
	}
	s.pos = i
	s.keep(start)
	return nil
}

func skipDigits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}
