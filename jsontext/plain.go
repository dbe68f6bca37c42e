package jsontext

import (
	"encoding/binary"
	"math/bits"
	"slices"
)

// The string scanners spend their time in runs of bytes that stand for themselves. These
// functions skip such a run eight bytes at a time: each byte of a 64-bit word is tested at
// once with borrow arithmetic, and the lowest flagged byte is the first stop, since a
// borrow only moves up from a byte that matched (a byte below the first match is never
// flagged).

const (
	lsb = 0x0101010101010101 // 0x01 in every byte
	msb = 0x8080808080808080 // 0x80 in every byte
)

// SkipPlain returns the index of the first byte at or after i that is not printable ASCII
// standing for itself inside a JSON string (a quote, a backslash, a control character
// below 0x20, DEL or any byte from 0x80), or len(b) if there is none.
func SkipPlain(b []byte, i int) int {
	for ; i+8 <= len(b); i += 8 {
		if m := notPlain(binary.LittleEndian.Uint64(b[i:])); m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	return skipPlainTail(b, i)
}

// notPlain flags, with its high bit, each byte of w that SkipPlain stops at (and maybe
// bytes above the lowest such one). A byte's high bit ends up set for: below 0x20
// (w - 0x20), equal to '"', '\\' or DEL (zero after the xor, minus 1), or 0x80 and above
// (w itself). The first three tests can flag a byte from 0x80 too, which stops there
// anyway.
func notPlain(w uint64) uint64 {
	return ((w - lsb*0x20) | ((w ^ lsb*'"') - lsb) | ((w ^ lsb*'\\') - lsb) | ((w ^ lsb*0x7f) - lsb) | w) & msb
}

// skipPlainTail is SkipPlain a byte at a time, for the last bytes of b.
func skipPlainTail(b []byte, i int) int {
	for i < len(b) && plainASCII(b[i]) && b[i] != 0x7f {
		i++
	}
	return i
}

// appendPlain appends the run of bytes at b[i:] that SkipPlain skips to out, and returns
// the index after the run. The AuditData string is cut into short runs by its \"
// escapes; a word is stored into out's spare capacity as it is tested, instead of a
// SkipPlain call then an append per run, so out's capacity past the result is written to.
func appendPlain(out, b []byte, i int) ([]byte, int) {
	for ; i+8 <= len(b); i += 8 {
		if cap(out)-len(out) < 8 {
			out = slices.Grow(out, 8)
		}
		n := len(out)
		w := binary.LittleEndian.Uint64(b[i:])
		binary.LittleEndian.PutUint64(out[n:n+8], w)
		if m := notPlain(w); m != 0 {
			k := bits.TrailingZeros64(m) / 8
			return out[:n+k], i + k
		}
		out = out[:n+8]
	}
	j := skipPlainTail(b, i)
	return append(out, b[i:j]...), j
}

// skipUnescaped returns the index of the first quote, backslash or control character
// (below 0x20) at or after i, or len(b): the bytes a string's grammar looks at.
func skipUnescaped(b []byte, i int) int {
	for ; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i:])
		// As in SkipPlain, with bytes from 0x80 masked out (&^ w): they stand for themselves.
		m := ((w - lsb*0x20) | ((w ^ lsb*'"') - lsb) | ((w ^ lsb*'\\') - lsb)) &^ w & msb
		if m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for i < len(b) && b[i] >= 0x20 && b[i] != '"' && b[i] != '\\' {
		i++
	}
	return i
}
