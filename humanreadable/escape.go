package humanreadable

import (
	"strings"
	"unicode/utf8"
)

// What escapeTo does with each ASCII byte.
const (
	asciiPlain     = iota
	asciiBackslash // markdown-significant: written with a backslash before it
	asciiBreak     // \n or \r: a line break, written as <br>
	asciiTab       // written as a space: a tab means nothing in a cell
	asciiDrop      // other control characters: dropped
)

// markdownSpecial is the set of DESIGN §5: every ASCII character that means something in
// CommonMark/GFM inline syntax, in a table (|), or in HTML (< > &).
const markdownSpecial = "\\`*_{}[]()#+-|!<>&~"

var asciiClass = func() (t [utf8.RuneSelf]byte) {
	for c := range t {
		switch {
		case c == '\n' || c == '\r':
			t[c] = asciiBreak
		case c == '\t':
			t[c] = asciiTab
		case c < 0x20 || c == 0x7f:
			t[c] = asciiDrop
		case strings.IndexByte(markdownSpecial, byte(c)) >= 0:
			t[c] = asciiBackslash
		}
	}
	return t
}()

// Escape returns s as the text of one table cell: markdown-significant ASCII characters
// escaped with a backslash, each line break (\r\n, \n or \r, and U+2028/U+2029) as one
// <br>, tabs as spaces, other control characters (C0, DEL, C1) dropped, invalid UTF-8 as
// U+FFFD. The result contains no line break, no unescaped '|', and no HTML but <br>.
func Escape(s string) string {
	return string(appendEscaped(make([]byte, 0, len(s)+len(s)/8), []byte(s)))
}

// appendEscaped appends the cell text of s to dst (see Escape).
func appendEscaped(dst, s []byte) []byte {
	start := 0 // s[start:i] is plain text not yet written
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			class := asciiClass[c]
			if class == asciiPlain {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch class {
			case asciiBackslash:
				dst = append(dst, '\\', c)
			case asciiBreak:
				dst = append(dst, "<br>"...)
				if c == '\r' && i+1 < len(s) && s[i+1] == '\n' {
					i++
				}
			case asciiTab:
				dst = append(dst, ' ')
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = utf8.AppendRune(dst, utf8.RuneError)
		case r >= 0x80 && r <= 0x9f: // C1 controls
			dst = append(dst, s[start:i]...)
		case r == 0x2028 || r == 0x2029: // line and paragraph separators
			dst = append(dst, s[start:i]...)
			dst = append(dst, "<br>"...)
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return dst
}
