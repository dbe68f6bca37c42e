package contextout_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"unicode/utf8"

	"github.com/o365auditlog/o365auditlog/contextout"
	"github.com/o365auditlog/o365auditlog/jsontext"
	"github.com/stretchr/testify/require"
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
			require.True(t, errors.Is(err, contextout.ErrSyntax) || errors.Is(err, contextout.ErrNotObject) || errors.Is(err, contextout.ErrTooDeep),
				"unexpected error kind: %v", err)
			objectIn := json.Valid(in) && utf8.Valid(in) && bytes.HasPrefix(bytes.TrimLeft(in, " \t\r\n"), []byte("{"))
			require.False(t, objectIn && !errors.Is(err, contextout.ErrTooDeep), "valid JSON object rejected: %v", err)
			return
		}
		require.True(t, json.Valid(out), "output is not valid JSON: %q", out)
		require.True(t, utf8.Valid(out), "output is not valid UTF-8: %q", out)
		require.True(t, len(out) > 0 && out[0] == '{', "output is not an object: %q", out)
		for _, c := range out {
			require.False(t, c < 0x20 || c == 0x7f, "raw control character 0x%02x in output %q", c, out)
		}
		members, err := recordMembers(in)
		require.NoError(t, err, "RecordMembers fails where Record does not")
		require.Equal(t, canonicalMembers(out), members, "RecordMembers(%q)", in)
		again, err := contextout.Record(out)
		require.NoError(t, err, "not idempotent: %q", out)
		require.Equal(t, out, again, "not idempotent")
		if json.Valid(in) && utf8.Valid(in) {
			w, err := decodeNumbers(in)
			require.NoError(t, err)
			g, err := decodeNumbers(out)
			require.NoError(t, err)
			require.Equal(t, w, g, "value changed:\n in %q\nout %q", in, out)
		}
	})
}

// recordMembers is what RecordMembers reports, copied.
func recordMembers(in []byte) ([][2]string, error) {
	var got [][2]string
	_, err := contextout.RecordMembers(in, func(key, val []byte) {
		got = append(got, [2]string{string(key), string(val)})
	})
	return got, err
}

// canonicalMembers is the members of canonical text, read after the fact.
func canonicalMembers(c jsontext.Canonical) [][2]string {
	var got [][2]string
	for key, val := range c.Members() {
		got = append(got, [2]string{string(key), string(val)})
	}
	return got
}

// TestRecordMembers: the members reported while sanitizing are the result's, whether the
// record was canonical already or is rewritten before, inside or after a member.
func TestRecordMembers(t *testing.T) {
	for _, in := range []string{
		`{}`, ` { } `, `{"Id":"a","CreationTime":"2026-01-01T00:00:00","N":1.50}`,
		`{"a":{"b":[1,{"c":"d"}],"e":{}},"f":[],"g":null,"h":true,"a":2}`,
		` {"Id" : "a" ,` + "\n" + ` "x": [ 1 , 2 ] , "y" : { "z" : "\u0041" } }`,
		`{"Id":"a","x":"` + "\x01" + `","CreationTime":"t"}`,
		`{"k\u0041":"v\/","Id":"\ud83d\ude00"}`,
		"{\"Id\":\"\xff\",\"T\":\"\u2028\"}",
	} {
		out, err := contextout.Record([]byte(in))
		require.NoError(t, err, in)
		members, err := recordMembers([]byte(in))
		require.NoError(t, err, in)
		require.Equal(t, canonicalMembers(out), members, "%q", in)
	}
}
