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

// appendRun appends the value of the run at b[i:] to out: bytes that stand for themselves
// (SkipPlain's) and \" escapes, up to the first other byte, whose index it returns. The
// AuditData string is cut into runs of a few bytes by its \" escapes: a word is stored
// into out's spare capacity as it is tested (so out's capacity past the result is written
// to) and a \" is decoded in place, instead of a SkipPlain call, an append and an escape
// decoded by the caller for every few bytes.
func appendRun(out, b []byte, i int) ([]byte, int) {
	for i+8 <= len(b) {
		if cap(out)-len(out) < 8 {
			out = slices.Grow(out, 8)
		}
		n := len(out)
		w := binary.LittleEndian.Uint64(b[i:])
		binary.LittleEndian.PutUint64(out[n:n+8], w)
		m := notPlain(w)
		if m == 0 {
			out, i = out[:n+8], i+8
			continue
		}
		k := bits.TrailingZeros64(m) / 8
		if !quoteEscape(b, i+k) {
			return out[:n+k], i + k
		}
		out = out[:n+k+1] // the backslash's place, inside the word just stored
		out[n+k] = '"'
		i += k + 2
	}
	for i < len(b) {
		switch c := b[i]; {
		case plainASCII(c) && c != 0x7f:
			out, i = append(out, c), i+1
		case quoteEscape(b, i):
			out, i = append(out, '"'), i+2
		default:
			return out, i
		}
	}
	return out, i
}

// quoteEscape reports whether a \" escape starts at b[i].
func quoteEscape(b []byte, i int) bool {
	return b[i] == '\\' && i+1 < len(b) && b[i+1] == '"'
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
