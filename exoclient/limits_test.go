package exoclient

import (
	"context"
	"github.com/o365auditlog/o365auditlog/msclient"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMaxPageBytesEnforced: a response body over Options.MaxPageBytes fails the call with
// *PageTooLargeError after reading at most the limit (plus one byte), is not retried, and
// the analyst is told to narrow the search. The default is DefaultMaxPageBytes (256 MiB).
func TestMaxPageBytesEnforced(t *testing.T) {
	big := strings.Repeat(rowJSON("a", "2026-01-01T00:00:01Z")+",", 200)
	env := newEnv(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"value":[` + big + rowJSON("b", "2026-01-01T00:00:02Z") + `]}`))
	})
	opts := env.options()
	opts.MaxPageBytes = 4096
	c := env.client(opts)
	_, err := c.SearchPage(context.Background(), testParams())
	var tooLarge *PageTooLargeError
	require.ErrorAs(t, err, &tooLarge)
	assert.Equal(t, int64(4096), tooLarge.Limit)
	assert.Equal(t, 1, env.exo.callCount(), "an oversized page is not retried")
	assert.Contains(t, Explain(err), "smaller result_size")
	assert.True(t, msclient.Classify(err).Fatal, "a new session would get the same page")

	assert.Equal(t, int64(DefaultMaxPageBytes), withDefaults(nil).MaxPageBytes)
	assert.Equal(t, int64(256<<20), int64(DefaultMaxPageBytes))
}
