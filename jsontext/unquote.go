// Package jsontext decodes JSON string tokens in one pass, for the hot paths that hand
// AuditData text through without a full encoding/json round trip (the client's row decoder,
// the markdown table).
package jsontext

import (
	"unicode/utf16"
	"unicode/utf8"
)

// Unquote appends the value of the JSON string token tok (quotes included) to dst, in one
// pass: the AuditData string is the bulk of every row, and json.Unmarshal into a string
// then []byte copied it twice. It decodes exactly as encoding/json does: invalid UTF-8
// and lone surrogates become U+FFFD. It reports false for a token that is not a valid
// JSON string, as encoding/json's string grammar has it: no closing quote, an unescaped
// quote inside, a raw control character (below U+0020), or a bad escape.
func Unquote(dst, tok []byte) ([]byte, bool) {
	if len(tok) < 2 || tok[0] != '"' || tok[len(tok)-1] != '"' {
		return nil, false
	}
	s := tok[1 : len(tok)-1]
	out := dst
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\':
			if i+1 >= len(s) {
				return nil, false
			}
			switch e := s[i+1]; e {
			case '"', '\\', '/':
				out = append(out, e)
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r, ok := Hex4(s, i+2)
				if !ok {
					return nil, false
				}
				i += 6
				if utf16.IsSurrogate(r) {
					if r2, ok := Hex4(s, i+2); ok && i+1 < len(s) && s[i] == '\\' && s[i+1] == 'u' {
						if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
							out = utf8.AppendRune(out, dec)
							i += 6
							continue
						}
					}
					r = utf8.RuneError
				}
				out = utf8.AppendRune(out, r)
				continue
			default:
				return nil, false
			}
			i += 2
		case c == '"' || c < 0x20:
			return nil, false
		case c < utf8.RuneSelf:
			j := SkipPlain(s, i+1)
			out = append(out, s[i:j]...)
			i = j
		default:
			r, size := utf8.DecodeRune(s[i:])
			if r == utf8.RuneError && size == 1 {
				out = utf8.AppendRune(out, utf8.RuneError)
			} else {
				out = append(out, s[i:i+size]...)
			}
			i += size
		}
	}
	return out, true
}

// plainASCII is an ASCII byte that stands for itself inside a JSON string.
func plainASCII(c byte) bool {
	return c >= 0x20 && c < utf8.RuneSelf && c != '"' && c != '\\'
}

// Hex4 reads the four hex digits at s[i:], as after a \u escape.
func Hex4(s []byte, i int) (rune, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	var r rune
	for _, c := range s[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}
