package msclient

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"

	"software.sslmate.com/src/go-pkcs12"
)

// CertProblem says what is wrong with the configured certificate.
type CertProblem int

const (
	// CertNotBase64 means the certificate text is not base64 (kept for its number; the
	// caller decodes base64 before LoadCertificate).
	CertNotBase64 CertProblem = iota + 1
	// CertNotPFX means the bytes are neither a PKCS#12 (PFX) file nor PEM.
	CertNotPFX
	// CertWrongPassword means the PFX password is wrong (or missing).
	CertWrongPassword
	// CertNoPrivateKey means the file holds no private key.
	CertNoPrivateKey
	// CertNoCertificate means the file holds a key but no certificate.
	CertNoCertificate
	// CertKeyMismatch means no certificate in the file belongs to the private key.
	CertKeyMismatch
	// CertUnsupportedKey means the key is not RSA (Entra ID client assertions need RSA).
	CertUnsupportedKey
	// CertExpired means the certificate's NotAfter has passed.
	CertExpired
	// CertNotYetValid means the certificate's NotBefore is in the future.
	CertNotYetValid
)

// CertError is a certificate that cannot be used. It never carries the password or any
// byte of the file.
type CertError struct {
	Problem CertProblem
	// NotBefore and NotAfter are the leaf certificate's validity (set for CertExpired and
	// CertNotYetValid).
	NotBefore, NotAfter time.Time
	// Subject is the leaf certificate's subject, when known.
	Subject string
	// Detail is a library message that helps with CertNotPFX (never secret material).
	Detail string
}

// Error implements error.
func (e *CertError) Error() string {
	switch e.Problem {
	case CertNotBase64:
		return "certificate is not base64 text"
	case CertNotPFX:
		return "certificate is neither a PFX (PKCS#12) file nor PEM" + detail(e.Detail)
	case CertWrongPassword:
		return "certificate password is wrong"
	case CertNoPrivateKey:
		return "certificate file holds no private key"
	case CertNoCertificate:
		return "certificate file holds a private key but no certificate"
	case CertKeyMismatch:
		return "the private key does not belong to any certificate in the file"
	case CertUnsupportedKey:
		return "certificate key is not RSA" + detail(e.Detail)
	case CertExpired:
		return fmt.Sprintf("certificate %s expired on %s (valid from %s)", e.Subject, stamp(e.NotAfter), stamp(e.NotBefore))
	case CertNotYetValid:
		return fmt.Sprintf("certificate %s is not valid until %s (expires %s)", e.Subject, stamp(e.NotBefore), stamp(e.NotAfter))
	}
	return "certificate cannot be used"
}

