package emulator

import (
	"strconv"
	"unicode/utf8"
)

// jw appends compact JSON with keys in the order written (the service's field order matters
// to humans reading records, and encoding/json would sort map keys).
type jw struct {
	b        []byte
	comma    []bool
	afterKey bool
}

func (w *jw) sep() {
	if w.afterKey {
		w.afterKey = false
		return
	}
	if n := len(w.comma); n > 0 {
		if w.comma[n-1] {
			w.b = append(w.b, ',')
		}
		w.comma[n-1] = true
	}
}

func (w *jw) obj()    { w.sep(); w.b = append(w.b, '{'); w.comma = append(w.comma, false) }
func (w *jw) endObj() { w.b = append(w.b, '}'); w.comma = w.comma[:len(w.comma)-1] }
func (w *jw) arr()    { w.sep(); w.b = append(w.b, '['); w.comma = append(w.comma, false) }
func (w *jw) endArr() { w.b = append(w.b, ']'); w.comma = w.comma[:len(w.comma)-1] }

func (w *jw) key(k string) {
	w.sep()
	w.b = appendJSONString(w.b, k)
	w.b = append(w.b, ':')
	w.afterKey = true
}

func (w *jw) vs(v string) { w.sep(); w.b = appendJSONString(w.b, v) }
func (w *jw) vn(v int64)  { w.sep(); w.b = strconv.AppendInt(w.b, v, 10) }

func (w *jw) s(k, v string)       { w.key(k); w.vs(v) }
func (w *jw) n(k string, v int64) { w.key(k); w.vn(v) }
func (w *jw) bl(k string, v bool) { w.key(k); w.sep(); w.b = strconv.AppendBool(w.b, v) }
func (w *jw) null(k string)       { w.key(k); w.sep(); w.b = append(w.b, "null"...) } //nolint:unused // the Graph records (graphrecords.go, branch g14) write nulls
func (w *jw) ko(k string)         { w.key(k); w.obj() }
func (w *jw) ka(k string)         { w.key(k); w.arr() }

// nv writes {"Name":n,"Value":v}, the shape of ExtendedProperties and Parameters entries.
func (w *jw) nv(n, v string) { w.obj(); w.s("Name", n); w.s("Value", v); w.endObj() }

// idType writes {"ID":id,"Type":t}, the shape of Actor and Target entries.
func (w *jw) idType(id string, t int64) { w.obj(); w.s("ID", id); w.n("Type", t); w.endObj() }

const hexDigits = "0123456789abcdef"

func appendJSONString(b []byte, s string) []byte { return appendJSON(b, s) }

// appendJSON appends s as a JSON string; runs of plain ASCII are copied at once.
func appendJSON[T string | []byte](b []byte, s T) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		b = append(b, s[start:i]...)
		if c < utf8.RuneSelf {
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(string(s[i:min(len(s), i+utf8.UTFMax)]))
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
