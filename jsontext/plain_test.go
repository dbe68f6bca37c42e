package jsontext

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// skipPlainBytewise and skipUnescapedBytewise are the word-at-a-time scanners' oracles.
func skipPlainBytewise(b []byte, i int) int {
	for i < len(b) && b[i] >= 0x20 && b[i] < 0x7f && b[i] != '"' && b[i] != '\\' {
		i++
	}
	return i
}

func skipUnescapedBytewise(b []byte, i int) int {
	for i < len(b) && b[i] >= 0x20 && b[i] != '"' && b[i] != '\\' {
		i++
	}
	return i
}

// TestSkipEveryByte puts every byte value at every position of a 17-byte run (two words
// and a tail) of plain bytes, with a lower and a higher plain byte around it (borrows).
func TestSkipEveryByte(t *testing.T) {
	for c := range 256 {
		for pos := range 17 {
			for _, fill := range []byte{' ', '!', 'a', '~'} {
				b := make([]byte, 17)
				for i := range b {
					b[i] = fill
				}
				b[pos] = byte(c)
				for from := range pos + 1 {
					require.Equal(t, skipPlainBytewise(b, from), SkipPlain(b, from), "byte 0x%02x at %d from %d in %q", c, pos, from, b)
					require.Equal(t, skipUnescapedBytewise(b, from), skipUnescaped(b, from), "byte 0x%02x at %d from %d in %q", c, pos, from, b)
					requireAppendRun(t, b, from)
				}
			}
		}
	}
}

// TestAppendRunQuoteEscapes puts a \" escape, or a lone backslash at the end, at every
// position of a run of two words and a tail: inside a word, across two, in the tail.
func TestAppendRunQuoteEscapes(t *testing.T) {
	for pos := range 18 {
		for _, escape := range []string{`\"`, `\"\"`, `\"\\`, `\`} {
			b := []byte(strings.Repeat("a", 18))
			b = append(b[:pos], escape...)
			b = append(b, strings.Repeat("z", 18-pos)...)
			for from := range pos + 1 {
				requireAppendRun(t, b, from)
			}
			requireAppendRun(t, b[:pos+1], 0) // the escape cut by the end of b
		}
	}
}

// FuzzSkip: the word-at-a-time scanners stop where a byte-by-byte loop stops.
func FuzzSkip(f *testing.F) {
	f.Add([]byte("abcdefgh\"ijklmnop"), 0)
	f.Add([]byte("\x00\x01\x1f\x20\x21\x7e\x7f\x80\xff\\\""), 3)
	f.Add([]byte(`{\"Id\":\"a5553064-ffc7-4991-bc9c-95db513dbd23\"}`), 1)
	f.Add([]byte(`ab\"\\"\"cdefghij\"\`), 0)
	f.Fuzz(func(t *testing.T, b []byte, from int) {
		if from < 0 || from > len(b) {
			from = 0
		}
		require.Equal(t, skipPlainBytewise(b, from), SkipPlain(b, from), "SkipPlain(%q, %d)", b, from)
		require.Equal(t, skipUnescapedBytewise(b, from), skipUnescaped(b, from), "skipUnescaped(%q, %d)", b, from)
		requireAppendRun(t, b, from)
	})
}

// appendRunBytewise is appendRun's oracle.
func appendRunBytewise(out, b []byte, i int) ([]byte, int) {
	for i < len(b) {
		switch {
		case skipPlainBytewise(b, i) > i:
			out, i = append(out, b[i]), i+1
		case b[i] == '\\' && i+1 < len(b) && b[i+1] == '"':
			out, i = append(out, '"'), i+2
		default:
			return out, i
		}
	}
	return out, i
}

// requireAppendRun checks appendRun against its oracle, to an empty slice and after bytes
// already in one, with and without spare capacity.
func requireAppendRun(t *testing.T, b []byte, from int) {
	t.Helper()
	for _, dst := range [][]byte{nil, []byte("x:"), make([]byte, 3, 64)} {
		want, end := appendRunBytewise(append([]byte{}, dst...), b, from)
		got, i := appendRun(dst, b, from)
		require.Equal(t, end, i, "appendRun(%q, %q, %d) end", dst, b, from)
		require.Equal(t, string(want), string(got), "appendRun(%q, %q, %d)", dst, b, from)
	}
}
