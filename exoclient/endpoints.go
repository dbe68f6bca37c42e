package exoclient

import (
	"net/url"
	"strings"

	"github.com/o365auditlog/o365auditlog/auditsearch"
	"github.com/o365auditlog/o365auditlog/msclient"
)

// endpoints are the URLs derived from the configuration.
type endpoints struct {
	exo       *url.URL // Exchange Online base URL (no trailing slash)
	authority string   // scheme://host[:port] of Entra ID
	scope     string   // <url>/.default
	// disableDiscovery is set for authority hosts Microsoft's instance discovery does not know.
	disableDiscovery bool
}

// resolveEndpoints validates the URLs in cfg and picks the cloud (msclient's table).
func resolveEndpoints(cfg auditsearch.Config) (endpoints, error) {
	exo, err := url.Parse(strings.TrimRight(strings.TrimSpace(cfg.URL), "/"))
	if err != nil || exo.Scheme != "https" || exo.Host == "" {
		return endpoints{}, &msclient.ConfigError{Field: auditsearch.FieldURL, Problem: "must be an https URL such as https://outlook.office365.com"}
	}
	exo.Path, exo.RawQuery, exo.Fragment = "", "", ""
	ep := endpoints{exo: exo, scope: exo.String() + "/.default"}
	ep.authority = msclient.CloudForExchangeHost(exo.Hostname()).Authority
	if strings.TrimSpace(cfg.AuthURL) != "" {
		a, err := url.Parse(strings.TrimSpace(cfg.AuthURL))
		if err != nil || a.Scheme != "https" || a.Host == "" {
			return endpoints{}, &msclient.ConfigError{Field: auditsearch.FieldAuthURL, Problem: "must be an https URL such as https://login.microsoftonline.us"}
		}
		ep.authority = "https://" + a.Host
	}
	ep.disableDiscovery = msclient.AuthorityNeedsNoDiscovery(ep.authority[len("https://"):])
	if cfg.Organization == "" || strings.ContainsAny(cfg.Organization, "/?#@ ") {
		return endpoints{}, &msclient.ConfigError{Field: auditsearch.FieldOrganization, Problem: "must be a tenant domain such as contoso.onmicrosoft.com or a tenant GUID"}
	}
	if strings.TrimSpace(cfg.AppID) == "" {
		return endpoints{}, &msclient.ConfigError{Field: auditsearch.FieldAppID, Problem: "is required"}
	}
	return ep, nil
}

// invokeURL is POST <url>/adminapi/beta/<organization>/InvokeCommand.
func (ep endpoints) invokeURL(org string) string {
	return ep.exo.String() + "/adminapi/beta/" + url.PathEscape(org) + "/InvokeCommand"
}
