// Package auditsearch is the vocabulary of an audit log search, shared by the backends that
// run it (exoclient for Exchange Online, a Graph client beside it) and by commands, which
// builds the queries and reads the results: the query and its Filters, the record, the
// result with its completeness, the time window, the progress report, the connection
// settings, and the small interfaces commands searches through.
//
// It holds no I/O and knows no backend's wire format or the integration's parameter names.
package auditsearch
