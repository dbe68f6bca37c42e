package integration

import (
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRunLocalKeepsState(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	srv := Server{Registry: testRegistry()}
	for i, want := range []string{"<nil>+", "<nil>++"} {
		store, err := LoadStore(path)
		require.NoError(t, err)
		out, err := RunLocal(t.Context(), srv, store, Execution{Command: "state"})
		require.NoError(t, err)
		assert.Equal(t, []string{"getLastRun", "setLastRun"}, out.Calls)
		if len(out.Entries) != 1 || out.Failed() {
			t.Fatalf("run %d: entries %+v", i, out.Entries)
		}
		assert.Equal(t, any(map[string]any{"n": want}), out.Entries[0].Contents)
		require.NoError(t, store.Save(path))
	}
}

func TestRunLocalOutcomes(t *testing.T) {
	srv := Server{Registry: testRegistry()}
	tests := []struct {
		name       string
		ex         Execution
		wantFailed bool
		wantExc    string
	}{
		{"ok", Execution{Command: "ok"}, false, ""},
		{"args and investigation", Execution{Command: "echo", Args: map[string]any{"a": "b"}, InvestigationID: "9"}, false, ""},
		{"error entry", Execution{Command: "fail"}, true, ""},
		{"exception", Execution{Command: "fetch-fail"}, true, "fetch failed"},
		{"native", Execution{Command: "ok", Native: true}, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := RunLocal(t.Context(), srv, nil, tt.ex)
			require.NoError(t, err)
			assert.Equal(t, tt.wantFailed, out.Failed())
			assert.Equal(t, tt.wantExc, out.Exception)
		})
	}
	out, err := RunLocal(t.Context(), srv, nil, Execution{Command: "echo", Args: map[string]any{"a": "b"}, InvestigationID: "9"})
	require.NoError(t, err)
	assert.Equal(t, any(map[string]any{"args": map[string]any{"a": "b"}, "inv": "9"}), out.Entries[0].Contents)
}

func TestHostAnswersUnknownCallsWithTheMarker(t *testing.T) {
	reg := Registry{"odd": {Name: "odd", Run: func(ctx context.Context, _ *Request, s Session) error {
		_, err := s.Call(ctx, "getSomethingElse", map[string]any{"x": 1})
		return err
	}}}
	out, err := RunLocal(t.Context(), Server{Registry: reg}, nil, Execution{Command: "odd"})
	require.NoError(t, err)
	assert.Equal(t, []Entry{ErrorEntry("the engine refused getSomethingElse: unsupported command getSomethingElse")}, out.Entries)
}

func TestStoreAnswers(t *testing.T) {
	s := &Store{}
	assert.Equal(t, "{}", s.answer("getLastRun", nil))
	assert.Equal(t, "{}", s.answer("setIntegrationContext", map[string]any{"value": map[string]any{"k": json.Number("1")}}))
	assert.Equal(t, `{"k":1}`, s.answer("getIntegrationContext", nil))
	assert.Equal(t, ErrorMarker+" setLastRun needs args.value to be a JSON object", s.answer("setLastRun", map[string]any{"value": "x"}))
	assert.Equal(t, "{}", s.answer("getLastRun", nil))
}

func TestHostPingAndBrokenPlugin(t *testing.T) {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	srv := Server{Stdin: inR, Stdout: outW, Registry: testRegistry()}
	go func() {
		srv.Serve(context.Background())
		outW.Close()
	}()
	h := NewHost(inW, outR, nil)
	require.NoError(t, h.Ping(t.Context()))
	inW.Close() // EOF: the plugin ends
	_, err := h.Execute(t.Context(), Execution{Command: "ok"})
	if err == nil {
		t.Fatal("want an error from a plugin that ended")
	}
}
