package contextout_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"unicode/utf8"

	"github.com/o365auditlog/o365auditlog/contextout"
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
