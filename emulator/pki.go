package emulator

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"hash/fnv"
	"math/big"
	"net"
	"slices"
	"sync"
	"time"

	"software.sslmate.com/src/go-pkcs12"
)

// authorityCA is the emulator's private CA and the loopback server certificate it signed.
type authorityCA struct {
	cert       *x509.Certificate
	pem        []byte
	serverCert tls.Certificate
}

func newAuthorityCA() (*authorityCA, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("emulator: CA key: %w", err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          randomSerial(),
		Subject:               pkix.Name{CommonName: "o365auditlog emulator CA", Organization: []string{"o365auditlog emulator"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("emulator: CA certificate: %w", err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, fmt.Errorf("emulator: CA certificate: %w", err)
	}
	srvKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("emulator: server key: %w", err)
	}
	srvTmpl := &x509.Certificate{
		SerialNumber: randomSerial(),
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(2 * 365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1"), net.IPv6loopback},
	}
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, caCert, &srvKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("emulator: server certificate: %w", err)
	}
	return &authorityCA{
		cert:       caCert,
		pem:        pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		serverCert: tls.Certificate{Certificate: [][]byte{srvDER, caDER}, PrivateKey: srvKey},
	}, nil
}

func randomSerial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	return n
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// tenant is the one directory the emulator knows, by domain and GUID.
type tenant struct {
	domain string
	id     string
}

func newTenant(domain string, seed int64) tenant {
	return tenant{domain: domain, id: seededUUID(uint64(seed), 0x7e4a47, 0)}
}

// app is a registered application: its certificate, the Entra permissions granted to it
// (the access token's roles claim) and whether it holds an Exchange audit role.
type app struct {
	roles     []string
	clientID  string
	name      string
	cert      *x509.Certificate
	key       *rsa.PrivateKey
	pfx       []byte
	password  string
	auditRole bool
	sha1      []byte
	sha256    []byte
}

// newAppKey makes an application's RSA key; tests swap it for a pool of ready keys because
// RSA key generation dominates start-up.
var newAppKey = func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) }

// newApps registers the three apps of the state dir (DESIGN §6) at the indexes appReader,
// appNoRole and appNoGraph; their keys are made in parallel, as RSA generation is slow.
func newApps(seed int64) ([]*app, error) {
	specs := []AppSpec{
		appReader:  {Name: "o365auditlog-reader", AuditRole: true, Permissions: []string{PermissionManageAsApp, PermissionAuditLogsQuery}},
		appNoRole:  {Name: "o365auditlog-norole", Permissions: []string{PermissionManageAsApp}},
		appNoGraph: {Name: "o365auditlog-nograph", AuditRole: true, Permissions: []string{PermissionManageAsApp}},
	}
	apps := make([]*app, len(specs))
	errs := make([]error, len(specs))
	var wg sync.WaitGroup
	for i, sp := range specs {
		wg.Go(func() {
			apps[i], errs[i] = newApp(sp.Name, seededUUID(uint64(seed), 0xa99, uint64(i+1)), sp.AuditRole)
			if apps[i] != nil {
				apps[i].roles = slices.Clone(sp.Permissions)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return apps, nil
}

func newApp(name, clientID string, auditRole bool) (*app, error) {
	key, err := newAppKey()
	if err != nil {
		return nil, fmt.Errorf("emulator: app key: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: randomSerial(),
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("emulator: app certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("emulator: app certificate: %w", err)
	}
	password := hex.EncodeToString(randomBytes(12))
	pfx, err := pkcs12.Modern.Encode(key, cert, nil, password)
	if err != nil {
		return nil, fmt.Errorf("emulator: app PFX: %w", err)
	}
	s1 := sha1.Sum(der)
	s256 := sha256.Sum256(der)
	return &app{clientID: clientID, name: name, cert: cert, key: key, pfx: pfx, password: password,
		auditRole: auditRole, sha1: s1[:], sha256: s256[:]}, nil
}

// params are the plugin params (DESIGN §3) that authenticate as a.
func (e *Emulator) params(a *app) map[string]any {
	return map[string]any{
		"url":          e.URL(),
		"auth_url":     e.AuthURL(),
		"graph_url":    e.GraphURL(),
		"certificate":  map[string]any{"identifier": base64.StdEncoding.EncodeToString(a.pfx), "password": a.password},
		"organization": e.tenant.domain,
		"app_id":       a.clientID,
	}
}

// seededUUID derives a version-4 shaped UUID from a seed and two discriminators.
func seededUUID(seed, a, b uint64) string {
	var buf [16]byte
	binary.BigEndian.PutUint64(buf[:8], mix64(seed^mix64(a)^mix64(b+0x51)))
	binary.BigEndian.PutUint64(buf[8:], mix64(seed+mix64(a*31+b)+0x9e3779b97f4a7c15))
	return formatUUID(buf)
}

func formatUUID(b [16]byte) string {
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}

// mix64 is SplitMix64's finaliser: a cheap, well-spread hash of a 64-bit value.
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func hashString(s string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(s))
	return h.Sum64()
}
