package integration

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const sentinel = "s3ntinel-Pa55word"

// testRegistry has one command per behaviour the loop must handle.
func testRegistry() Registry {
	cmds := []Command{
		{Name: "ok", Run: func(_ context.Context, _ *Request, s Session) error {
			return s.Results(TextEntry("ok"))
		}},
		{Name: "echo", Run: func(_ context.Context, r *Request, s Session) error {
			return s.Results(Entry{Type: EntryNote, ContentsFormat: "json", Contents: map[string]any{"args": r.Args, "inv": r.InvestigationID}})
		}},
		{Name: "fail", Run: func(context.Context, *Request, Session) error {
			return errors.New("The search failed; check the app's role.")
		}},
		{Name: "leak", Run: func(_ context.Context, r *Request, s Session) error {
			s.Secret("registered-" + sentinel)
			return fmt.Errorf("login with %s and registered-%s and Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl failed", sentinel, sentinel)
		}},
		{Name: "panic", Run: func(context.Context, *Request, Session) error { panic("kaboom") }},
		{Name: "fetch-fail", Fetch: true, Run: func(context.Context, *Request, Session) error {
			return errors.New("fetch failed")
		}},
		{Name: "fetch-panic", Fetch: true, Run: func(context.Context, *Request, Session) error { panic("fetch kaboom") }},
		{Name: "state", Run: func(ctx context.Context, _ *Request, s Session) error {
			last, err := LastRun(ctx, s)
			if err != nil {
				return err
			}
			last["n"] = fmt.Sprint(last["n"]) + "+"
			if err := SetLastRun(ctx, s, last); err != nil {
				return err
			}
			return s.Results(Entry{Type: EntryNote, ContentsFormat: "json", Contents: last})
		}},
		{Name: "wait", Run: func(ctx context.Context, _ *Request, s Session) error {
			s.Results(TextEntry("started"))
			<-ctx.Done()
			return ctx.Err()
		}},
		{Name: "deaf", Run: func(_ context.Context, _ *Request, s Session) error {
			s.Results(TextEntry("started"))
			time.Sleep(time.Hour)
			return nil
		}},
		{Name: "short-call", Run: func(ctx context.Context, _ *Request, s Session) error {
			ctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
			defer cancel()
			_, err := IntegrationContext(ctx, s)
			return err
		}},
	}
	reg := Registry{}
	for _, c := range cmds {
		reg[c.Name] = c
	}
	return reg
}

const (
	pong      = `{"type":"pong"}`
	completed = `{"type":"completed"}`
	started   = `{"type":"result","results":[{"Type":1,"ContentsFormat":"text","Contents":"started"}]}`
)

func errorResult(text string) string {
	return `{"type":"result","results":[{"Type":4,"ContentsFormat":"text","Contents":"` + text + `"}]}`
}

// serveAll runs a server over a fixed input until it returns.
func serveAll(t *testing.T, srv Server, input io.Reader) (lines []string, logs string) {
	t.Helper()
	var out, errOut bytes.Buffer
	srv.Stdin, srv.Stdout, srv.Stderr, srv.LogLevel = input, &out, &errOut, slog.LevelDebug
	if srv.Registry == nil {
		srv.Registry = testRegistry()
	}
	require.NoError(t, srv.Serve(t.Context()))
	text := strings.TrimSuffix(out.String(), "\n")
	if text == "" {
		return nil, errOut.String()
	}
	return strings.Split(text, "\n"), errOut.String()
}

