package commands

import (
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecodeCertificate(t *testing.T) {
	raw := []byte{0xfb, 0xff, 0xfe, 0x00, 0x01, 0x02, 0x03}
	std := base64.StdEncoding.EncodeToString(raw)
	cases := []struct {
		name, in string
		want     []byte
		err      bool
	}{
		{"standard", std, raw, false},
		{"url-safe", base64.URLEncoding.EncodeToString(raw), raw, false},
		{"unpadded", base64.RawStdEncoding.EncodeToString(raw), raw, false},
		{"unpadded url-safe", base64.RawURLEncoding.EncodeToString(raw), raw, false},
		{"with line breaks and spaces", " " + std[:4] + "\r\n" + std[4:] + "\n ", raw, false},
		{"PEM as is", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----", []byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"), false},
		{"not base64", "not*base64!", nil, true},
		{"empty", "  ", nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decodeCertificate(tc.in)
			if tc.err {
				require.ErrorIs(t, err, errNotBase64)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestDecodeCertificateNeverRepeatsTheValue(t *testing.T) {
	const secret = "PASSWORD-SENTINEL-7d1e"
	_, err := decodeCertificate("%%" + secret)
	require.Error(t, err)
	assert.NotContains(t, err.Error()+Explain(err), secret)
}
