package contextout

import (
	"fmt"
)

// sanitizer copies one JSON value from in to out, compacting it and rewriting strings into
// their canonical form. It is iterative (an explicit stack of open containers), so hostile
// nesting costs memory proportional to MaxDepth at most, never Go stack.
type sanitizer struct {
	in    []byte
	pos   int
	out   []byte
	stack []byte // '{' or '[' per open container
}

func (s *sanitizer) syntaxErr(format string, args ...any) error {
	return fmt.Errorf("%w at byte %d: %s", ErrSyntax, s.pos, fmt.Sprintf(format, args...))
}

func (s *sanitizer) skipSpace() {
	for s.pos < len(s.in) {
		switch s.in[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// value copies exactly one value and checks that only whitespace follows it.
func (s *sanitizer) value() error {
	for {
		closed, err := s.scalarOrOpen()
		if err != nil {
			return err
		}
		if !closed {
			continue // a container was opened: its first member or element comes next
		}
		done, err := s.afterValue()
		if err != nil {
			return err
		}
		if done {
			s.skipSpace()
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
		if len(s.stack) >= MaxDepth {
			return false, fmt.Errorf("%w: more than %d levels of objects and arrays (at byte %d)", ErrTooDeep, MaxDepth, s.pos)
		}
		s.out = append(s.out, c)
		s.pos++
		s.skipSpace()
		end := byte('}')
		if c == '[' {
			end = ']'
		}
		if s.pos < len(s.in) && s.in[s.pos] == end {
			s.out = append(s.out, end)
			s.pos++
			return true, nil
		}
		s.stack = append(s.stack, c)
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
func (s *sanitizer) afterValue() (done bool, err error) {
	for len(s.stack) > 0 {
		s.skipSpace()
		if s.pos >= len(s.in) {
			return false, s.syntaxErr("unexpected end of input inside %s", containerName(s.stack[len(s.stack)-1]))
		}
		top := s.stack[len(s.stack)-1]
		switch c := s.in[s.pos]; {
		case c == ',':
			s.out = append(s.out, ',')
			s.pos++
			if top == '{' {
				return false, s.key()
			}
			return false, nil
		case (top == '{' && c == '}') || (top == '[' && c == ']'):
			s.out = append(s.out, c)
			s.pos++
			s.stack = s.stack[:len(s.stack)-1]
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
	if err := s.str(); err != nil {
		return err
	}
	s.skipSpace()
	if s.pos >= len(s.in) || s.in[s.pos] != ':' {
		return s.syntaxErr("expected ':' after an object key")
	}
	s.out = append(s.out, ':')
	s.pos++
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
	s.out = append(s.out, word...)
	s.pos += len(word)
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
	s.out = append(s.out, s.in[start:i]...)
	s.pos = i
	return nil
}

func skipDigits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}
