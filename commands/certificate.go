package commands

import (
	"strings"

	"github.com/o365auditlog/o365auditlog/exoclient"
)

const certificateExpected = "the PFX file encoded in base64 (the credentials' identifier field, " +
	"or a plain string with the password in the password parameter)"

// certificateParam reads certificate and the password rule of DESIGN §3: a non-empty
// certificate.password wins over the password parameter. Errors never show the value.
func certificateParam(params map[string]any) (pfx []byte, password string, err error) {
	encoded, certPassword, ok := certificateFields(params["certificate"])
	if !ok {
		return nil, "", &ValidationError{Kind: "parameter", Name: "certificate", Hidden: true, Expected: certificateExpected}
	}
	if strings.TrimSpace(encoded) == "" {
		return nil, "", &ValidationError{Kind: "parameter", Name: "certificate", Missing: true, Expected: certificateExpected}
	}
	pfx, err = exoclient.DecodeCertificateParam(encoded)
	if err != nil || len(pfx) == 0 {
		e := &ValidationError{Kind: "parameter", Name: "certificate", Hidden: true, Expected: certificateExpected}
		e.Problem = "it is not valid base64"
		return nil, "", e
	}
	password = certPassword
	if password == "" {
		if password, ok = params["password"].(string); !ok && params["password"] != nil {
			return nil, "", &ValidationError{Kind: "parameter", Name: "password", Hidden: true, Expected: "text"}
		}
	}
	return pfx, password, nil
}

// certificateFields returns the base64 text and the password of XSOAR's credentials object
// {"identifier","password"}, or of a plain string (no password). ok is false for other types.
func certificateFields(v any) (encoded, password string, ok bool) {
	switch x := v.(type) {
	case nil:
		return "", "", true
	case string:
		return x, "", true
	case map[string]any:
		encoded, ok1 := x["identifier"].(string)
		password, ok2 := x["password"].(string)
		return encoded, password, (ok1 || x["identifier"] == nil) && (ok2 || x["password"] == nil)
	}
	return "", "", false
}

// secretValues lists every parameter value that must never be logged or shown: the
// certificate's base64 text and both passwords.
func secretValues(params map[string]any) []string {
	encoded, certPassword, _ := certificateFields(params["certificate"])
	password, _ := params["password"].(string)
	var out []string
	for _, s := range []string{encoded, strings.TrimSpace(encoded), certPassword, password} {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
