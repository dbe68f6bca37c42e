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
// quote inside, a raw control character (below U+0020), or a bad escape. Unlike append,
// it may write to dst's spare capacity past the result too (a word at a time is quicker).
func Unquote(dst, tok []byte) ([]byte, bool) {
	out, end, ok := UnquoteAt(dst, tok, 0)
	if !ok || end != len(tok) {
		return nil, false
	}
	return out, true
}

// UnquoteAt is Unquote of the string token starting (with its quote) at b[i], wherever it
// ends: it returns the index just after the token too, so that a reader walking a
// document finds the end of a string and decodes it in one pass. ok is false, and out
// nil, when no valid string token starts at b[i]. Like Unquote, it may write to dst's
// spare capacity past the result.
func UnquoteAt(dst, b []byte, i int) (out []byte, end int, ok bool) {
	if i >= len(b) || b[i] != '"' {
		return nil, i, false
	}
	out = dst
	for i++; i < len(b); {
		if out, i = appendRun(out, b, i); i >= len(b) {
			break
		}
		c := b[i]
		switch {
		case c == '"':
			return out, i + 1, true
		case c == '\\':
			var n int
			if out, n, ok = unescape(out, b, i); !ok {
				return nil, i, false
			}
			i += n
		case c < 0x20:
			return nil, i, false
		case c < utf8.RuneSelf: // DEL stands for itself
			out = append(out, c)
			i++
		default:
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size == 1 {
				out = utf8.AppendRune(out, utf8.RuneError)
			} else {
				out = append(out, b[i:i+size]...)
			}
			i += size
		}
	}
	return nil, i, false
}

// unescape appends the value of the escape at b[i] (its backslash) to out, and returns
// the escape's length. A \u escape that is half of a surrogate pair without its other
// half decodes to U+FFFD, as encoding/json does.
func unescape(out, b []byte, i int) (_ []byte, n int, ok bool) {
	if i+1 >= len(b) {
		return out, 0, false
	}
	switch e := b[i+1]; e {
	case '"', '\\', '/':
		return append(out, e), 2, true
	case 'b':
		return append(out, '\b'), 2, true
	case 'f':
		return append(out, '\f'), 2, true
	case 'n':
		return append(out, '\n'), 2, true
	case 'r':
		return append(out, '\r'), 2, true
	case 't':
		return append(out, '\t'), 2, true
	case 'u':
		r, ok := Hex4(b, i+2)
		if !ok {
			return out, 0, false
		}
		if !utf16.IsSurrogate(r) {
			return utf8.AppendRune(out, r), 6, true
		}
		if i+8 <= len(b) && b[i+6] == '\\' && b[i+7] == 'u' {
			if r2, ok := Hex4(b, i+8); ok {
				if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
					return utf8.AppendRune(out, dec), 12, true
				}
			}
		}
		return utf8.AppendRune(out, utf8.RuneError), 6, true
	}
	return out, 0, false
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
