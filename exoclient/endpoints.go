package exoclient

import (
	"net/url"
	"strings"

	"github.com/o365auditlog/o365auditlog/auditsearch"
	"github.com/o365auditlog/o365auditlog/msclient"
)

// endpoints are the URLs derived from the configuration.
type endpoints struct {
	exo    *url.URL // Exchange Online base URL (no trailing slash)
	scope  string   // <url>/.default
	signIn msclient.SignIn
}

// resolveEndpoints validates the URLs in cfg and picks the cloud (msclient's table).
func resolveEndpoints(cfg auditsearch.Config) (endpoints, error) {
	exo, err := url.Parse(strings.TrimRight(strings.TrimSpace(cfg.URL), "/"))
	if err != nil || exo.Scheme != "https" || exo.Host == "" {
		return endpoints{}, &msclient.ConfigError{Field: auditsearch.FieldURL, Problem: "must be an https URL such as https://outlook.office365.com"}
	}
	exo.Path, exo.RawQuery, exo.Fragment = "", "", ""
	ep := endpoints{exo: exo, scope: exo.String() + "/.default"}
	ep.signIn, err = msclient.SignInFor(cfg, msclient.CloudForExchangeHost(exo.Hostname()).Authority)
	if err != nil {
		return endpoints{}, err
	}
	return ep, nil
}

// invokeURL is POST <url>/adminapi/beta/<organization>/InvokeCommand.
func (ep endpoints) invokeURL(org string) string {
	return ep.exo.String() + "/adminapi/beta/" + url.PathEscape(org) + "/InvokeCommand"
}
