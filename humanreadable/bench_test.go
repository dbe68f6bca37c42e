package humanreadable_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/o365auditlog/o365auditlog/contextout"
	"github.com/o365auditlog/o365auditlog/humanreadable"
)

// BenchmarkTable50k renders 50,000 records (the workload samples, repeated): the size of one
// full search session. Table sanitises every record first.
func BenchmarkTable50k(b *testing.B) {
	recs, size := records50k(b)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := humanreadable.Table(recs); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCanonicalTable50k renders the same 50,000 records already sanitised, as a search
// does: contextout sanitised them once for the context, and the table reads them as they are.
func BenchmarkCanonicalTable50k(b *testing.B) {
	recs, size := records50k(b)
	clean, err := contextout.Records(recs)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := humanreadable.CanonicalTable(clean); err != nil {
			b.Fatal(err)
		}
	}
}

// records50k is 50,000 records cycling through the workload samples, and their total size.
func records50k(b *testing.B) ([]json.RawMessage, int) {
	b.Helper()
	files, err := filepath.Glob(filepath.Join("..", "test_data", "auditdata", "*.json"))
	if err != nil || len(files) == 0 {
		b.Fatal("no samples", err)
	}
	var samples []json.RawMessage
	for _, f := range files {
		rec, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		samples = append(samples, rec)
	}
	recs := make([]json.RawMessage, 50000)
	size := 0
	for i := range recs {
		recs[i] = samples[i%len(samples)]
		size += len(recs[i])
	}
	return recs, size
}
