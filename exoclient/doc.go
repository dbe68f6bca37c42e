// Package exoclient is the Exchange Online backend of the audit log search: it runs an
// auditsearch.Query through Search-UnifiedAuditLog (InvokeCommand on the admin API) —
// sessions, paging, window splitting, deduplication — and implements auditsearch.Searcher.
// Authentication, HTTP, retries, typed errors and their classification come from msclient;
// what only Exchange Online says (its throttling message, its transient exceptions, its
// failure warnings) is given to msclient here. Errors state facts; commands words them.
package exoclient
