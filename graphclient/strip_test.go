package graphclient

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStripAnnotations(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{name: "top-level type", in: `{"@odata.type":"#microsoft.graph.security.auditData","Id":"a"}`, want: `{"Id":"a"}`},
		{name: "sidecar before a number", in: `{"@odata.type":"#x","RecordType@odata.type":"#Int32","RecordType":15,"Big":12345678901234567890}`,
			want: `{"RecordType":15,"Big":12345678901234567890}`},
		{name: "nested objects and arrays", in: `{"@odata.type":"#x","A":{"@odata.type":"#microsoft.graph.Json","B@odata.type":"#Collection(String)","B":[{"@odata.type":"#microsoft.graph.Json","C":1.50e3}],"D":"x@odata.type"}}`,
			want: `{"A":{"B":[{"C":1.50e3}],"D":"x@odata.type"}}`},
		{name: "annotation last", in: `{"A":1,"A@odata.type":"#Int32"}`, want: `{"A":1}`},
		{name: "only annotations", in: `{"@odata.type":"#x"}`, want: `{}`},
		{name: "empty", in: `{}`, want: `{}`},
		{name: "escapes kept", in: `{"@odata.type":"#x","S":"a\"b\\\u00e9\n","T":"@odata.type"}`, want: `{"S":"a\"b\\\u00e9\n","T":"@odata.type"}`},
		{name: "spacing kept", in: `{"@odata.type":"#x", "A@odata.type":"#Int32","A" : 1 , "B":[ 1, 2 ] }`, want: `{ "A" : 1 , "B":[ 1, 2 ] }`},
		{name: "literals", in: `{"A":true,"B":false,"C":null,"D":-0.5}`, want: `{"A":true,"B":false,"C":null,"D":-0.5}`},
		{name: "empty array", in: `{"A@odata.type":"#Collection(String)","A":[]}`, want: `{"A":[]}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := stripTop(nil, []byte(c.in), nil)
			require.NoError(t, err)
			assert.Equal(t, c.want, string(got))
			assert.True(t, json.Valid(got))
		})
	}
}

func TestStripAnnotationsRejects(t *testing.T) {
	for name, in := range map[string]string{
		"array":        `[1]`,
		"string":       `"{}"`,
		"unterminated": `{"A":1`,
		"bad member":   `{A:1}`,
		"no colon":     `{"A" 1}`,
		"trailing":     `{"A":1} x`,
		"open string":  `{"A":"x}`,
		"empty value":  `{"A":}`,
	} {
		_, err := stripTop(nil, []byte(in), nil)
		assert.Error(t, err, name)
	}
}

func FuzzStripAnnotations(f *testing.F) {
	f.Add([]byte(`{"@odata.type":"#x","A@odata.type":"#Int32","A":1,"B":{"C":[{"@odata.type":"#y"}]}}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := stripTop(nil, in, nil)
		if err != nil || !json.Valid(in) {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("valid %q stripped to invalid %q", in, out)
		}
	})
}
