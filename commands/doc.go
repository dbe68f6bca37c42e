// Package commands holds the integration's command handlers: argument and parameter
// parsing and validation, and the wiring from a request to exoclient and back to entries.
package commands
