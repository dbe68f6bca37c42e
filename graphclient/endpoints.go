package graphclient

import (
	"net/url"
	"strings"

	"github.com/o365auditlog/o365auditlog/auditsearch"
	"github.com/o365auditlog/o365auditlog/msclient"
)

// endpoints are the URLs derived from the configuration.
type endpoints struct {
	graph  *url.URL // Graph base URL, no trailing slash
	scope  string   // <graph>/.default
	signIn msclient.SignIn
}

// resolveEndpoints validates the URLs in cfg, picks the cloud from the Exchange Online
// host (msclient's table) and refuses the clouds without Graph audit search: the Exchange
// host's cloud decides, and so does an explicit GraphURL that is such a cloud's Graph. A
// GraphURL that is no cloud's (a private or emulated Graph) is taken as given.
func resolveEndpoints(cfg auditsearch.Config) (endpoints, error) {
	exo, err := url.Parse(strings.TrimRight(strings.TrimSpace(cfg.URL), "/"))
	if err != nil || exo.Scheme != "https" || exo.Host == "" {
		return endpoints{}, &msclient.ConfigError{Field: auditsearch.FieldURL, Problem: "must be an https URL such as https://outlook.office365.com"}
	}
	cloud := msclient.CloudForExchangeHost(exo.Hostname())
	if !cloud.GraphAuditSearch {
		return endpoints{}, &UnavailableError{Cloud: cloud.Name, Host: exo.Hostname()}
	}
	graphURL := cloud.GraphURL
	if s := strings.TrimSpace(cfg.GraphURL); s != "" {
		graphURL = s
	}
	g, err := url.Parse(strings.TrimRight(graphURL, "/"))
	if err != nil || g.Scheme != "https" || g.Host == "" || g.RawQuery != "" || g.Fragment != "" {
		return endpoints{}, &msclient.ConfigError{Field: auditsearch.FieldGraphURL, Problem: "must be an https URL such as https://graph.microsoft.com"}
	}
	if gc, ok := msclient.CloudForGraphHost(g.Host); ok && !gc.GraphAuditSearch {
		return endpoints{}, &UnavailableError{Cloud: gc.Name, Host: g.Hostname()}
	}
	ep := endpoints{graph: g, scope: g.String() + "/.default"}
	if ep.signIn, err = msclient.SignInFor(cfg, cloud.Authority); err != nil {
		return endpoints{}, err
	}
	return ep, nil
}

// queriesURL is <graph>/<version>/security/auditLog/queries.
func (ep endpoints) queriesURL(version string) string {
	return ep.graph.String() + "/" + version + "/security/auditLog/queries"
}

// queryURL is the URL of one query.
func (ep endpoints) queryURL(version, id string) string {
	return ep.queriesURL(version) + "/" + url.PathEscape(id)
}

// recordsURL is the first records page of a query.
func (ep endpoints) recordsURL(version, id string) string {
	return ep.queryURL(version, id) + "/records?$top=" + itoa(pageTop)
}

// sameOrigin checks that a nextLink stays on Graph's host (the bearer token goes with it).
func (ep endpoints) sameOrigin(link string) (string, error) {
	u, err := ep.graph.Parse(link)
	if err != nil || !strings.EqualFold(u.Scheme, ep.graph.Scheme) || !strings.EqualFold(u.Host, ep.graph.Host) {
		origin := "unparsable"
		if u != nil {
			origin = u.Scheme + "://" + u.Host
		}
		return "", &ForeignLinkError{Origin: origin}
	}
	return u.String(), nil
}
