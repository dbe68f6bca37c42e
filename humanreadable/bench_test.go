package humanreadable_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/o365auditlog/o365auditlog/humanreadable"
)

// BenchmarkTable50k renders 50,000 records (the workload samples, repeated): the size of one
// full search session.
func BenchmarkTable50k(b *testing.B) {
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
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := humanreadable.Table(recs); err != nil {
			b.Fatal(err)
		}
	}
}
