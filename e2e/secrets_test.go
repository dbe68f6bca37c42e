package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/o365auditlog/o365auditlog/emulator"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"software.sslmate.com/src/go-pkcs12"
)

// sentinelPassword is a PFX password whose raw, JSON, URL and base64 forms all differ.
const sentinelPassword = `S3ntinel-Pa"ss/w+rd&<x>=%q`

// secrets is what must never reach the plugin's stdout or stderr.
type secrets struct {
	mu     sync.Mutex
	values []string // raw secret values
}

func (s *secrets) add(v ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.values = append(s.values, v...)
}

// forms are every encoding a secret could leak in: raw, JSON string (with and without
// HTML escaping), URL query and path escaping, standard and URL-safe base64 (with and
// without padding).
func (s *secrets) forms() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]string{}
	for _, v := range s.values {
		js, _ := json.Marshal(v)
		var plain strings.Builder
		enc := json.NewEncoder(&plain)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(v)
		for _, f := range []string{v, string(js[1 : len(js)-1]), strings.TrimSuffix(strings.TrimSpace(plain.String()), `"`)[1:],
			url.QueryEscape(v), url.PathEscape(v),
			base64.StdEncoding.EncodeToString([]byte(v)), base64.RawStdEncoding.EncodeToString([]byte(v)),
			base64.URLEncoding.EncodeToString([]byte(v)), base64.RawURLEncoding.EncodeToString([]byte(v))} {
			out[f] = v
		}
	}
	return out
}

