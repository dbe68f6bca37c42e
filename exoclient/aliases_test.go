package exoclient

import "github.com/o365auditlog/o365auditlog/auditsearch"

// The tests were written before the search's vocabulary moved to auditsearch; these
// short names keep them readable.
type (
	Row    = auditsearch.Record
	Window = auditsearch.Window
	Query  = auditsearch.Query
	Result = auditsearch.Result
	Config = auditsearch.Config
)
