package contextout_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"unicode/utf8"

	"github.com/o365auditlog/o365auditlog/contextout"
)

// FuzzRecord: whatever the input, Record either fails with one of the package's errors or
// returns valid, compact, valid-UTF-8 JSON holding an object. For input that is valid JSON
// and valid UTF-8, the output holds the same value (numbers compared by their exact text),
// and sanitizing is idempotent. The seed corpus is in testdata/fuzz/FuzzRecord.
func FuzzRecord(f *testing.F) {
	f.Add([]byte(`{"Id":"x","n":1.5e300,"a":[true,false,null,{}]}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := contextout.Record(in)
		if err != nil {
			if !errors.Is(err, contextout.ErrSyntax) && !errors.Is(err, contextout.ErrNotObject) && !errors.Is(err, contextout.ErrTooDeep) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			if json.Valid(in) && utf8.Valid(in) && bytes.HasPrefix(bytes.TrimLeft(in, " \t\r\n"), []byte("{")) && !errors.Is(err, contextout.ErrTooDeep) {
				t.Fatalf("valid JSON object rejected: %v", err)
			}
			return
		}
		if !json.Valid(out) {
			t.Fatalf("output is not valid JSON: %q", out)
		}
		if !utf8.Valid(out) {
			t.Fatalf("output is not valid UTF-8: %q", out)
		}
		if len(out) == 0 || out[0] != '{' {
			t.Fatalf("output is not an object: %q", out)
		}
		for _, c := range out {
			if c < 0x20 || c == 0x7f {
				t.Fatalf("raw control character 0x%02x in output %q", c, out)
			}
		}
		again, err := contextout.Record(out)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("not idempotent: %q -> %q (%v)", out, again, err)
		}
		if json.Valid(in) && utf8.Valid(in) {
			w, err1 := decodeNumbers(in)
			g, err2 := decodeNumbers(out)
			if err1 != nil || err2 != nil {
				t.Fatalf("decode: %v / %v", err1, err2)
			}
			if !reflect.DeepEqual(w, g) {
				t.Fatalf("value changed:\n in %q\nout %q", in, out)
			}
		}
	})
}
