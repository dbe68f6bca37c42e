package jsontext

import (
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
					requireAppendPlain(t, b, from)
				}
			}
		}
	}
}

// FuzzSkip: the word-at-a-time scanners stop where a byte-by-byte loop stops.
func FuzzSkip(f *testing.F) {
	f.Add([]byte("abcdefgh\"ijklmnop"), 0)
	f.Add([]byte("\x00\x01\x1f\x20\x21\x7e\x7f\x80\xff\\\""), 3)
	f.Add([]byte(`{\"Id\":\"a5553064-ffc7-4991-bc9c-95db513dbd23\"}`), 1)
	f.Fuzz(func(t *testing.T, b []byte, from int) {
		if from < 0 || from > len(b) {
			from = 0
		}
		require.Equal(t, skipPlainBytewise(b, from), SkipPlain(b, from), "SkipPlain(%q, %d)", b, from)
		require.Equal(t, skipUnescapedBytewise(b, from), skipUnescaped(b, from), "skipUnescaped(%q, %d)", b, from)
		requireAppendPlain(t, b, from)
	})
}

// requireAppendPlain checks that appendPlain appends exactly the run SkipPlain skips, to
// an empty slice and after bytes already in one, with and without spare capacity.
func requireAppendPlain(t *testing.T, b []byte, from int) {
	t.Helper()
	end := skipPlainBytewise(b, from)
	for _, dst := range [][]byte{nil, []byte("x:"), make([]byte, 3, 64)} {
		want := append(append([]byte{}, dst...), b[from:end]...)
		got, i := appendPlain(dst, b, from)
		require.Equal(t, end, i, "appendPlain(%q, %q, %d) end", dst, b, from)
		require.Equal(t, string(want), string(got), "appendPlain(%q, %q, %d)", dst, b, from)
	}
}
