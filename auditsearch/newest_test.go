package auditsearch

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// Newest keeps exactly the newest limit of any stream of records, repeats and ties
// included, however it is fed.
func TestNewest(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var all []Record
	for i := range 500 {
		all = append(all, Record{ID: fmt.Sprintf("r%03d", i), CreationTime: t0.Add(time.Duration(i%37) * time.Second)})
	}
	rng := rand.New(rand.NewPCG(1, 2))
	fed := append(append([]Record(nil), all...), all[:100]...) // repeats
	rng.Shuffle(len(fed), func(i, j int) { fed[i], fed[j] = fed[j], fed[i] })
	for _, limit := range []int{1, 7, 100, 499, 500, 800} {
		n := NewNewest(limit)
		for i := 0; i < len(fed); i += 13 {
			n.Add(fed[i:min(i+13, len(fed))])
			assert.LessOrEqual(t, n.Len(), 2*limit+13)
		}
		got := n.Records()
		assert.Equal(t, NewestOf(all, limit), got)
		assert.Len(t, got, min(limit, 500))
		for i := 1; i < len(got); i++ {
			assert.Negative(t, CompareNewestFirst(got[i-1], got[i]), "newest first, ties by ID")
		}
		if limit == 800 { // nothing trimmed: 13 records (i = 36, 73, … 480) hold the newest second
			assert.Equal(t, 13, n.NewerThan(t0.Add(35*time.Second)))
			assert.Zero(t, n.NewerThan(t0.Add(36*time.Second)), "strictly newer")
		}
	}
}
