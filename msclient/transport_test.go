package msclient

import (
	"crypto/tls"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestTransportSettings(t *testing.T) {
	tr := NewTransport(HTTPSettings{Timeout: time.Minute})
	assert.Equal(t, uint16(tls.VersionTLS12), tr.TLSClientConfig.MinVersion)
	assert.True(t, !tr.TLSClientConfig.InsecureSkipVerify, "verifies by default")
	assert.True(t, tr.Proxy == nil, "direct unless proxy is set")
	assert.True(t, tr.Protocols.HTTP1() && !tr.Protocols.HTTP2(), "HTTP/1.1 only")
	tr = NewTransport(HTTPSettings{Timeout: time.Minute, Proxy: true, Insecure: true})
	assert.True(t, tr.Proxy != nil, "system proxy")
	assert.True(t, tr.TLSClientConfig.InsecureSkipVerify, "insecure")
}

func TestCloudTable(t *testing.T) {
	for host, want := range map[string]Cloud{
		"outlook.office365.com": {Name: "commercial", Authority: "https://login.microsoftonline.com", GraphURL: "https://graph.microsoft.com", GraphAuditSearch: true},
		"OUTLOOK.office365.us":  {Name: "GCC High", Authority: "https://login.microsoftonline.us", GraphURL: "https://graph.microsoft.us"},
		"webmail.apps.mil":      {Name: "DoD", Authority: "https://login.microsoftonline.us", GraphURL: "https://dod-graph.microsoft.us"},
		"partner.outlook.cn":    {Name: "21Vianet", Authority: "https://login.chinacloudapi.cn", GraphURL: "https://microsoftgraph.chinacloudapi.cn"},
		"exo.example.test":      {Name: "commercial", Authority: "https://login.microsoftonline.com", GraphURL: "https://graph.microsoft.com", GraphAuditSearch: true},
	} {
		assert.Equal(t, want, CloudForExchangeHost(host), host)
	}
	gov, ok := CloudForGraphHost("GRAPH.microsoft.us")
	assert.True(t, ok && gov.Name == "GCC High" && !gov.GraphAuditSearch, "GCC High's Graph")
	_, ok = CloudForGraphHost("127.0.0.1:8443")
	assert.False(t, ok, "a private Graph")
	assert.True(t, AuthorityNeedsNoDiscovery("127.0.0.1:8443"), "a private authority")
	assert.True(t, !AuthorityNeedsNoDiscovery("Login.MicrosoftOnline.us"), "a Microsoft authority")
}
