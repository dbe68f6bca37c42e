package msclient

import (
	"fmt"
	"net/url"
	"strings"
)

// Cloud is one Microsoft cloud as seen from the Exchange Online host that names it.
type Cloud struct {
	// Name is the cloud's usual name, e.g. "GCC High", for messages.
	Name string
	// Authority is the Entra ID authority, e.g. https://login.microsoftonline.com.
	Authority string
	// GraphURL is Microsoft Graph's base URL in that cloud.
	GraphURL string
	// GraphAuditSearch reports whether Graph's audit log query API exists in that cloud.
	GraphAuditSearch bool
}

// commercial is the public cloud, also used for hosts not listed (like
// Connect-ExchangeOnline).
var commercial = Cloud{Name: "commercial", Authority: "https://login.microsoftonline.com", GraphURL: "https://graph.microsoft.com", GraphAuditSearch: true}

// cloudByExchangeHost picks the cloud from the Exchange Online host (DESIGN §3).
var cloudByExchangeHost = map[string]Cloud{
	"outlook.office365.com": commercial,
	"outlook.office.com":    commercial,
	// GCC High
	"outlook.office365.us": {Name: "GCC High", Authority: "https://login.microsoftonline.us", GraphURL: "https://graph.microsoft.us"},
	// DoD
	"webmail.apps.mil": {Name: "DoD", Authority: "https://login.microsoftonline.us", GraphURL: "https://dod-graph.microsoft.us"},
	// 21Vianet
	"partner.outlook.cn": {Name: "21Vianet", Authority: "https://login.chinacloudapi.cn", GraphURL: "https://microsoftgraph.chinacloudapi.cn"},
}

// CloudForExchangeHost is the cloud of an Exchange Online host (any case); hosts not
// listed are the public cloud.
func CloudForExchangeHost(host string) Cloud {
	if c, ok := cloudByExchangeHost[strings.ToLower(host)]; ok {
		return c
	}
	return commercial
}

// CloudForGraphHost is the cloud whose Microsoft Graph lives at host (any case); false
// for a host that is no cloud's Graph (a private or emulated Graph).
func CloudForGraphHost(host string) (Cloud, bool) {
	for _, c := range cloudByExchangeHost {
		if u, err := url.Parse(c.GraphURL); err == nil && strings.EqualFold(u.Host, host) {
			return c, true
		}
	}
	return Cloud{}, false
}

// microsoftAuthorityHosts are the authorities MSAL may validate through instance
// discovery. Any other host (a private or emulated authority) needs
// DisableInstanceDiscovery, or MSAL would ask login.microsoftonline.com about it.
var microsoftAuthorityHosts = map[string]bool{
	"login.microsoftonline.com":        true,
	"login.microsoft.com":              true,
	"login.windows.net":                true,
	"sts.windows.net":                  true,
	"login.microsoftonline.us":         true,
	"login.usgovcloudapi.net":          true,
	"login-us.microsoftonline.com":     true,
	"login.chinacloudapi.cn":           true,
	"login.partner.microsoftonline.cn": true,
}

// AuthorityNeedsNoDiscovery reports whether an authority host (no scheme) is unknown to
// Microsoft's instance discovery, so that it must be switched off.
func AuthorityNeedsNoDiscovery(host string) bool {
	return !microsoftAuthorityHosts[strings.ToLower(host)]
}

// ConfigError is a configuration value a client cannot use. Field names the setting (for
// the Exchange Online client, a field of auditsearch.Config such as "URL"); the caller
// words it for its users.
type ConfigError struct {
	Field   string
	Problem string
}

// Error implements error.
func (e *ConfigError) Error() string { return fmt.Sprintf("setting %s %s", e.Field, e.Problem) }
