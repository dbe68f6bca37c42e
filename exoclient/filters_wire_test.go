package exoclient

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/o365auditlog/o365auditlog/auditsearch"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSearchPageSendsObjectIdsAndHighCompleteness: object_ids travel as the ObjectIds array
// with a trailing * (the service's wildcard) untouched; HighCompleteness is a switch, sent
// as true only when asked for and left out otherwise (issue 16 items 3 and 4).
func TestSearchPageSendsObjectIdsAndHighCompleteness(t *testing.T) {
	cases := []struct {
		name    string
		filters auditsearch.Filters
		want    map[string]any // parameters beyond the dates and ResultSize; nil = absent
	}{
		{"both", auditsearch.Filters{ObjectIDs: []string{"https://contoso.sharepoint.com/sites/x/*", "id-2"}, HighCompleteness: true},
			map[string]any{"ObjectIds": []any{"https://contoso.sharepoint.com/sites/x/*", "id-2"}, "HighCompleteness": true}},
		{"neither", auditsearch.Filters{}, map[string]any{"ObjectIds": nil, "HighCompleteness": nil}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := newEnv(t, page())
			p := testParams()
			p.Filters = c.filters
			_, err := env.client(nil).SearchPage(context.Background(), p)
			require.NoError(t, err)
			var body struct {
				CmdletInput struct{ Parameters map[string]any }
			}
			require.NoError(t, json.Unmarshal(env.exo.call(0).Body, &body))
			params := body.CmdletInput.Parameters
			for key, want := range c.want {
				got, present := params[key]
				if want == nil {
					assert.True(t, !present, key+" must be left out")
					continue
				}
				assert.Equal(t, want, got, key)
			}
		})
	}
}
