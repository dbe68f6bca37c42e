package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAnnotateKeepsEveryByte(t *testing.T) {
	cases := []struct{ name, in string }{
		{"flat", `{"RecordType":15,"UserType":0,"Id":"x"}`},
		{"big and odd numbers", `{"A":12345678901234567890,"B":1.50,"C":-0.0,"D":1e+300,"E":2147483648,"F":-2147483648}`},
		{"whitespace", "{ \"A\" : 1 ,\n\t\"B\" : [ 1 , 2 ] , \"C\" : { } }"},
		{"empty object and array", `{"A":{},"B":[],"C":[{}]}`},
		{"nested", `{"Actor":[{"ID":"u","Type":5}],"Deep":{"X":{"Y":[[1,{"Z":true}]]}},"N":null,"S":"a,b}]"}`},
		{"escapes in strings", `{"A":"quote \" and \\ and \u00e9","B":"}"}`},
		{"empty", `{}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := envelopeFields{}
			out := annotate(nil, []byte(tc.in), env)
			require.True(t, json.Valid(out), "%s", out)
			assert.Equal(t, tc.in, string(stripAnnotations(out)))
			var m map[string]any
			require.NoError(t, json.Unmarshal(out, &m))
			assert.Equal(t, auditDataType, m["@odata.type"])
		})
	}
	t.Run("sidecars name the type", func(t *testing.T) {
		var m map[string]any
		require.NoError(t, json.Unmarshal(annotate(nil, []byte(`{"A":1,"B":4294967296,"C":1.5,"D":["x"],"E":{"F":2}}`), nil), &m))
		assert.Equal(t, "#Int32", m["A@odata.type"])
		assert.Equal(t, "#Int64", m["B@odata.type"])
		assert.Equal(t, "#Double", m["C@odata.type"])
		assert.Equal(t, "#Collection(String)", m["D@odata.type"])
		assert.Equal(t, map[string]any{"@odata.type": nestedJSONType, "F@odata.type": "#Int32", "F": float64(2)}, m["E"])
	})
	t.Run("the top level is captured", func(t *testing.T) {
		env := envelopeFields{}
		annotate(nil, []byte(`{"UserId":"a@b.c","UserType":2,"X":{"UserId":"inner"}}`), env)
		assert.Equal(t, "a@b.c", env.str("UserId"))
		assert.Equal(t, "2", string(env["UserType"]))
		assert.Equal(t, "Admin", graphUserType(env["UserType"]))
	})
}

// TestGraphServesLoadedRecordsExactly loads records whose numbers JSON decoders would change
// and checks Graph's auditData gives the same text back.
func TestGraphServesLoadedRecordsExactly(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	var lines []json.RawMessage
	for i := range 5 {
		lines = append(lines, json.RawMessage(fmt.Sprintf(
			`{"CreationTime":%q,"Id":"id-%d","Operation":"Op","OrganizationId":"o","RecordType":"MicrosoftTeams","UserKey":"key-%d","UserType":0,"Version":1,"Workload":"MicrosoftTeams","UserId":"u%d@x","Big":12345678901234567891,"Frac":0.10, "Spaced" : [ 1 , {"K":2} ]}`,
			now.Add(-time.Duration(i)*time.Minute).Format(timeLayout), i, i, i)))
	}
	e := setup(t, fastGraph(Options{DatasetRecords: lines}))
	tok := e.graphToken(t, appReader)
	id := e.createQuery(t, tok, map[string]any{"recordTypeFilters": []string{"MicrosoftTeams"}})
	e.waitQuery(t, tok, id)
	recs, _ := e.allRecords(t, tok, id, 2)
	require.Len(t, recs, 5)
	for _, r := range recs {
		text, ok := e.Record(r.Envelope["id"].(string))
		require.True(t, ok)
		assert.Equal(t, string(text), string(stripAnnotations(r.Audit)))
		assert.Equal(t, "MicrosoftTeams", r.Envelope["auditLogRecordType"])
	}

	t.Run("list", func(t *testing.T) {
		res := e.graphCall(t, tok, http.MethodGet, "/beta/security/auditLog/queries", nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Raw)
		v := res.json(t)["value"].([]any)
		require.Len(t, v, 1)
		assert.Equal(t, id, v[0].(map[string]any)["id"])
	})
}

func TestGraphControlEndpoints(t *testing.T) {
	e := setup(t, fastGraph(Options{Records: 50}))
	tok := e.graphToken(t, appReader)
	id := e.createQuery(t, tok, map[string]any{})
	get := func(path string) (int, map[string]any) {
		resp, err := e.HTTPClient().Get(e.URL() + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		var m map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&m))
		return resp.StatusCode, m
	}
	status, m := get("/_emulator/graph-queries")
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, []any{id}, m["ids"])
	e.waitQuery(t, tok, id)
	status, m = get("/_emulator/graph-queries/" + id + "/records")
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, float64(50), m["count"])
	status, _ = get("/_emulator/graph-queries/nope/records")
	assert.Equal(t, http.StatusNotFound, status)
}
