package integration

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Redacted replaces every secret in redacted text.
const Redacted = "[REDACTED]"

// minSecretLen keeps one- and two-character values (a "password" of "x" in a test
// configuration) from turning every log line into confetti.
const minSecretLen = 3

// Bearer tokens are redacted whether or not they were registered: an HTTP error dump or a
// wrapped azidentity error may carry one the plugin never saw as a value.
var tokenPatterns = []*regexp.Regexp{
	regexp.MustCompile(`(?i)\b(bearer\s+)[A-Za-z0-9\-._~+/]+=*`),
	// A JWT: header.payload.signature, base64url, the header always starts with {" = eyJ.
	regexp.MustCompile(`\beyJ[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]*`),
}

// Redactor removes secrets from text. It is safe for concurrent use; secrets are only
// ever added, for the life of the process.
type Redactor struct {
	mu       sync.RWMutex
	secrets  map[string]bool
	replacer *strings.Replacer
}

// NewRedactor returns a Redactor that knows no secret yet (it still redacts bearer tokens).
func NewRedactor() *Redactor {
	return &Redactor{secrets: map[string]bool{}}
}

// Add registers secret values. Their JSON-escaped forms are registered too, since
// secrets reach logs inside JSON text as often as bare.
func (r *Redactor) Add(values ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	changed := false
	for _, v := range values {
		for _, form := range secretForms(v) {
			if len(form) >= minSecretLen && !r.secrets[form] {
				r.secrets[form] = true
				changed = true
			}
		}
	}
	if changed {
		r.replacer = buildReplacer(r.secrets)
	}
}

func secretForms(v string) []string {
	b, _ := json.Marshal(v)
	escaped := string(b[1 : len(b)-1])
	if escaped == v {
		return []string{v}
	}
	return []string{v, escaped}
}

func buildReplacer(secrets map[string]bool) *strings.Replacer {
	list := make([]string, 0, len(secrets))
	for s := range secrets {
		list = append(list, s)
	}
	// Longest first: strings.Replacer tries the old strings in argument order, and a
	// secret that contains another must win.
	slices.SortFunc(list, func(a, b string) int { return len(b) - len(a) })
	pairs := make([]string, 0, 2*len(list))
	for _, s := range list {
		pairs = append(pairs, s, Redacted)
	}
	return strings.NewReplacer(pairs...)
}

// Redact returns s with every registered secret and every bearer token replaced.
func (r *Redactor) Redact(s string) string {
	if r == nil {
		return s
	}
	r.mu.RLock()
	rep := r.replacer
	r.mu.RUnlock()
	if rep != nil {
		s = rep.Replace(s)
	}
	s = tokenPatterns[0].ReplaceAllString(s, "${1}"+Redacted)
	return tokenPatterns[1].ReplaceAllString(s, Redacted)
}

// AddParamSecrets registers the secrets found in integration params: `password`, and
// `certificate` as a plain string or a credentials object (its `identifier`, the base64
// PFX, and `password`, also inside a nested `credentials` object).
func (r *Redactor) AddParamSecrets(params map[string]any) {
	if s, ok := params["password"].(string); ok {
		r.Add(s)
	}
	switch c := params["certificate"].(type) {
	case string:
		r.Add(c)
	case map[string]any:
		r.addCredentials(c, 0)
	}
}

func (r *Redactor) addCredentials(c map[string]any, depth int) {
	for _, key := range []string{"identifier", "password", "sshkey"} {
		if s, ok := c[key].(string); ok {
			r.Add(s)
		}
	}
	if nested, ok := c["credentials"].(map[string]any); ok && depth < 2 {
		r.addCredentials(nested, depth+1)
	}
}