func TestServe(t *testing.T) {
	known := "deaf, echo, fail, fetch-fail, fetch-panic, leak, ok, panic, short-call, state, wait"
	tests := []struct {
		name  string
		input string
		want  []string
	}{
		{"ping", "ping\n", []string{pong}},
		{"ping with CRLF and spaces", " ping \r\n", []string{pong}},
		{"EOF at once", "", nil},
		{"blank lines are not executions", "\n  \n\r\nping\n", []string{pong}},
		{"last line without newline", `{"command":"ok"}`, []string{
			`{"type":"result","results":[{"Type":1,"ContentsFormat":"text","Contents":"ok"}]}`, completed}},
		{"one completed per execution", "{\"command\":\"ok\"}\n{\"command\":\"fail\"}\n", []string{
			`{"type":"result","results":[{"Type":1,"ContentsFormat":"text","Contents":"ok"}]}`, completed,
			errorResult("The search failed; check the app's role."), completed}},
		{"native exits after completed", "{\"command\":\"ok\",\"native\":true}\nping\n", []string{
			`{"type":"result","results":[{"Type":1,"ContentsFormat":"text","Contents":"ok"}]}`, completed}},
		{"native as a string", "{\"command\":\"nope\",\"native\":\"true\"}\nping\n", []string{
			errorResult(`Unknown command \"nope\": this integration answers ` + known + `. Check the command name.`), completed}},
		{"unknown fields ignored, numbers exact, investigation id",
			`{"command":"echo","script":"x","integration":true,"args":{"n":12345678901234567890,"s":"a"},"context":{"Inv":{"id":"42"}}}` + "\n",
			[]string{`{"type":"result","results":[{"Type":1,"ContentsFormat":"json","Contents":{"args":{"n":12345678901234567890,"s":"a"},"inv":"42"}}]}`, completed}},
		{"numeric investigation id", `{"command":"echo","context":{"Inv":{"id":7}}}` + "\n",
			[]string{`{"type":"result","results":[{"Type":1,"ContentsFormat":"json","Contents":{"args":{},"inv":"7"}}]}`, completed}},
		{"malformed JSON, loop goes on", "{\"command\":\n{nope}\nping\n", []string{
			errorResult(`The plugin could not read the execution request: the line ends before the JSON object does. The engine must send one JSON object per line with a \"command\" field.`), completed,
			errorResult(`The plugin could not read the execution request: invalid JSON at byte 2. The engine must send one JSON object per line with a \"command\" field.`), completed,
			pong}},
		{"not an object", "[1,2]\n", []string{
			errorResult(`The plugin could not read the execution request: the line is a JSON array, not an object. The engine must send one JSON object per line with a \"command\" field.`), completed}},
		{"wrong field type", `{"command":"ok","args":"x"}` + "\n", []string{
			errorResult(`The plugin could not read the execution request: the \"args\" field is a JSON string, not an object. The engine must send one JSON object per line with a \"command\" field.`), completed}},
		{"trailing data", `{"command":"ok"} {}` + "\n", []string{
			errorResult(`The plugin could not read the execution request: there is more on the line after the JSON object. The engine must send one JSON object per line with a \"command\" field.`), completed}},
		{"missing command", `{"args":{}}` + "\n", []string{
			errorResult(`The plugin could not read the execution request: the \"command\" field is missing or empty. The engine must send one JSON object per line with a \"command\" field.`), completed}},
		{"unknown command lists known ones", `{"command":"nope"}` + "\nping\n", []string{
			errorResult(`Unknown command \"nope\": this integration answers ` + known + `. Check the command name.`), completed, pong}},
		{"handler panic", "{\"command\":\"panic\"}\nping\n", []string{
			errorResult(`The command panic failed with an internal error (kaboom); this is a bug in the integration, please report it with the plugin's log.`), completed, pong}},
		{"fetch failure is an exception", "{\"command\":\"fetch-fail\"}\n", []string{
			`{"type":"exception","args":{"exception":"fetch failed"}}`, completed}},
		{"fetch panic is an exception", "{\"command\":\"fetch-panic\"}\n", []string{
			`{"type":"exception","args":{"exception":"The command fetch-panic failed with an internal error (fetch kaboom); this is a bug in the integration, please report it with the plugin's log."}}`, completed}},
		{"RR calls read one reply each", "{\"command\":\"state\"}\n{\"n\":1}\nignored reply\nping\n", []string{
			`{"type":"executeCommand","command":"getLastRun","args":{}}`,
			`{"type":"executeCommand","command":"setLastRun","args":{"value":{"n":"1+"}}}`,
			`{"type":"result","results":[{"Type":1,"ContentsFormat":"json","Contents":{"n":"1+"}}]}`, completed, pong}},
		{"RR empty reply is {}", "{\"command\":\"state\"}\n\n{}\n", []string{
			`{"type":"executeCommand","command":"getLastRun","args":{}}`,
			`{"type":"executeCommand","command":"setLastRun","args":{"value":{"n":"\u003cnil\u003e+"}}}`,
			`{"type":"result","results":[{"Type":1,"ContentsFormat":"json","Contents":{"n":"<nil>+"}}]}`, completed}},
		{"RR error marker", "{\"command\":\"state\"}\n\"" + ErrorMarker + " no state here\"\nping\n", []string{
			`{"type":"executeCommand","command":"getLastRun","args":{}}`,
			errorResult("the engine refused getLastRun: no state here"), completed, pong}},
		{"RR reply cut by EOF", "{\"command\":\"state\"}\n", []string{
			`{"type":"executeCommand","command":"getLastRun","args":{}}`,
			errorResult("engine call getLastRun: no reply: unexpected EOF"), completed}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := serveAll(t, Server{}, strings.NewReader(tt.input))
			// The encoder keeps < and > as they are; "\u003c" above is the test's JSON
			// spelling of the same bytes.
			want := make([]string, len(tt.want))
			for i, w := range tt.want {
				want[i] = strings.NewReplacer(`\u003c`, "<", `\u003e`, ">").Replace(w)
			}
			if len(want) == 0 {
				want = nil
			}
			assert.Equal(t, want, got)
		})
	}
}

