// Package integration is the plugin's side of the SOAR engine protocol (DESIGN §2), and the
// only package that reads stdin or writes stdout: Server decodes one execution per line,
// dispatches it through a Registry of commands, and writes their entries, file entries and
// executeCommand calls (last run, integration context) back to the engine, with every log
// line redacted of the execution's secrets. Host and Store are the engine's side of the same
// protocol, for tests and the plugin's `run` and `demo` modes.
package integration
