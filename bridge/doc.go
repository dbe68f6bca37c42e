// Package bridge holds no Go code: it is the XSOAR Python bridge (O365AuditLog.py), its
// tests and the pack script. The package exists so that `go test ./...` (and so `make test`)
// runs the Python tests through bridge_test.go.
package bridge
