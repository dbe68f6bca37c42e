package integration

import (
	"context"
	"encoding/json"
	"io"
)

// Entry types (XSOAR's EntryType values).
const (
	EntryNote    = 1
	EntryFile    = 3
	EntryError   = 4
	EntryWarning = 11
)

// Entry is one War Room entry in XSOAR's format.
type Entry struct {
	Type                   int            `json:"Type"`
	ContentsFormat         string         `json:"ContentsFormat"`
	Contents               any            `json:"Contents"`
	HumanReadable          string         `json:"HumanReadable,omitempty"`
	ReadableContentsFormat string         `json:"ReadableContentsFormat,omitempty"`
	EntryContext           map[string]any `json:"EntryContext,omitempty"`
	File                   string         `json:"File,omitempty"`
	FileID                 string         `json:"FileID,omitempty"`
	// Schedule, when set, makes the entry one step of a polling command (XSOAR's
	// ScheduledCommand, DESIGN §5d): the engine runs the command again later.
	*Schedule
}

// Schedule holds the scheduling fields of a polling step, as XSOAR's ScheduledCommand writes
// them: NextRun and Timeout are seconds as strings, ItemsRemaining a number (0 kept).
type Schedule struct {
	PollingCommand        string         `json:"PollingCommand"`
	NextRun               string         `json:"NextRun"`
	PollingArgs           map[string]any `json:"PollingArgs"`
	Timeout               string         `json:"Timeout"`
	PollingItemsRemaining int            `json:"PollingItemsRemaining"`
}

// ErrorEntry is the entry for a failure the analyst must read: one clear sentence and what to do.
func ErrorEntry(msg string) Entry {
	return Entry{Type: EntryError, ContentsFormat: "text", Contents: msg}
}

// WarningEntry is a Type 11 text entry.
func WarningEntry(msg string) Entry {
	return Entry{Type: EntryWarning, ContentsFormat: "text", Contents: msg}
}

// TextEntry is a Type 1 text entry (test-module's "ok" among others).
func TextEntry(msg string) Entry {
	return Entry{Type: EntryNote, ContentsFormat: "text", Contents: msg}
}

// Request is one execution as the engine sends it, decoded once at the edge.
// Params and Args keep JSON values as decoded with UseNumber: strings from the War Room,
// any JSON value from playbooks.
type Request struct {
	Command         string
	Params          map[string]any
	Args            map[string]any
	Context         map[string]any
	InvestigationID string
	Native          bool
}

// Session is what a handler may do with the engine during one execution.
type Session interface {
	// Results sends one result message carrying the entries.
	Results(entries ...Entry) error
	// Call makes one request/response call (executeCommand) and returns the raw reply line
	// (error marker replies become errors).
	Call(ctx context.Context, command string, args map[string]any) (json.RawMessage, error)
	// Secret registers a value that must never appear in logs or outputs.
	Secret(value string)
	// WriteFile stores the bytes of a new file entry: it creates the file where this
	// session's engine picks file entries up, calls write once to fill it, and returns the
	// entry to send (Type 3, File = name, the shown file name, and a fresh FileID). When
	// write or the file fails, nothing is left behind and the error is returned.
	WriteFile(name string, write func(io.Writer) error) (Entry, error)
}

// Handler runs one command. A returned error becomes an error entry (or, for fetch commands,
// an exception message); the error text must already be the sentence an analyst reads.
type Handler func(ctx context.Context, req *Request, s Session) error

// Command is one entry of the registry.
type Command struct {
	Name string
	Run  Handler
	// Fetch marks commands whose failure is reported with an exception message
	// (fetch-incidents) instead of an error entry.
	Fetch bool
	// Args are the argument names the command defines (as integration.yml declares them).
	Args []string
}

// Registry maps command names to commands.
type Registry map[string]Command
