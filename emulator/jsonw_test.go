package emulator

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "plain", `q"uote\back`, "line\nbreak\r\t", "\x00\x1f", "héllo wörld ✓", "bad \xff utf8", "<&>", "mix \"é\"\n"} {
		got := appendJSON(nil, s)
		var back string
		require.NoError(t, json.Unmarshal(got, &back), "%q -> %s", s, got)
		want := s
		if s == "bad \xff utf8" {
			want = "bad \ufffd utf8"
		}
		require.Equal(t, want, back)
		require.Equal(t, string(got), string(appendJSON(nil, []byte(s))))
	}
}
