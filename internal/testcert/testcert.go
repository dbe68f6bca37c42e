// Package testcert makes the RSA keys, certificates and PFX files the client packages'
// tests sign in with. Tests only: it fails the test it is given rather than return errors.
package testcert

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

// Keys are three 2048-bit RSA keys, generated once per test binary: key generation would
// otherwise dominate test time.
var Keys = sync.OnceValue(func() []*rsa.PrivateKey {
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

// Make self-signs (or, with a parent, issues) a certificate for key valid in [nb, na].
func Make(t testing.TB, key *rsa.PrivateKey, cn string, nb, na time.Time, parent *x509.Certificate, parentKey *rsa.PrivateKey) *x509.Certificate {
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

// Valid is the leaf most tests use: key 0, valid around now.
func Valid(t testing.TB) (*rsa.PrivateKey, *x509.Certificate) {
	key := Keys()[0]
	return key, Make(t, key, "o365auditlog test", time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour), nil, nil)
}

// ModernPFX is key, cert and chain as a PFX of OpenSSL 3's defaults (PBES2/AES-256,
// SHA-256 MAC) under password.
func ModernPFX(t testing.TB, key *rsa.PrivateKey, cert *x509.Certificate, password string, chain ...*x509.Certificate) []byte {
	t.Helper()
	pfx, err := pkcs12.Modern.Encode(key, cert, chain, password)
	require.NoError(t, err)
	return pfx
}