func detail(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

// Certificate is the loaded credential material.
type Certificate struct {
	// Certs are the leaf first, then the chain.
	Certs []*x509.Certificate
	// Key is the leaf's private key.
	Key crypto.PrivateKey
}

// LoadCertificate reads a PFX (any common encryption) or, failing that, PEM (certificates
// plus an unencrypted key), finds the leaf that belongs to the key and checks its dates.
func LoadCertificate(data []byte, password string, now time.Time) (*Certificate, error) {
	var (
		key   any
		certs []*x509.Certificate
		err   error
	)
	if isPEM(data) {
		key, certs, err = decodePEM(data)
	} else {
		key, certs, err = decodePFX(data, password)
	}
	if err != nil {
		return nil, err
	}
	rsaKey, ok := key.(*rsa.PrivateKey)
	if !ok {
		return nil, &CertError{Problem: CertUnsupportedKey, Detail: fmt.Sprintf("%T", key)}
	}
	if len(certs) == 0 {
		return nil, &CertError{Problem: CertNoCertificate}
	}
	ordered, err := leafFirst(rsaKey, certs)
	if err != nil {
		return nil, err
	}
	if err := checkValidity(ordered[0], now); err != nil {
		return nil, err
	}
	return &Certificate{Certs: ordered, Key: rsaKey}, nil
}

func isPEM(data []byte) bool {
	return bytes.Contains(data, []byte("-----BEGIN "))
}

// decodePFX maps go-pkcs12's errors to CertError without ever echoing the input.
func decodePFX(data []byte, password string) (any, []*x509.Certificate, error) {
	key, leaf, chain, err := pkcs12.DecodeChain(data, password)
	switch {
	case err == nil:
		return key, append([]*x509.Certificate{leaf}, chain...), nil
	case errors.Is(err, pkcs12.ErrIncorrectPassword), errors.Is(err, pkcs12.ErrDecryption):
		return nil, nil, &CertError{Problem: CertWrongPassword}
	case strings.Contains(err.Error(), "private key missing"):
		return nil, nil, &CertError{Problem: CertNoPrivateKey}
	case strings.Contains(err.Error(), "certificate missing"):
		return nil, nil, &CertError{Problem: CertNoCertificate}
	}
	return nil, nil, &CertError{Problem: CertNotPFX, Detail: pfxDetail(err)}
}

// pfxDetail keeps go-pkcs12's message only when it explains an unsupported format.
func pfxDetail(err error) string {
	var ni pkcs12.NotImplementedError
	if errors.As(err, &ni) {
		return ni.Error()
	}
	return ""
}

// decodePEM reads every CERTIFICATE block and the one private key block.
func decodePEM(data []byte) (any, []*x509.Certificate, error) {
	var (
		key   any
		certs []*x509.Certificate
	)
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		switch {
		case block.Type == "CERTIFICATE":
			c, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				return nil, nil, &CertError{Problem: CertNotPFX, Detail: "a PEM CERTIFICATE block does not parse"}
			}
			certs = append(certs, c)
		case block.Type == "ENCRYPTED PRIVATE KEY" || block.Headers["Proc-Type"] != "":
			return nil, nil, &CertError{Problem: CertNotPFX, Detail: "encrypted PEM keys are not supported; use a PFX file"}
		case strings.HasSuffix(block.Type, "PRIVATE KEY"):
			k, err := parsePEMKey(block)
			if err != nil {
				return nil, nil, err
			}
			key = k
		}
	}
	if key == nil && len(certs) == 0 {
		return nil, nil, &CertError{Problem: CertNotPFX}
	}
	if key == nil {
		return nil, nil, &CertError{Problem: CertNoPrivateKey}
	}
	return key, certs, nil
}

func parsePEMKey(block *pem.Block) (any, error) {
	if k, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	if k, err := x509.ParseECPrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	return nil, &CertError{Problem: CertNotPFX, Detail: "the PEM private key does not parse"}
}

// leafFirst puts the certificate whose public key matches key first. PFX files exported
// by Windows do not always list the leaf first, and DecodeChain assumes they do.
func leafFirst(key *rsa.PrivateKey, certs []*x509.Certificate) ([]*x509.Certificate, error) {
	for i, c := range certs {
		if pub, ok := c.PublicKey.(*rsa.PublicKey); ok && pub.Equal(key.Public()) {
			out := make([]*x509.Certificate, 0, len(certs))
			out = append(out, c)
			out = append(out, certs[:i]...)
			return append(out, certs[i+1:]...), nil
		}
	}
	return nil, &CertError{Problem: CertKeyMismatch, Subject: certs[0].Subject.String()}
}

func checkValidity(c *x509.Certificate, now time.Time) error {
	e := &CertError{NotBefore: c.NotBefore, NotAfter: c.NotAfter, Subject: subjectName(c)}
	switch {
	case now.After(c.NotAfter):
		e.Problem = CertExpired
	case now.Before(c.NotBefore):
		e.Problem = CertNotYetValid
	default:
		return nil
	}
	return e
}

func subjectName(c *x509.Certificate) string {
	if c.Subject.CommonName != "" {
		return "CN=" + c.Subject.CommonName
	}
	return c.Subject.String()
}
