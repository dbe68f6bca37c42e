package exoclient

import (
	"github.com/o365auditlog/o365auditlog/auditsearch"
	"github.com/o365auditlog/o365auditlog/msclient"
)

// The tests were written before the search's vocabulary moved to auditsearch and the
// shared plumbing to msclient; these short names keep them readable.
type (
	Row               = auditsearch.Record
	Window            = auditsearch.Window
	Query             = auditsearch.Query
	Result            = auditsearch.Result
	Config            = auditsearch.Config
	WindowFailedError = auditsearch.WindowFailedError
	APIError          = msclient.APIError
	CertError         = msclient.CertError
	ConfigError       = msclient.ConfigError
	DecodeError       = msclient.DecodeError
	PageTooLargeError = msclient.PageTooLargeError
	RetryError        = msclient.RetryError
	RetryPolicy       = msclient.RetryPolicy
	TimeoutError      = msclient.TimeoutError
	TokenError        = msclient.TokenError
	WarningError      = msclient.WarningError
)

const (
	SourceExchange    = msclient.SourceExchange
	SourceAuthority   = msclient.SourceAuthority
	CertNotPFX        = msclient.CertNotPFX
	CertWrongPassword = msclient.CertWrongPassword
)

// ExplainForTest is commands.Explain, set by explain_link_test.go (package
// exoclient_test, which may import commands): these tests check that the facts this
// client returns come out as the analyst's sentence, which commands words.
var ExplainForTest func(error) string

// Explain is commands.Explain.
func Explain(err error) string { return ExplainForTest(err) }
