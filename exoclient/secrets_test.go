package exoclient

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"software.sslmate.com/src/go-pkcs12"
)

// echoAuth is a hostile or buggy service that echoes the request's Authorization header.
func echoAuth(code int) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		tok := strings.TrimPrefix(auth, "Bearer ")
		writeJSON(w, code, map[string]any{"error": map[string]any{"code": "Echo",
			"message": "you sent " + auth + " and the token " + tok, "details": []map[string]string{{"message": tok}}}})
	}
}

// TestNoSecretLeaks drives every failure path with sentinel password, PFX and token values
// and scans every error text, Explain sentence and log line.
func TestNoSecretLeaks(t *testing.T) {
	key, cert := validCert(t)
	pfx := modernPFX(t, key, cert)
	secrets := []string{sentinelPassword, sentinelToken, base64.StdEncoding.EncodeToString(pfx)[:24],
		base64.StdEncoding.EncodeToString(pfx[100:140]), hex.EncodeToString(pfx[:16]), string(pfx[40:60])}

	type outcome struct {
		name string
		err  error
		logs string
	}
	var outcomes []outcome
	run := func(name string, replies []func(http.ResponseWriter, *http.Request), setup func(env *testEnv, cfg *Config, opts *Options), large bool) {
		env := newEnv(t, replies...)
		env.auth.register(cert)
		cfg := env.config(pfx)
		opts := env.options()
		opts.Retry = RetryPolicy{MaxAttempts: 3}
		if setup != nil {
			setup(env, &cfg, opts)
		}
		c, err := New(cfg, opts)
		if err == nil {
			p := testParams()
			p.LargeSet = large
			if large {
				p.SessionID = "s"
			}
			_, err = c.SearchPage(context.Background(), p)
		}
		if err == nil {
			t.Errorf("%s: expected a failure", name)
		}
		outcomes = append(outcomes, outcome{name, err, env.logText()})
	}

	run("wrong password", replies(okPage), func(_ *testEnv, cfg *Config, _ *Options) { cfg.Password = sentinelPassword + "x" }, false)
	run("password with empty one", replies(okPage), func(_ *testEnv, cfg *Config, _ *Options) { cfg.Password = "" }, false)
	run("not a PFX", replies(okPage), func(_ *testEnv, cfg *Config, _ *Options) {
		cfg.PFX = []byte("junk " + sentinelPassword + " " + sentinelToken)
	}, false)
	run("PEM garbage", replies(okPage), func(_ *testEnv, cfg *Config, _ *Options) {
		cfg.PFX = []byte("-----BEGIN PRIVATE KEY-----\n" + base64.StdEncoding.EncodeToString([]byte(sentinelPassword)) + "\n-----END PRIVATE KEY-----\n")
	}, false)
	run("key mismatch", replies(okPage), func(_ *testEnv, cfg *Config, _ *Options) {
		other := makeCert(t, testKeys()[1], "other", time.Now().Add(-time.Hour), time.Now().Add(time.Hour), nil, nil)
		b, err := pkcs12.LegacyDES.Encode(key, other, nil, sentinelPassword)
		require.NoError(t, err)
		cfg.PFX = b
	}, false)
	run("expired", replies(okPage), func(_ *testEnv, cfg *Config, _ *Options) {
		old := makeCert(t, key, "old", time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour), nil, nil)
		cfg.PFX = modernPFX(t, key, old)
	}, false)
	run("unregistered certificate", replies(okPage), func(env *testEnv, cfg *Config, _ *Options) {
		env.auth.mu.Lock()
		env.auth.registered = nil
		env.auth.mu.Unlock()
	}, false)
	run("authority 500", replies(okPage), func(env *testEnv, _ *Config, _ *Options) {
		env.auth.failStatus, env.auth.failBody = 500, `{"error":"server_error","error_description":"AADSTS90033: down. Bearer `+sentinelToken+`"}`
	}, false)
	run("exchange echoes the token with 401", replies(echoAuth(401)), nil, false)
	run("exchange echoes the token with 400", replies(echoAuth(400)), nil, false)
	run("exchange echoes the token with 403", replies(echoAuth(403)), nil, false)
	run("exchange echoes the token with 503", replies(echoAuth(503)), nil, false)
	run("exchange echoes the token, large set", replies(echoAuth(500)), nil, true)
	run("throttled", replies(status(429, `{"error":{"message":"maximum number of concurrent requests per tenant"}}`)), nil, false)
	run("truncated", replies(truncated), nil, false)
	run("reset", replies(reset), nil, true)
	run("untrusted TLS", replies(okPage), func(_ *testEnv, _ *Config, opts *Options) { opts.RootCAs = nil }, false)
	run("html error page", replies(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(502)
		fmt.Fprintf(w, "<html><body>proxy error for %s</body></html>", r.Header.Get("Authorization"))
	}), nil, false)

	for _, o := range outcomes {
		texts := map[string]string{"logs": o.logs}
		if o.err != nil {
			texts["error"] = o.err.Error()
			texts["verbose"] = fmt.Sprintf("%+v %#v", o.err, o.err)
			texts["explain"] = Explain(o.err)
		}
		for where, text := range texts {
			for _, s := range secrets {
				if strings.Contains(text, s) {
					t.Errorf("%s: %s contains a secret (%q): %s", o.name, where, s, text)
				}
			}
		}
	}
}
