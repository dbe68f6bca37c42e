package msclient

import (
	"crypto/rsa"
	"crypto/x509"
	"testing"

	"github.com/o365auditlog/o365auditlog/internal/testcert"
)

// sentinelPassword is the PFX password: no error text may ever contain it.
const sentinelPassword = "PASSWORD-SENTINEL-7d1e"

// The test certificates (internal/testcert), under this package's names.
var (
	testKeys  = testcert.Keys
	makeCert  = testcert.Make
	validCert = testcert.Valid
)

// modernPFX is a PFX of OpenSSL 3's defaults under sentinelPassword.
func modernPFX(t testing.TB, key *rsa.PrivateKey, cert *x509.Certificate, chain ...*x509.Certificate) []byte {
	return testcert.ModernPFX(t, key, cert, sentinelPassword, chain...)
}
