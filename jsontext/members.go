package jsontext

import "iter"

// Members yields the key (its quoted text) and the value text of each top-level member of
// c, in order, without validating: c is canonical (see Canonical), so a key is a string
// token, a colon follows it without space, and a comma or the closing brace follows each
// value. Duplicate keys are yielded as they come.
func (c Canonical) Members() iter.Seq2[[]byte, []byte] {
	return func(yield func([]byte, []byte) bool) {
		obj := []byte(c)
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
