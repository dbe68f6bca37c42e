// Package e2e holds the end-to-end tests and no other code: they drive the built
// o365auditlog binary through the engine protocol against the in-process emulator, the
// product as an engine sees it. This file exists so that the package has a doc outside
// its test files (go list, go doc).
package e2e
