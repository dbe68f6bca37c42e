package humanreadable

import (
	"iter"

	"github.com/o365auditlog/o365auditlog/jsontext"
)

// The functions below read jsontext.Canonical text: JSON that contextout has already
// validated and put in canonical compact form (no whitespace, strings escaping only '"',
// '\\' and control or line-separator characters). They do not validate.

// members yields the key (quoted canonical text) and value text of each top-level member
// of a canonical object.
func members(obj []byte) iter.Seq2[[]byte, []byte] {
	return func(yield func([]byte, []byte) bool) {
		i := 1 // after '{'
		for i < len(obj) && obj[i] != '}' {
			kEnd := skipString(obj, i)
			vStart := kEnd + 1 // after ':'
			if vStart >= len(obj) {
				return // not reached for canonical text; no panic on bytes that break the contract
			}
			vEnd := skipValue(obj, vStart)
			if !yield(obj[i:kEnd], obj[vStart:vEnd]) {
				return
			}
			i = vEnd
			if i < len(obj) && obj[i] == ',' {
				i++
			}
		}
	}
}

// skipString returns the index just after the string starting (with its quote) at i.
func skipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(b)
}

// skipValue returns the index just after the value starting at i.
func skipValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i = skipString(b, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return len(b)
	default:
		for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ']' {
			i++
		}
		return i
	}
}

// unquote appends the value of a canonical quoted string to dst.
func unquote(dst, q []byte) []byte {
	out, ok := jsontext.Unquote(dst, q)
	if !ok {
		return append(dst, q...) // not reached: contextout made q a valid string token
	}
	return out
}