// jwtShape is any JSON Web Token (an access token or a client assertion).
var jwtShape = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}`)

// assertNoSecrets scans text for every form of every secret, and for anything JWT-shaped.
func assertNoSecrets(t *testing.T, where, text string, s *secrets) {
	t.Helper()
	for form, secret := range s.forms() {
		if strings.Contains(text, form) {
			t.Errorf("%s leaks a secret (%.12q… as %.24q…)", where, secret, form)
		}
	}
	if m := jwtShape.FindString(text); m != "" {
		t.Errorf("%s leaks a JWT: %.24s…", where, m)
	}
}

// sentinelCertificate re-encodes the emulator's PFX for params under sentinelPassword and
// returns the params and the PFX bytes.
func sentinelCertificate(t *testing.T, params map[string]any) (map[string]any, []byte) {
	t.Helper()
	cert := params["certificate"].(map[string]any)
	der, err := base64.StdEncoding.DecodeString(cert["identifier"].(string))
	require.NoError(t, err)
	key, leaf, chain, err := pkcs12.DecodeChain(der, cert["password"].(string))
	require.NoError(t, err)
	pfx, err := pkcs12.Modern.Encode(key, leaf, chain, sentinelPassword)
	require.NoError(t, err)
	out := map[string]any{}
	for k, v := range params {
		out[k] = v
	}
	out["certificate"] = map[string]any{"identifier": base64.StdEncoding.EncodeToString(pfx), "password": sentinelPassword}
	return out, pfx
}

// pfxSecrets are the forms of a PFX worth scanning for: the raw bytes, their base64, and
// pieces of that base64 from the middle (a cut or wrapped dump leaks as well).
func pfxSecrets(pfx []byte) []string {
	b64 := base64.StdEncoding.EncodeToString(pfx)
	out := []string{string(pfx), b64}
	for off := len(b64) / 4; off+40 <= len(b64) && len(out) < 8; off += len(b64) / 6 {
		out = append(out, b64[off:off+40])
	}
	return out
}

// secretsEnv starts the emulator with a token hook and a plugin logging at debug level,
// in a working directory, HOME and TMPDIR of its own.
type secretsEnv struct {
	em      *emulator.Emulator
	p       *plugin
	secrets *secrets
	revoke  atomic.Bool // every issued token is revoked at once: Exchange Online answers 401
	dirs    []string
}

func newSecretsEnv(t *testing.T, opts emulator.Options) *secretsEnv {
	t.Helper()
	env := &secretsEnv{secrets: &secrets{}}
	env.secrets.add(sentinelPassword)
	var em atomic.Pointer[emulator.Emulator]
	opts.TokenIssued = func(tok string) {
		env.secrets.add(tok)
		if env.revoke.Load() {
			em.Load().RevokeTokens()
		}
	}
	env.em = startEmulator(t, opts)
	em.Store(env.em)
	home, tmp := t.TempDir(), t.TempDir()
	env.p = startPlugin(t, env.em, "O365AUDITLOG_LOG_LEVEL=debug", "HOME="+home, "TMPDIR="+tmp)
	env.dirs = []string{home, tmp}
	return env
}

func (env *secretsEnv) run(t *testing.T, command string, params, args map[string]any) *outcome {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	return env.p.exec(ctx, command, params, args)
}

// assertClean scans everything the plugin wrote and checks it wrote no file: tokens live
// in memory only (the working directory holds only the CA file the test put there).
func (env *secretsEnv) assertClean(t *testing.T, outs ...*outcome) {
	t.Helper()
	for _, out := range outs {
		b, err := json.Marshal(out.Entries)
		require.NoError(t, err)
		assertNoSecrets(t, "stdout", string(b)+out.Exception, env.secrets)
	}
	assertNoSecrets(t, "stderr", env.p.Stderr(), env.secrets)
	for _, dir := range append([]string{env.p.Cmd.Dir}, env.dirs...) {
		ents, err := os.ReadDir(dir)
		require.NoError(t, err)
		for _, e := range ents {
			if e.Name() != "ca.pem" {
				t.Errorf("the plugin wrote %s into %s", e.Name(), dir)
			}
		}
	}
}

// TestSecretsNeverLeak pushes a sentinel PFX password, the PFX itself and every issued
// token through each error path with debug logging on, then scans stdout and stderr for
// every form of them.
func TestSecretsNeverLeak(t *testing.T) {
	env := newSecretsEnv(t, emulator.Options{Records: 300, Days: 1, Seed: 9})
	good, pfx := sentinelCertificate(t, env.em.Params())
	noRoles, pfx2 := sentinelCertificate(t, env.em.ParamsNoRoles())
	env.secrets.add(pfxSecrets(pfx)...)
	env.secrets.add(pfxSecrets(pfx2)...)
	notPFX := []byte("not a pfx: " + sentinelPassword + strings.Repeat("\x00\x01secret-bytes", 20))
	env.secrets.add(base64.StdEncoding.EncodeToString(notPFX))
	start, end := window(env.em)
	args := map[string]any{"start_date": rfc(start), "end_date": rfc(end), "result_size": "20"}
	with := func(base map[string]any, kv ...any) map[string]any {
		out := map[string]any{}
		for k, v := range base {
			out[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i].(string)] = kv[i+1]
		}
		return out
	}
	goodCert := good["certificate"].(map[string]any)
	cases := []struct {
		name    string
		command string
		params  map[string]any
		args    map[string]any
		setup   func()
		wantErr string // "" = success
	}{
		{name: "search", command: "o365-auditlog-search", params: good, args: args},
		{name: "test-module", command: "test-module", params: good},
		{name: "wrong password", command: "o365-auditlog-search", params: with(good, "certificate",
			map[string]any{"identifier": goodCert["identifier"], "password": sentinelPassword + "x"}), args: args, wantErr: "password is wrong"},
		{name: "plain string certificate, wrong password param", command: "test-module", params: with(good, "certificate",
			goodCert["identifier"], "password", "x"+sentinelPassword), wantErr: "password is wrong"},
		{name: "not a PFX", command: "o365-auditlog-search", params: with(good, "certificate",
			map[string]any{"identifier": base64.StdEncoding.EncodeToString(notPFX), "password": sentinelPassword}), args: args, wantErr: "PFX"},
		{name: "not base64", command: "test-module", params: with(good, "certificate",
			map[string]any{"identifier": "%%" + sentinelPassword, "password": sentinelPassword}), wantErr: "base64"},
		{name: "no audit role (403)", command: "o365-auditlog-search", params: noRoles, args: args, wantErr: "View-Only Audit Logs"},
		{name: "token refused by Exchange Online (401)", command: "o365-auditlog-search", params: good, args: args,
			setup: func() { env.revoke.Store(true) }, wantErr: "rejected the access token"},
		{name: "faults retried", command: "o365-auditlog-search", params: good, args: with(args, "result_size", "300"), setup: func() {
			env.revoke.Store(false)
			require.NoError(t, env.em.SetFaults(map[string]float64{emulator.FaultServerError: 0.2, emulator.FaultThrottleNoRetryAfter: 0.2,
				emulator.FaultTruncate: 0.1, emulator.FaultReset: 0.1, emulator.FaultTokenError: 0.5}))
		}},
		{name: "bad url", command: "o365-auditlog-search", params: with(good, "url", "http://"+sentinelPassword), args: args, wantErr: "url"},
		{name: "bad timeout", command: "test-module", params: with(good, "timeout", "soon"), wantErr: "timeout"},
		{name: "bad argument", command: "o365-auditlog-search", params: good, args: with(args, "start_date", sentinelPassword), wantErr: "start_date"},
		{name: "unknown organization", command: "test-module", params: with(good, "organization", "fabrikam.onmicrosoft.com"), setup: func() {
			require.NoError(t, env.em.SetFaults(nil))
		}, wantErr: "organization"},
	}
	var outs []*outcome
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.setup != nil {
				tc.setup()
			}
			out := env.run(t, tc.command, tc.params, tc.args)
			outs = append(outs, out)
			errs := out.errors()
			if tc.wantErr == "" {
				require.Empty(t, errs)
				return
			}
			require.Len(t, errs, 1, "entries: %+v", out.Entries)
			assert.Contains(t, errs[0], tc.wantErr)
		})
	}
	env.secrets.mu.Lock()
	tokens := len(env.secrets.values)
	env.secrets.mu.Unlock()
	require.Greater(t, tokens, 4, "tokens were issued and are scanned for")
	assert.Contains(t, env.p.Stderr(), `"level":"DEBUG"`, "debug logging was on")
	env.assertClean(t, outs...)
}

// TestSecretScanner: the scanner catches a secret in each form it may leak in.
func TestSecretScanner(t *testing.T) {
	s := &secrets{}
	s.add(sentinelPassword)
	js, _ := json.Marshal(map[string]string{"password": sentinelPassword})
	leaks := []string{string(js), "pw=" + url.QueryEscape(sentinelPassword),
		base64.StdEncoding.EncodeToString([]byte(sentinelPassword)), "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.sig"}
	for _, leak := range leaks {
		caught := false
		for form := range s.forms() {
			caught = caught || strings.Contains(leak, form)
		}
		caught = caught || jwtShape.MatchString(leak)
		assert.True(t, caught, "not caught: %s", leak)
	}
}
