package commands

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFetchForeignLastRun: a last run holding none of our keys (demistomock's
// {"lastRun": "2018-10-24T…"}, another integration's, a hand edit) starts from first_fetch
// with a warning; one that is ours but unreadable stays an error (issue 16 item 8).
func TestFetchForeignLastRun(t *testing.T) {
	cases := []struct {
		name    string
		lastRun string
		wantErr bool
	}{
		{"demistomock", `{"lastRun":"2018-10-24T14:13:20+00:00"}`, false},
		{"another integration", `{"last_fetch":"2024-01-01T00:00:00Z","ids":["a"]}`, false},
		{"ours, wrong version", `{"version":2,"seen":{}}`, true},
		{"ours, bad time", `{"version":1,"high_water":"yesterday","seen":{}}`, true},
		{"ours, only seen", `{"seen":{"soon":["a"]}}`, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newFetchHarness(t, map[string]any{"first_fetch": "1 hour"})
			h.world.add("r1", testNow.Add(-30*time.Minute), 0)
			h.session.lastRun = json.RawMessage(c.lastRun)
			incidents, err := h.run()
			if c.wantErr {
				require.Error(t, err)
				assert.Contains(t, err.Error(), "Reset the last run")
				assert.JSONEq(t, c.lastRun, string(h.session.lastRun), "state untouched")
				return
			}
			require.NoError(t, err)
			require.Len(t, incidents, 1)
			assert.Contains(t, h.logs.String(), "level=WARN")
			assert.Contains(t, h.logs.String(), "first_fetch")
			assert.Contains(t, string(h.session.lastRun), `"version":1`, "our state replaces the foreign one")
		})
	}
}
