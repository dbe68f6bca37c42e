// Package graphclient searches the Microsoft 365 unified audit log through Microsoft
// Graph's asynchronous audit log queries (DESIGN §4c): a query is created for a time
// window and filters, runs on the service for seconds to many minutes, and its records
// are then read in pages. It implements auditsearch.AsyncSearcher, so a search can wait
// for its queries (Search, SearchEach) or be submitted by one execution and checked and
// collected by later ones (Submit, Check, Results), knowing only the query ids.
//
// What the service does that the client handles:
//   - the v1.0 create answers 404 on live tenants: the client falls back to beta and keeps
//     to it for its life (one command);
//   - a query that succeeds with isRecordCountLimitExceeded is truncated: its window is
//     split in halves and queried again, down to one second, below which the window is
//     reported incomplete, never silently short;
//   - failed and cancelled queries are errors, and they are deleted, as are queries a
//     search abandons;
//   - records come unsorted, may repeat, and carry OData annotations inside auditData
//     ("@odata.type", "<Name>@odata.type" at any depth), which are removed so that each
//     record's text is byte for byte the AuditData Exchange Online returns; the
//     envelope's user and address fields are never used (live tenants fill them wrongly);
//   - creates too fast get 429 with Retry-After; records read too early get 400 "The
//     query is not ready";
//   - 403 means the app lacks AuditLogsQuery.Read.All, and an app holding only the legacy
//     AuditLog.Read.All gets no records without any error: Ping reads the token's roles.
//
// Every submission is first admitted by the Budget (Graph allows a tenant a few hundred
// queries per rolling day). Errors are typed (errors.go) and state facts; commands words
// them for analysts. No secret reaches an error or a log.
package graphclient
