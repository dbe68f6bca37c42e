package integration

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
)

// Execution is one command run as a host asks for it.
type Execution struct {
	Command         string
	Args            map[string]any
	Params          map[string]any
	InvestigationID string
	Native          bool
}

// Outcome is what the plugin answered to one execution.
type Outcome struct {
	Entries []Entry
	// RawEntries holds each entry as the plugin wrote it, instead of Entries, when the host
	// keeps entries raw (KeepEntriesRaw).
	RawEntries []json.RawMessage
	Exception  string   // the exception message's text (fetch commands), if any
	Calls      []string // the executeCommand calls made, in order
}

// Failed reports whether the outcome holds an exception or an error entry.
func (o *Outcome) Failed() bool {
	if o.Exception != "" {
		return true
	}
	for _, e := range o.Entries {
		if e.Type == EntryError {
			return true
		}
	}
	return false
}

// Host is the engine side of the protocol, for tests and for the `run` and `demo` modes:
// it writes executions to a plugin, answers its executeCommand calls from a Store and
// collects its entries. A Host drives one plugin, one execution at a time; after a
// context ends mid-execution it is unusable.
type Host struct {
	mu     sync.Mutex
	to     *bufio.Writer
	from   *lineReader
	store  *Store
	broken error
	raw    bool
}

// NewHost returns a host writing to the plugin's stdin and reading its stdout. A nil
// store is a fresh, empty one.
func NewHost(toPlugin io.Writer, fromPlugin io.Reader, store *Store) *Host {
	if store == nil {
		store = &Store{}
	}
	return &Host{to: bufio.NewWriter(toPlugin), from: newLineReader(fromPlugin, 0), store: store}
}

// KeepEntriesRaw makes Execute fill Outcome.RawEntries, undecoded, instead of Entries: a
// test or the bench then decodes only what it checks of results of 100 MB and more.
func (h *Host) KeepEntriesRaw() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.raw = true
}

// hostMessage is every plugin → engine message as the host decodes it; results are
// decoded by addResults.
type hostMessage struct {
	Type    string          `json:"type"`
	Results json.RawMessage `json:"results"`
	Command string          `json:"command"`
	Args    map[string]any  `json:"args"`
}

// Ping sends the bare ping line and waits for pong.
func (h *Host) Ping(ctx context.Context) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.writeLine([]byte("ping")); err != nil {
		return err
	}
	msg, err := h.read(ctx)
	if err != nil {
		return err
	}
	if msg.Type != msgPong {
		return fmt.Errorf("plugin answered ping with %q, not pong", msg.Type)
	}
	return nil
}

// Execute sends one execution and collects the plugin's messages up to completed.
func (h *Host) Execute(ctx context.Context, ex Execution) (*Outcome, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	line, err := json.Marshal(map[string]any{
		"command":     ex.Command,
		"args":        orEmpty(ex.Args),
		"params":      orEmpty(ex.Params),
		"context":     map[string]any{"Inv": map[string]any{"id": ex.InvestigationID}},
		"integration": true,
		"native":      ex.Native,
	})
	if err != nil {
		return nil, fmt.Errorf("encode execution: %w", err)
	}
	if err := h.writeLine(line); err != nil {
		return nil, err
	}
	out := &Outcome{}
	for {
		msg, err := h.read(ctx)
		if err != nil {
			return out, err
		}
		switch msg.Type {
		case msgResult:
			if err := h.addResults(out, msg.Results); err != nil {
				return out, err
			}
		case msgException:
			out.Exception, _ = msg.Args["exception"].(string)
		case msgExecuteCommand:
			out.Calls = append(out.Calls, msg.Command)
			if err := h.writeLine([]byte(h.store.answer(msg.Command, msg.Args))); err != nil {
				return out, err
			}
		case msgCompleted:
			return out, nil
		default:
			return out, fmt.Errorf("plugin sent an unexpected message type %q", msg.Type)
		}
	}
}

// addResults decodes a result message's entries into out (numbers kept as their text).
func (h *Host) addResults(out *Outcome, results json.RawMessage) error {
	if len(results) == 0 {
		return nil // no "results" field: nothing to add, as before
	}
	var err error
	if h.raw {
		var raw []json.RawMessage
		err = json.Unmarshal(results, &raw)
		out.RawEntries = append(out.RawEntries, raw...)
	} else {
		dec := json.NewDecoder(bytes.NewReader(results))
		dec.UseNumber()
		var entries []Entry
		err = dec.Decode(&entries)
		out.Entries = append(out.Entries, entries...)
	}
	if err != nil {
		return fmt.Errorf("plugin sent a result message whose results are not a list of entries: %w", err)
	}
	return nil
}

func (h *Host) writeLine(line []byte) error {
	if h.broken != nil {
		return h.broken
	}
	h.to.Write(line)
	h.to.WriteByte('\n')
	if err := h.to.Flush(); err != nil {
		return fmt.Errorf("write to plugin: %w", err)
	}
	return nil
}

// read returns the plugin's next message. The read runs in a goroutine so that ctx can
// end it; an abandoned read leaves the host broken.
func (h *Host) read(ctx context.Context) (*hostMessage, error) {
	if h.broken != nil {
		return nil, h.broken
	}
	got := make(chan lineResult, 1)
	go func() {
		line, err := h.from.next()
		got <- lineResult{line, err}
	}()
	var r lineResult
	select {
	case r = <-got:
	case <-ctx.Done():
		h.broken = fmt.Errorf("host abandoned a read: %w", ctx.Err())
		return nil, h.broken
	}
	if errors.Is(r.err, io.EOF) {
		return nil, errors.New("the plugin ended before it sent completed")
	}
	if r.err != nil {
		return nil, fmt.Errorf("read from plugin: %w", r.err)
	}
	dec := json.NewDecoder(bytes.NewReader(r.line))
	dec.UseNumber()
	var msg hostMessage
	if err := dec.Decode(&msg); err != nil {
		return nil, fmt.Errorf("plugin wrote a line that is not a protocol message (%s): %.200q", describeJSONError(err), r.line)
	}
	return &msg, nil
}

// RunLocal runs one execution against srv in the same process: srv's Stdin and Stdout
// are replaced by pipes to a Host answering from store (nil = empty). It returns once the
// server has stopped.
func RunLocal(ctx context.Context, srv Server, store *Store, ex Execution) (*Outcome, error) {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	srv.Stdin, srv.Stdout = inR, outW
	served := make(chan error, 1)
	go func() {
		err := srv.Serve(ctx)
		outW.Close()
		served <- err
	}()
	out, err := NewHost(inW, outR, store).Execute(ctx, ex)
	inW.Close()
	outR.Close() // unblocks a server still writing to a host that stopped reading
	if serveErr := <-served; err == nil && serveErr != nil {
		err = fmt.Errorf("plugin: %w", serveErr)
	}
	return out, err
}
