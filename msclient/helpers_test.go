package msclient

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"software.sslmate.com/src/go-pkcs12"
)

// sentinelPassword is the PFX password: no error text may ever contain it.
const sentinelPassword = "PASSWORD-SENTINEL-7d1e"

// testKeys are generated once: RSA key generation dominates test time otherwise.
var testKeys = sync.OnceValue(func() []*rsa.PrivateKey {
	keys := make([]*rsa.PrivateKey, 3)
	for i := range keys {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		keys[i] = k
	}
	return keys
})

// makeCert self-signs (or, with a parent, issues) a certificate for key valid in [nb, na].
func makeCert(t testing.TB, key *rsa.PrivateKey, cn string, nb, na time.Time, parent *x509.Certificate, parentKey *rsa.PrivateKey) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             nb,
		NotAfter:              na,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  parent == nil,
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	require.NoError(t, err)
	c, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return c
}

// validCert is the leaf used by most tests: key 0, valid around now.
func validCert(t testing.TB) (*rsa.PrivateKey, *x509.Certificate) {
	key := testKeys()[0]
	return key, makeCert(t, key, "o365auditlog test", time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour), nil, nil)
}

func modernPFX(t testing.TB, key *rsa.PrivateKey, cert *x509.Certificate, chain ...*x509.Certificate) []byte {
	t.Helper()
	pfx, err := pkcs12.Modern.Encode(key, cert, chain, sentinelPassword)
	require.NoError(t, err)
	return pfx
}
