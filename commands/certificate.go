package commands

import (
	"encoding/base64"
	"errors"
	"strings"
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
	pfx, err = decodeCertificate(encoded)
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

// errNotBase64 is a certificate parameter that is not base64 text.
var errNotBase64 = errors.New("the certificate is not base64 text")

// decodeCertificate decodes the certificate parameter: base64 (standard or URL-safe,
// padded or not, with any whitespace or line breaks) of a PFX or PEM file. PEM text given
// as is (starting with "-----BEGIN") is returned unchanged.
func decodeCertificate(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "-----BEGIN") {
		return []byte(s), nil
	}
	compact := strings.Join(strings.Fields(s), "")
	if compact == "" {
		return nil, errNotBase64
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(compact); err == nil {
			return b, nil
		}
	}
	return nil, errNotBase64
}
