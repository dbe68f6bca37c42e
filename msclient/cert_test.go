package msclient

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"software.sslmate.com/src/go-pkcs12"
)

func pemBytes(t testing.TB, blocks ...*pem.Block) []byte {
	var b strings.Builder
	for _, bl := range blocks {
		b.Write(pem.EncodeToMemory(bl))
	}
	return []byte(b.String())
}

func TestLoadCertificate(t *testing.T) {
	keys := testKeys()
	now := time.Now()
	key, leaf := keys[0], makeCert(t, keys[0], "leaf", now.Add(-time.Hour), now.Add(time.Hour), nil, nil)
	caKey := keys[1]
	ca := makeCert(t, caKey, "issuing ca", now.Add(-time.Hour), now.Add(time.Hour), nil, nil)
	issued := makeCert(t, key, "issued leaf", now.Add(-time.Hour), now.Add(time.Hour), ca, caKey)
	other := makeCert(t, keys[2], "someone else", now.Add(-time.Hour), now.Add(time.Hour), nil, nil)
	expired := makeCert(t, key, "old", time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC), nil, nil)
	future := makeCert(t, key, "future", time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC), nil, nil)
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)

	encode := func(enc *pkcs12.Encoder, k any, c *x509.Certificate, chain ...*x509.Certificate) []byte {
		pfx, err := enc.Encode(k, c, chain, sentinelPassword)
		require.NoError(t, err)
		return pfx
	}
	pkcs1 := &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(key)
	trustStore, err := pkcs12.Modern.EncodeTrustStore([]*x509.Certificate{leaf}, sentinelPassword)
	require.NoError(t, err)

	cases := []struct {
		name     string
		data     []byte
		password string
		problem  CertProblem
		leafCN   string
		chainLen int
		want     []string // in the error text
	}{
		{name: "modern PBES2 AES-256 SHA-256", data: encode(pkcs12.Modern, key, leaf), leafCN: "leaf", chainLen: 1},
		{name: "modern 2026", data: encode(pkcs12.Modern2026, key, leaf), leafCN: "leaf", chainLen: 1},
		{name: "legacy RC2", data: encode(pkcs12.LegacyRC2, key, leaf), leafCN: "leaf", chainLen: 1},
		{name: "legacy 3DES", data: encode(pkcs12.LegacyDES, key, leaf), leafCN: "leaf", chainLen: 1},
		{name: "chain kept", data: encode(pkcs12.Modern, key, issued, ca), leafCN: "issued leaf", chainLen: 2},
		{name: "leaf listed after its CA", data: encode(pkcs12.LegacyDES, key, ca, issued), leafCN: "issued leaf", chainLen: 2},
		{name: "PEM PKCS#1 key", data: pemBytes(t, &pem.Block{Type: "CERTIFICATE", Bytes: leaf.Raw}, pkcs1), leafCN: "leaf", chainLen: 1},
		{name: "PEM PKCS#8 key and chain", data: pemBytes(t, &pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}, &pem.Block{Type: "CERTIFICATE", Bytes: ca.Raw}, &pem.Block{Type: "CERTIFICATE", Bytes: issued.Raw}), leafCN: "issued leaf", chainLen: 2},
		{name: "wrong password", data: encode(pkcs12.Modern, key, leaf), password: "nope", problem: CertWrongPassword, want: []string{"password is wrong"}},
		{name: "wrong password legacy", data: encode(pkcs12.LegacyRC2, key, leaf), password: "nope", problem: CertWrongPassword},
		{name: "not a PFX", data: []byte("this is not a certificate at all"), problem: CertNotPFX, want: []string{"neither a PFX"}},
		{name: "empty", data: nil, problem: CertNotPFX},
		{name: "no private key", data: trustStore, problem: CertNoPrivateKey, want: []string{"no private key"}},
		{name: "PEM without key", data: pemBytes(t, &pem.Block{Type: "CERTIFICATE", Bytes: leaf.Raw}), problem: CertNoPrivateKey},
		{name: "PEM without certificate", data: pemBytes(t, pkcs1), problem: CertNoCertificate},
		{name: "encrypted PEM key", data: pemBytes(t, &pem.Block{Type: "CERTIFICATE", Bytes: leaf.Raw}, &pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{1}}), problem: CertNotPFX, want: []string{"encrypted PEM"}},
		{name: "key does not match", data: encode(pkcs12.Modern, key, other), problem: CertKeyMismatch, want: []string{"does not belong"}},
		{name: "not RSA", data: encode(pkcs12.Modern, ecKey, other), problem: CertUnsupportedKey, want: []string{"not RSA"}},
		{name: "expired", data: encode(pkcs12.Modern, key, expired), problem: CertExpired, want: []string{"expired on 2021-01-01 00:00:00 UTC", "2020-01-01"}},
		{name: "not yet valid", data: encode(pkcs12.Modern, key, future), problem: CertNotYetValid, want: []string{"not valid until 2099-01-01 00:00:00 UTC"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pw := sentinelPassword
			if tc.password != "" {
				pw = tc.password
			}
			got, err := LoadCertificate(tc.data, pw, now)
			if tc.problem == 0 {
				require.NoError(t, err)
				assert.Equal(t, tc.leafCN, got.Certs[0].Subject.CommonName)
				assert.Equal(t, tc.chainLen, len(got.Certs))
				return
			}
			var ce *CertError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tc.problem, ce.Problem)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.NotContains(t, err.Error(), sentinelPassword)
		})
	}
}