func TestServeRedactsSecrets(t *testing.T) {
	input := `{"command":"leak","params":{"password":"` + sentinel + `","certificate":{"identifier":"UEZYLWJ5dGVz","password":"cert-pass"}}}` + "\n" +
		`{"command":"nope-` + sentinel + `"}` + "\n"
	got, logs := serveAll(t, Server{}, strings.NewReader(input))
	if len(got) != 4 {
		t.Fatalf("got %d lines: %q", len(got), got)
	}
	assert.Equal(t, errorResult(`login with [REDACTED] and [REDACTED] and Authorization: Bearer [REDACTED] failed`), got[0])
	assert.Contains(t, got[2], `Unknown command \"nope-[REDACTED]\"`)
	assert.NotContains(t, logs, sentinel)
	assert.NotContains(t, logs, "eyJhbGciOiJIUzI1NiJ9")
	assert.Contains(t, logs, "[REDACTED]")
}

// repeatReader streams n copies of b without holding them: a 64 KiB chunk is reused
// (copy, not a byte loop, which the race detector makes slow).
type repeatReader struct {
	n     int64
	b     byte
	chunk []byte
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	if r.chunk == nil {
		r.chunk = bytes.Repeat([]byte{r.b}, 64<<10)
	}
	n := copy(p[:min(int64(len(p)), r.n)], r.chunk)
	r.n -= int64(n)
	return n, nil
}

func TestServeLineLimit(t *testing.T) {
	tooLong := func(n, limit int) string {
		return errorResult(fmt.Sprintf("The execution request is %d bytes long, above the plugin's limit of %d bytes; send smaller arguments.", n, limit))
	}
	t.Run("64 MiB + 1 drained", func(t *testing.T) {
		input := io.MultiReader(strings.NewReader("ping\n"), &repeatReader{n: MaxLineBytes + 1, b: 'x'}, strings.NewReader("\nping\n"))
		got, _ := serveAll(t, Server{}, input)
		assert.Equal(t, []string{pong, tooLong(MaxLineBytes+1, MaxLineBytes), completed, pong}, got)
	})
	tests := []struct {
		name, input string
		want        []string
	}{
		{"at the limit", `{"command":"ok"}` + "\r\n", []string{
			`{"type":"result","results":[{"Type":1,"ContentsFormat":"text","Contents":"ok"}]}`, completed}},
		{"one above", `{"command":"ok"} ` + "\n", []string{tooLong(17, 16), completed}},
		{"far above, then more", strings.Repeat("y", 1000) + "\r\nping\n", []string{tooLong(1000, 16), completed, pong}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := serveAll(t, Server{MaxLineBytes: 16}, strings.NewReader(tt.input))
			assert.Equal(t, tt.want, got)
		})
	}
}

// pipeServer runs a server over pipes for tests that interleave reads and writes.
type pipeServer struct {
	in     *io.PipeWriter
	out    *lineReader
	done   chan error
	cancel context.CancelFunc
}

