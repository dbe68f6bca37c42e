package contextout

import (
	"unicode/utf16"
	"unicode/utf8"

	"github.com/o365auditlog/o365auditlog/jsontext"
)

const hexDigits = "0123456789abcdef"

// str copies a string token in canonical form. Runs of characters that need no change are
// copied byte for byte; an escape, a control character, invalid UTF-8 or a character we
// escape is decoded and re-encoded (often to the same bytes: \" stays \").
func (s *sanitizer) str() error {
	from := s.pos // the opening quote
	s.pos++
	for {
		i := s.pos
		for i < len(s.in) {
			if i = jsontext.SkipPlain(s.in, i); i >= len(s.in) || s.in[i] < utf8.RuneSelf {
				break // the end, or '"', '\\', a control character or DEL
			}
			r, size := utf8.DecodeRune(s.in[i:])
			if (r == utf8.RuneError && size == 1) || escapedRune(r) {
				break
			}
			i += size
		}
		s.pos = i
		if i >= len(s.in) {
			return s.syntaxErr("unterminated string")
		}
		if s.in[i] == '"' {
			s.pos++
			s.keep(from)
			return nil
		}
		s.keep(from)
		if err := s.special(); err != nil {
			return err
		}
		from = s.pos
	}
}

// special re-encodes the one character at s.pos that the fast run of str stopped at.
func (s *sanitizer) special() error {
	from := s.pos
	var r rune
	switch b := s.in[s.pos]; {
	case b == '\\':
		var err error
		if r, err = s.escape(); err != nil {
			return err
		}
	case b < utf8.RuneSelf:
		r = rune(b)
		s.pos++
	default:
		var size int
		r, size = utf8.DecodeRune(s.in[s.pos:]) // RuneError for an invalid byte: U+FFFD
		s.pos += size
	}
	var buf [utf8.UTFMax * 2]byte
	s.put(from, appendRune(buf[:0], r))
	return nil
}

// escape decodes one backslash escape at s.pos. A \u escape that is half of a surrogate
// pair without its other half decodes to U+FFFD, as Go's decoder does: emitting it would
// produce text that is not valid UTF-8 once decoded.
func (s *sanitizer) escape() (rune, error) {
	if s.pos+1 >= len(s.in) {
		s.pos++
		return 0, s.syntaxErr("unterminated escape")
	}
	c := s.in[s.pos+1]
	s.pos += 2
	switch c {
	case '"', '\\', '/':
		return rune(c), nil
	case 'b':
		return '\b', nil
	case 'f':
		return '\f', nil
	case 'n':
		return '\n', nil
	case 'r':
		return '\r', nil
	case 't':
		return '\t', nil
	case 'u':
		r, ok := jsontext.Hex4(s.in, s.pos)
		if !ok {
			return 0, s.syntaxErr(`invalid \u escape`)
		}
		s.pos += 4
		if !utf16.IsSurrogate(r) {
			return r, nil
		}
		if r < 0xdc00 && s.pos+6 <= len(s.in) && s.in[s.pos] == '\\' && s.in[s.pos+1] == 'u' {
			if r2, ok := jsontext.Hex4(s.in, s.pos+2); ok {
				if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
					s.pos += 6
					return dec, nil
				}
			}
		}
		return utf8.RuneError, nil
	default:
		s.pos--
		return 0, s.syntaxErr("invalid escape \\%s", string(rune(c)))
	}
}

// escapedRune reports the non-ASCII characters written as \u escapes: C1 controls, and
// U+2028/U+2029, which end a line in JavaScript.
func escapedRune(r rune) bool {
	return (r >= 0x80 && r <= 0x9f) || r == 0x2028 || r == 0x2029
}

// appendRune writes r inside a JSON string in canonical form.
func appendRune(out []byte, r rune) []byte {
	switch r {
	case '"':
		return append(out, '\\', '"')
	case '\\':
		return append(out, '\\', '\\')
	case '\n':
		return append(out, '\\', 'n')
	case '\r':
		return append(out, '\\', 'r')
	case '\t':
		return append(out, '\\', 't')
	case '\b':
		return append(out, '\\', 'b')
	case '\f':
		return append(out, '\\', 'f')
	}
	if r < 0x20 || r == 0x7f || escapedRune(r) {
		return append(out, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
	}
	if r < utf8.RuneSelf {
		return append(out, byte(r))
	}
	return utf8.AppendRune(out, r)
}
