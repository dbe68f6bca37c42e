// Package contextout turns AuditData records into the O365AuditLog entry context.
// It is pure: no I/O, no clock.
package contextout