func startServer(t *testing.T, srv Server) *pipeServer {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	srv.Stdin, srv.Stdout, srv.Registry = inR, outW, testRegistry()
	p := &pipeServer{in: inW, out: newLineReader(outR, 0), done: make(chan error, 1), cancel: cancel}
	go func() {
		err := srv.Serve(ctx)
		outW.Close()
		p.done <- err
	}()
	t.Cleanup(func() {
		cancel()
		inW.Close()
		outR.Close()
	})
	return p
}

func (p *pipeServer) send(t *testing.T, line string) {
	t.Helper()
	_, err := io.WriteString(p.in, line+"\n")
	require.NoError(t, err)
}

func (p *pipeServer) expect(t *testing.T, want ...string) {
	t.Helper()
	for _, w := range want {
		line, err := p.out.next()
		require.NoError(t, err)
		assert.Equal(t, w, string(line))
	}
}

func (p *pipeServer) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-p.done:
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("server did not stop")
		return nil
	}
}

func TestServeCancel(t *testing.T) {
	t.Run("idle: returns at once", func(t *testing.T) {
		p := startServer(t, Server{})
		p.send(t, "ping")
		p.expect(t, pong)
		p.cancel()
		require.NoError(t, p.wait(t))
	})
	t.Run("running: cancels the command, completes, returns", func(t *testing.T) {
		p := startServer(t, Server{})
		p.send(t, `{"command":"wait"}`)
		p.expect(t, started)
		p.cancel()
		p.expect(t, errorResult("The command wait was cancelled because the plugin was asked to stop; run it again."), completed)
		require.NoError(t, p.wait(t))
	})
	t.Run("deaf command abandoned after the grace period", func(t *testing.T) {
		p := startServer(t, Server{ShutdownGrace: 30 * time.Millisecond})
		p.send(t, `{"command":"deaf"}`)
		p.expect(t, started)
		p.cancel()
		p.expect(t, errorResult("The command deaf did not stop within 30ms after the plugin was asked to stop; run it again."), completed)
		require.NoError(t, p.wait(t))
	})
	t.Run("late RR reply is discarded", func(t *testing.T) {
		p := startServer(t, Server{})
		p.send(t, `{"command":"short-call"}`)
		p.expect(t, `{"type":"executeCommand","command":"getIntegrationContext","args":{}}`,
			errorResult("engine call getIntegrationContext: no reply: context deadline exceeded"), completed)
		p.send(t, `{"late":"reply"}`)
		p.send(t, "ping")
		p.expect(t, pong)
	})
}

func TestSessionClosedAfterCompleted(t *testing.T) {
	var kept Session
	reg := Registry{"keep": {Name: "keep", Run: func(_ context.Context, _ *Request, s Session) error {
		kept = s
		return nil
	}}}
	got, _ := serveAll(t, Server{Registry: reg}, strings.NewReader(`{"command":"keep"}`+"\n"))
	assert.Equal(t, []string{completed}, got)
	if kept == nil {
		t.Fatal("handler did not run")
	}
	assert.ErrorIs(t, kept.Results(TextEntry("late")), ErrSessionClosed)
	_, err := kept.Call(t.Context(), "getLastRun", nil)
	assert.ErrorIs(t, err, ErrSessionClosed)
}

// failingWriter breaks like stdout to an engine that went away.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, io.ErrClosedPipe }

func TestServeStdoutGone(t *testing.T) {
	srv := Server{Stdin: strings.NewReader("ping\nping\n"), Stdout: failingWriter{}, Registry: testRegistry()}
	err := srv.Serve(t.Context())
	assert.ErrorIs(t, err, io.ErrClosedPipe)
}

// FuzzDecodeRequest checks that any line either decodes into a request with a command or
// fails with a *RequestError, never a panic. Seeds live in testdata/fuzz/FuzzDecodeRequest.
func FuzzDecodeRequest(f *testing.F) {
	f.Fuzz(func(t *testing.T, line []byte) {
		req, err := DecodeRequest(line)
		if err != nil {
			var re *RequestError
			if !errors.As(err, &re) {
				t.Fatalf("error %v is not a *RequestError", err)
			}
			return
		}
		if strings.TrimSpace(req.Command) == "" || req.Params == nil || req.Args == nil || req.Context == nil {
			t.Fatalf("incomplete request %+v", req)
		}
	})
}
