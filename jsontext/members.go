package jsontext

import (
	"bytes"
	"iter"
)

// Members yields the key (its quoted text) and the value text of each top-level member of
// c, in order, without validating: c is canonical (see Canonical), so a key is a string
// token, a colon follows it without space, and a comma or the closing brace follows each
// value. Duplicate keys are yielded as they come.
func (c Canonical) Members() iter.Seq2[[]byte, []byte] {
	return func(yield func([]byte, []byte) bool) {
		obj := []byte(c)
		i := 1 // after '{'
		for i < len(obj) && obj[i] != '}' {
			kEnd := StringEnd(obj, i)
			vStart := kEnd + 1 // after ':'
			if vStart >= len(obj) {
				return // not reached for canonical text; no panic on bytes that break the contract
			}
			vEnd := ValueEnd(obj, vStart)
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

// StringEnd returns the index just after the string token starting (with its quote) at
// b[i] of valid JSON text. It jumps from quote to quote (bytes.IndexByte): a quote ends the
// string unless an odd run of backslashes escapes it.
func StringEnd(b []byte, i int) int {
	for i++; ; {
		q := bytes.IndexByte(b[i:], '"')
		if q < 0 {
			return len(b)
		}
		i += q
		slashes := 0
		for j := i - 1; j >= 0 && b[j] == '\\'; j-- {
			slashes++
		}
		i++
		if slashes%2 == 0 {
			return i
		}
	}
}

// ValueEnd returns the index just after the value starting at b[i] of valid JSON text
// (whitespace allowed around tokens).
func ValueEnd(b []byte, i int) int {
	switch b[i] {
	case '"':
		return StringEnd(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i = StringEnd(b, i)
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
	}
	for i < len(b) && !isDelimiter(b[i]) {
		i++
	}
	return i
}

func isDelimiter(c byte) bool {
	return c == ',' || c == '}' || c == ']' || c == ' ' || c == '\n' || c == '\r' || c == '\t'
}
