package humanreadable

import (
	"github.com/o365auditlog/o365auditlog/jsontext"
)

// unquote appends the value of a canonical quoted string to dst.
func unquote(dst, q []byte) []byte {
	out, ok := jsontext.Unquote(dst, q)
	if !ok {
		return append(dst, q...) // not reached: contextout made q a valid string token
	}
	return out
}
