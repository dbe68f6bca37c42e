package exoclient

import (
	"github.com/o365auditlog/o365auditlog/auditsearch"

	"fmt"
	"net/url"
	"strings"
)

// authorityByEXOHost picks the Entra ID authority from the Exchange Online host
// (DESIGN §3). Hosts not listed use the public cloud, like Connect-ExchangeOnline.
var authorityByEXOHost = map[string]string{
	"outlook.office365.com": "https://login.microsoftonline.com",
	"outlook.office.com":    "https://login.microsoftonline.com",
	"outlook.office365.us":  "https://login.microsoftonline.us", // GCC High
	"webmail.apps.mil":      "https://login.microsoftonline.us", // DoD
	"partner.outlook.cn":    "https://login.chinacloudapi.cn",   // 21Vianet
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

// endpoints are the URLs derived from Config.
type endpoints struct {
	exo       *url.URL // Exchange Online base URL (no trailing slash)
	authority string   // scheme://host[:port] of Entra ID
	scope     string   // <url>/.default
	// disableDiscovery is set for authority hosts Microsoft's instance discovery does not know.
	disableDiscovery bool
}

// resolveEndpoints validates the URLs in cfg and picks the cloud.
func resolveEndpoints(cfg auditsearch.Config) (endpoints, error) {
	exo, err := url.Parse(strings.TrimRight(strings.TrimSpace(cfg.URL), "/"))
	if err != nil || exo.Scheme != "https" || exo.Host == "" {
		return endpoints{}, &ConfigError{Field: "url", Problem: "must be an https URL such as https://outlook.office365.com"}
	}
	exo.Path, exo.RawQuery, exo.Fragment = "", "", ""
	ep := endpoints{exo: exo, scope: exo.String() + "/.default"}
	ep.authority = authorityByEXOHost[strings.ToLower(exo.Hostname())]
	if ep.authority == "" {
		ep.authority = "https://login.microsoftonline.com"
	}
	if strings.TrimSpace(cfg.AuthURL) != "" {
		a, err := url.Parse(strings.TrimSpace(cfg.AuthURL))
		if err != nil || a.Scheme != "https" || a.Host == "" {
			return endpoints{}, &ConfigError{Field: "auth_url", Problem: "must be an https URL such as https://login.microsoftonline.us"}
		}
		ep.authority = "https://" + a.Host
	}
	host := ep.authority[len("https://"):]
	ep.disableDiscovery = !microsoftAuthorityHosts[strings.ToLower(host)]
	if cfg.Organization == "" || strings.ContainsAny(cfg.Organization, "/?#@ ") {
		return endpoints{}, &ConfigError{Field: "organization", Problem: "must be a tenant domain such as contoso.onmicrosoft.com or a tenant GUID"}
	}
	if strings.TrimSpace(cfg.AppID) == "" {
		return endpoints{}, &ConfigError{Field: "app_id", Problem: "is required"}
	}
	return ep, nil
}

// invokeURL is POST <url>/adminapi/beta/<organization>/InvokeCommand.
func (ep endpoints) invokeURL(org string) string {
	return ep.exo.String() + "/adminapi/beta/" + url.PathEscape(org) + "/InvokeCommand"
}

// ConfigError is a Config value New cannot use.
type ConfigError struct {
	Field   string
	Problem string
}

// Error implements error.
func (e *ConfigError) Error() string { return fmt.Sprintf("parameter %s %s", e.Field, e.Problem) }
