package jsontext

// MaxValidDepth is the deepest nesting of objects and arrays Valid accepts. encoding/json
// accepts up to 10,000; text nested deeper than MaxValidDepth is left to it.
const MaxValidDepth = 512

// Valid reports whether b is one JSON value, with optional whitespace around it, that
// json.Valid accepts too, nested at most MaxValidDepth deep. It never accepts what
// json.Valid refuses (strings follow encoding/json's grammar: no raw control character,
// only its escapes, any other byte as is); it refuses valid text nested deeper than
// MaxValidDepth. It is a plain loop over the bytes, several times faster than
// encoding/json's state machine, for the hot path that validates every page of rows once.
func Valid(b []byte) bool {
	end, ok := ValidEnd(b, 0)
	return ok && skipSpace(b, end) == len(b)
}

// ValidEnd checks the one JSON value starting at b[i] (after optional whitespace) as Valid
// does, and returns the index just after it; what follows it is the caller's to check. It
// lets a reader that walks a document's structure itself validate each value it meets on
// the way, instead of validating the whole document first and walking it again.
func ValidEnd(b []byte, i int) (end int, ok bool) {
	if i < len(b) && b[i] == '"' { // most values: no validator to set up
		return validString(b, i)
	}
	v := validator{b: b, i: i}
	ok = v.value()
	return v.i, ok
}

type validator struct {
	b     []byte
	i     int
	bits  [MaxValidDepth / 64]uint64 // 1 for an open object, 0 for an open array
	depth int
}

// value reads one value, leaving v.i just after it.
func (v *validator) value() bool {
	for {
		closed, ok := v.scalarOrOpen()
		if !ok {
			return false
		}
		if !closed {
			continue
		}
		done, ok := v.afterValue()
		if !ok {
			return false
		}
		if done {
			return true
		}
	}
}

// scalarOrOpen reads a scalar or an empty container (closed), or opens a container and
// reads up to its first value.
func (v *validator) scalarOrOpen() (closed, ok bool) {
	v.i = skipSpace(v.b, v.i)
	if v.i >= len(v.b) {
		return false, false
	}
	switch c := v.b[v.i]; c {
	case '{', '[':
		if v.depth == MaxValidDepth {
			return false, false
		}
		end := byte('}')
		if c == '[' {
			end = ']'
		}
		v.i = skipSpace(v.b, v.i+1)
		if v.i < len(v.b) && v.b[v.i] == end {
			v.i++
			return true, true
		}
		v.push(c == '{')
		if c == '{' {
			return false, v.key()
		}
		return false, true
	case '"':
		v.i, ok = validString(v.b, v.i)
		return true, ok
	case 't':
		return true, v.literal("true")
	case 'f':
		return true, v.literal("false")
	case 'n':
		return true, v.literal("null")
	}
	v.i, ok = validNumber(v.b, v.i)
	return true, ok
}

// afterValue reads commas and closing brackets after a value; done when the outermost
// value is complete.
func (v *validator) afterValue() (done, ok bool) {
	for v.depth > 0 {
		v.i = skipSpace(v.b, v.i)
		if v.i >= len(v.b) {
			return false, false
		}
		object := v.top()
		switch c := v.b[v.i]; {
		case c == ',':
			v.i++
			if object {
				return false, v.key()
			}
			return false, true
		case (object && c == '}') || (!object && c == ']'):
			v.i++
			v.depth--
		default:
			return false, false
		}
	}
	return true, true
}

// key reads an object key and its colon.
func (v *validator) key() bool {
	v.i = skipSpace(v.b, v.i)
	if v.i >= len(v.b) || v.b[v.i] != '"' {
		return false
	}
	var ok bool
	if v.i, ok = validString(v.b, v.i); !ok {
		return false
	}
	v.i = skipSpace(v.b, v.i)
	if v.i >= len(v.b) || v.b[v.i] != ':' {
		return false
	}
	v.i++
	return true
}

func (v *validator) literal(word string) bool {
	if len(v.b)-v.i < len(word) || string(v.b[v.i:v.i+len(word)]) != word {
		return false
	}
	v.i += len(word)
	return true
}

func (v *validator) push(object bool) {
	w, bit := v.depth/64, uint(v.depth%64)
	if object {
		v.bits[w] |= 1 << bit
	} else {
		v.bits[w] &^= 1 << bit
	}
	v.depth++
}

func (v *validator) top() bool {
	d := v.depth - 1
	return v.bits[d/64]&(1<<uint(d%64)) != 0
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t') {
		i++
	}
	return i
}

// validString returns the index after the string token starting at i (its quote).
func validString(b []byte, i int) (int, bool) {
	for i++; i < len(b); {
		if i = skipUnescaped(b, i); i >= len(b) {
			break
		}
		switch b[i] {
		case '"':
			return i + 1, true
		case '\\':
			if i+1 >= len(b) {
				return i, false
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if _, ok := Hex4(b, i+2); !ok {
					return i, false
				}
				i += 6
			default:
				return i, false
			}
		default: // a control character
			return i, false
		}
	}
	return i, false
}

// validNumber returns the index after the number starting at i (RFC 8259's grammar).
func validNumber(b []byte, i int) (int, bool) {
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = digits(b, i)
	default:
		return i, false
	}
	if i < len(b) && b[i] == '.' {
		j := digits(b, i+1)
		if j == i+1 {
			return j, false
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(b, i)
		if j == i {
			return j, false
		}
		i = j
	}
	return i, true
}

func digits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}
