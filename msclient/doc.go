// Package msclient is the plumbing every Microsoft API client of the plugin shares:
// certificate loading, the credential per resource scope with its 401 refresh, the HTTP
// client (timeouts, proxy, TLS), the retrier, the typed errors and the one response
// checker, the one classifier of failures (Classify) that every retry and recovery
// decision reads, and the cloud table.
//
// It states facts only: the analyst's wording lives in commands.
package msclient
