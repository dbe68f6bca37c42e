//go:build livetenant

// The live-tenant check is not part of `make test` (CI has no tenant): it runs only with
// the livetenant build tag, and then fails, never skips, without its params. README.md,
// "Checking against a real tenant", says how to run it.

package exoclient

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// liveConfig reads plugin params (the shape of the emulator's params.json, or a real
// tenant's) from the file named by the variable env. Trust a private CA with SSL_CERT_FILE,
// as in production.
func liveConfig(t *testing.T, env string) Config {
	path := os.Getenv(env)
	if path == "" {
		t.Fatalf("%s is not set: name the params.json of the tenant to check (README.md, \"Checking against a real tenant\")", env)
	}
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var p struct {
		URL          string `json:"url"`
		AuthURL      string `json:"auth_url"`
		Organization string `json:"organization"`
		AppID        string `json:"app_id"`
		Certificate  struct {
			Identifier string `json:"identifier"`
			Password   string `json:"password"`
		} `json:"certificate"`
	}
	require.NoError(t, json.Unmarshal(b, &p))
	pfx, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(p.Certificate.Identifier), ""))
	require.NoError(t, err)
	return Config{URL: p.URL, AuthURL: p.AuthURL, Organization: p.Organization, AppID: p.AppID, PFX: pfx, Password: p.Certificate.Password}
}

// TestLive runs the client against a real endpoint: EXOCLIENT_PARAMS=params.json.
func TestLive(t *testing.T) {
	cfg := liveConfig(t, "EXOCLIENT_PARAMS")
	c, err := New(cfg, nil)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	require.NoError(t, c.Ping(ctx))

	end := time.Now().UTC().Truncate(time.Second)
	rows, err := c.SearchPage(ctx, SearchParams{Start: end.Add(-7 * 24 * time.Hour), End: end, ResultSize: 100})
	require.NoError(t, err)
	t.Logf("sorted call: %d rows", len(rows))
	for _, r := range rows {
		assert.True(t, r.ID != "" && !r.CreationTime.IsZero() && len(r.AuditData) > 0, r)
	}
	large := SearchParams{Start: end.Add(-7 * 24 * time.Hour), End: end, ResultSize: 1000, LargeSet: true, SessionID: "live-" + end.Format("150405")}
	rows, err = c.SearchPage(ctx, large)
	if errors.Is(err, ErrSessionLost) { // the service (or the emulator's -fault) may drop a session: one more
		t.Logf("large-set page lost, retrying in a new session: %v", err)
		large.SessionID += "-2"
		rows, err = c.SearchPage(ctx, large)
	}
	require.NoError(t, err)
	t.Logf("large-set page: %d rows, first ResultIndex %d ResultCount %d", len(rows), first(rows).ResultIndex, first(rows).ResultCount)
}

// TestLiveNoRoles checks the explanation for an app without the audit role:
// EXOCLIENT_PARAMS_NOROLES=params-noroles.json.
func TestLiveNoRoles(t *testing.T) {
	cfg := liveConfig(t, "EXOCLIENT_PARAMS_NOROLES")
	c, err := New(cfg, nil)
	require.NoError(t, err)
	err = c.Ping(context.Background())
	require.Error(t, err)
	t.Log(Explain(err))
	assert.Contains(t, Explain(err), "View-Only Audit Logs")
}

func first(rows []Row) Row {
	if len(rows) == 0 {
		return Row{}
	}
	return rows[0]
}
