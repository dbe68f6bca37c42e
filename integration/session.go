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
	"sync/atomic"
)

// ErrSessionClosed is returned by a Session used after its execution completed.
var ErrSessionClosed = errors.New("session used after its execution completed")

// writer sends one message per line and flushes after each, so the engine sees every
// message as soon as it is complete. The first write error sticks: the engine is gone.
type writer struct {
	mu  sync.Mutex
	bw  *bufio.Writer
	err error
}

func newWriter(w io.Writer) *writer {
	return &writer{bw: bufio.NewWriterSize(w, 64<<10)}
}

// send writes msg. A value that cannot be encoded is the caller's error and writes
// nothing; a write error is sticky. Result messages are streamed (stream.go): a
// 50,000-record result is never built whole in memory.
func (w *writer) send(msg any) error {
	if r, ok := msg.(resultMessage); ok {
		return w.sendResult(r)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // markdown carries <br>; keep it readable
	if err := enc.Encode(msg); err != nil {
		return fmt.Errorf("encode %T: %w", msg, err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.err
	}
	if _, err := w.bw.Write(buf.Bytes()); err != nil {
		w.err = err
		return err
	}
	w.err = w.bw.Flush()
	return w.err
}

// sendResult plans the whole message first (an encoding error writes nothing), then
// streams it through the buffered writer.
func (w *writer) sendResult(r resultMessage) error {
	plan, err := planResult(r.Results)
	if err != nil {
		return fmt.Errorf("encode %T: %w", r, err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.err
	}
	if err := plan.write(w.bw); err != nil {
		w.err = err
		return err
	}
	w.err = w.bw.Flush()
	return w.err
}

// failed returns the sticky write error, if any.
func (w *writer) failed() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// session is the Session of one execution.
type session struct {
	loop   *loop
	req    *Request
	mu     sync.Mutex // one Results or Call at a time
	closed atomic.Bool
}

// close ends the session without waiting for a call in flight (an abandoned handler may
// be stuck in one).
func (s *session) close() { s.closed.Store(true) }

// Results implements Session. Error entries' text is redacted like the loop's own.
func (s *session) Results(entries ...Entry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Load() {
		return ErrSessionClosed
	}
	out := make([]Entry, len(entries))
	for i, e := range entries {
		if text, ok := e.Contents.(string); ok && e.Type == EntryError {
			e.Contents = s.loop.red.Redact(text)
		}
		out[i] = e
	}
	return s.loop.out.send(resultMessage{Type: msgResult, Results: out})
}

// Call implements Session. It holds the session for the whole round trip: the reply that
// is read must be the one to this call.
func (s *session) Call(ctx context.Context, command string, args map[string]any) (json.RawMessage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Load() {
		return nil, ErrSessionClosed
	}
	if args == nil {
		args = map[string]any{}
	}
	s.loop.log.Debug("engine call", "call", command)
	if err := s.loop.out.send(callMessage{Type: msgExecuteCommand, Command: command, Args: args}); err != nil {
		return nil, fmt.Errorf("engine call %s: %w", command, err)
	}
	line, err := s.loop.lines.next(ctx)
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("engine call %s: no reply: %w", command, err)
	}
	if text, isErr := replyError(line); isErr {
		return nil, &CallError{Command: command, Message: text}
	}
	return json.RawMessage(line), nil
}

// Secret implements Session.
func (s *session) Secret(value string) {
	s.loop.red.Add(value)
}

// CallError is an engine reply carrying ErrorMarker.
type CallError struct {
	Command string
	Message string // the text after the marker
}

func (e *CallError) Error() string {
	return fmt.Sprintf("the engine refused %s: %s", e.Command, e.Message)
}

// LastRun returns the object last stored with SetLastRun ({} if none).
func LastRun(ctx context.Context, s Session) (map[string]any, error) {
	return getObject(ctx, s, "getLastRun")
}

// SetLastRun stores v as the last run (fetch-incidents state).
func SetLastRun(ctx context.Context, s Session, v map[string]any) error {
	_, err := s.Call(ctx, "setLastRun", map[string]any{"value": orEmpty(v)})
	return err
}

// IntegrationContext returns the object last stored with SetIntegrationContext ({} if none).
func IntegrationContext(ctx context.Context, s Session) (map[string]any, error) {
	return getObject(ctx, s, "getIntegrationContext")
}

// SetIntegrationContext stores v as the integration context.
func SetIntegrationContext(ctx context.Context, s Session, v map[string]any) error {
	_, err := s.Call(ctx, "setIntegrationContext", map[string]any{"value": orEmpty(v)})
	return err
}

// getObject decodes a reply that must be a JSON object; an empty or null reply is {}.
func getObject(ctx context.Context, s Session, command string) (map[string]any, error) {
	raw, err := s.Call(ctx, command, nil)
	if err != nil {
		return nil, err
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return map[string]any{}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v map[string]any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("engine call %s: the reply is not a JSON object: %s", command, describeJSONError(err))
	}
	return orEmpty(v), nil
}
