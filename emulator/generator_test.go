package emulator

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// topLevelKeys lists an object's keys in order, duplicates included.
func topLevelKeys(t *testing.T, b []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	require.NoError(t, err)
	require.Equal(t, json.Delim('{'), tok)
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		require.NoError(t, err)
		keys = append(keys, k.(string))
		var skip json.RawMessage
		require.NoError(t, dec.Decode(&skip))
	}
	return keys
}

// TestGeneratedRecordsAgreeWithTheirIndex checks that every filterable field the index holds
// is what the AuditData text says, so filters and FreeText agree with what clients parse.
func TestGeneratedRecordsAgreeWithTheirIndex(t *testing.T) {
	now := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	hot := now.Add(-time.Hour)
	e := setup(t, Options{Records: 2500, Seed: 99, Clock: func() time.Time { return now },
		Hotspots: []Hotspot{{Start: hot, Duration: time.Minute, Count: 50, Operation: "New-InboxRule"}}})
	st := e.store
	for i := range st.recs {
		m := &st.recs[i]
		text := st.text(m)
		keys := topLevelKeys(t, text)
		seen := map[string]bool{}
		for _, k := range keys {
			require.True(t, !seen[k], "duplicate key %s in %s", k, text)
			seen[k] = true
		}
		var rec map[string]any
		require.NoError(t, json.Unmarshal(text, &rec))
		k := st.kinds[m.kind]
		require.Equal(t, st.id(m), rec["Id"])
		require.Equal(t, k.op, rec["Operation"])
		require.Equal(t, float64(k.recordType), rec["RecordType"])
		require.Equal(t, k.workload, rec["Workload"])
		require.Equal(t, st.users[m.user], rec["UserId"])
		require.Equal(t, time.Unix(m.t, 0).UTC().Format(timeLayout), rec["CreationTime"])
		if obj := st.objects[m.obj]; obj != "" {
			require.Equal(t, obj, rec["ObjectId"])
		} else {
			require.True(t, rec["ObjectId"] == nil, "ObjectId %v not indexed", rec["ObjectId"])
		}
		ip := st.ips[m.ip]
		for _, f := range []string{"ClientIP", "ActorIpAddress", "ClientIPAddress"} {
			if v, ok := rec[f]; ok {
				require.Equal(t, ip, v, "%s of %s", f, text)
			}
		}
		if ip != "" {
			require.True(t, rec["ClientIP"] == ip || rec["ActorIpAddress"] == ip || rec["ClientIPAddress"] == ip, "indexed IP %s missing from %s", ip, text)
		}
	}
	inHot := e.GroundTruth(Query{Start: hot, End: hot.Add(time.Minute), Operations: []string{"New-InboxRule"}})
	require.True(t, len(inHot) >= 50, "hot minute holds %d New-InboxRule records", len(inHot))
}
