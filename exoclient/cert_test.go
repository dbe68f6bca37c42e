package exoclient

import (
	"encoding/base64"
	"errors"
	"testing"
	"time"

	"github.com/o365auditlog/o365auditlog/msclient"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewRejectsBadCertificates(t *testing.T) {
	env := newEnv(t, page())
	cfg := env.config([]byte("garbage"))
	_, err := New(cfg, env.options())
	var ce *CertError
	require.ErrorAs(t, err, &ce)
	assert.Contains(t, Explain(err), "PFX")
}

// TestDecodedParamLoads: the decoded parameter is what the certificate loader reads.
func TestDecodedParamLoads(t *testing.T) {
	key, cert := validCert(t)
	pfx := modernPFX(t, key, cert)
	b64 := base64.StdEncoding.EncodeToString(pfx)
	data, err := base64.StdEncoding.DecodeString(b64)
	require.NoError(t, err)
	_, err = msclient.LoadCertificate(data, sentinelPassword, time.Now())
	require.NoError(t, err)
	_, err = msclient.LoadCertificate(data, "", time.Now())
	require.True(t, errors.As(err, new(*CertError)))
}
