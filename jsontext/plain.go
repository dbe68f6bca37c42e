package jsontext

import (
	"encoding/binary"
	"math/bits"
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
		w := binary.LittleEndian.Uint64(b[i:])
		// A byte's high bit ends up set for: below 0x20 (w - 0x20), equal to '"', '\\'
		// or DEL (zero after the xor, minus 1), or 0x80 and above (w itself). The first
		// three tests can flag a byte from 0x80 too, which stops there anyway.
		m := ((w - lsb*0x20) | ((w ^ lsb*'"') - lsb) | ((w ^ lsb*'\\') - lsb) | ((w ^ lsb*0x7f) - lsb) | w) & msb
		if m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for i < len(b) && plainASCII(b[i]) && b[i] != 0x7f {
		i++
	}
	return i
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
