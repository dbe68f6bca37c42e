package integration

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// reference is the message as encoding/json writes it (SetEscapeHTML(false)).
func reference(t *testing.T, msg resultMessage) string {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	require.NoError(t, enc.Encode(msg))
	return buf.String()
}

func streamed(t *testing.T, entries []Entry) string {
	t.Helper()
	var buf bytes.Buffer
	w := newWriter(&buf)
	require.NoError(t, w.send(resultMessage{Type: msgResult, Results: entries}))
	return buf.String()
}

func TestStreamedResultMatchesEncodingJSON(t *testing.T) {
	hostile := "a<b>&c \"q\" \\ \x00\x01\x1f\x7f \b\f\n\r\t é 😀 \u2028\u2029 bad:\xff\xfe end"
	long := strings.Repeat("é|<br>\n", 40000) + "😀" // > 64 KiB, multi-byte at chunk edges
	recs := []json.RawMessage{json.RawMessage(`{"Id":"a","N":12345678901234567890}`), json.RawMessage(`{"Id":"b","S":"x\u2028"}`)}
	raw := RawJSONList(recs)
	cases := map[string][]Entry{
		"none":  {},
		"text":  {TextEntry("ok"), ErrorEntry(hostile), WarningEntry(long)},
		"raw":   {{Type: 1, ContentsFormat: "json", Contents: raw, HumanReadable: long, ReadableContentsFormat: "markdown", EntryContext: map[string]any{"B(val.Id == obj.Id)": raw, "A": map[string]any{"k": 1, "z": nil, "s": hostile}}}},
		"empty": {{Type: 1, ContentsFormat: "json", Contents: []RawJSON{}, EntryContext: map[string]any{"K": []RawJSON{}, "N": []RawJSON(nil)}}},
		"file":  {{Type: 3, ContentsFormat: "text", Contents: "", File: "f<>.jsonl", FileID: "id"}, {Type: 1, Contents: struct{ A, B int }{1, 2}, ContentsFormat: "json"}},
		"scheduled": {{Type: 1, ContentsFormat: "text", Contents: "q", HumanReadable: "running", Schedule: &Schedule{PollingCommand: "c", NextRun: "15",
			PollingArgs: map[string]any{"query_id": "a,b", "hide_polling_output": true, "start_date": hostile}, Timeout: "3600"}}},
		"nil": {{Type: 1, ContentsFormat: "text", Contents: nil}, {Type: 1, Contents: RawJSON(nil), ContentsFormat: "json"}},
	}
	for name, entries := range cases {
		t.Run(name, func(t *testing.T) {
			want := reference(t, resultMessage{Type: msgResult, Results: entries})
			got := streamed(t, entries)
			assert.True(t, got == want, "streamed %d bytes differ from encoding/json's %d\n got %.300q\nwant %.300q", len(got), len(want), got, want)
		})
	}
}

func TestStreamedResultUnencodableWritesNothing(t *testing.T) {
	var buf bytes.Buffer
	w := newWriter(&buf)
	err := w.send(resultMessage{Type: msgResult, Results: []Entry{TextEntry("first"), {Type: 1, Contents: math.Inf(1)}}})
	assert.Error(t, err)
	assert.Zero(t, buf.Len(), "wrote %q", buf.String())
	assert.NoError(t, w.failed(), "an encoding error must not break the writer")
}
