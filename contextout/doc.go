// Package contextout turns AuditData records into the O365AuditLog entry context.
// It is pure: no I/O, no clock.
//
// The context is built as []jsontext.Canonical: each record is re-emitted as compact,
// sanitized JSON text rather than decoded into map[string]any and encoded again. That keeps
// every field with its JSON type and every number in its exact source text (no float64
// round trip: 9007199254740993 stays 9007199254740993), keeps the service's key order, and
// costs one linear pass per record with no per-field allocation, which matters at 50,000
// records. The text is canonical: valid UTF-8 (invalid bytes and lone surrogates become
// U+FFFD), no insignificant whitespace, control characters and U+2028/U+2029 escaped, and
// nothing else escaped (no HTML escaping). Two strings with the same value always have the
// same text, so callers may compare keys or values byte for byte, and readers downstream
// (humanreadable.CanonicalTable) need not sanitise the records again.
//
// Duplicate keys inside one object are kept as they come; every JSON decoder in the chain
// (Go's, Python's) keeps the last one.
package contextout
