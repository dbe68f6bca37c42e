package exoclient

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/o365auditlog/o365auditlog/auditsearch"
)

func TestNewestSetMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, limit := range []int{1, 7, 100, 1000} {
		t.Run(fmt.Sprint("limit=", limit), func(t *testing.T) {
			var all []Row
			n := newNewestSet(limit, Window{Start: testEpoch, End: testEpoch.Add(time.Hour)})
			for range 50 {
				batch := make([]Row, rng.IntN(300))
				for i := range batch {
					// Few distinct IDs and seconds: many duplicates and ties.
					id := rng.IntN(3000)
					batch[i] = Row{ID: fmt.Sprintf("id-%04d", id), CreationTime: testEpoch.Add(time.Duration(id%600) * time.Second)}
				}
				all = append(all, batch...)
				n.Add(batch)
			}
			want := auditsearch.NewestOf(all, limit)
			if got := n.Records(); !slices.EqualFunc(got, want, func(a, b Row) bool { return a.ID == b.ID }) {
				t.Errorf("got %d records, want %d (first %v vs %v)", len(got), len(want), got[:min(3, len(got))], want[:min(3, len(want))])
			}
			if n.Len() > 2*limit+300 {
				t.Errorf("holds %d rows for a limit of %d", n.Len(), limit)
			}
		})
	}
}

func TestNewestRowsOrder(t *testing.T) {
	t0 := testEpoch
	rows := []Row{
		{ID: "b", CreationTime: t0},
		{ID: "c", CreationTime: t0.Add(time.Second)},
		{ID: "a", CreationTime: t0},
		{ID: "b", CreationTime: t0},
		{ID: "d", CreationTime: t0.Add(-time.Second)},
	}
	var ids []string
	for _, r := range auditsearch.NewestOf(rows, 3) {
		ids = append(ids, r.ID)
	}
	if want := []string{"c", "a", "b"}; !slices.Equal(ids, want) {
		t.Errorf("newestRows = %v, want %v", ids, want)
	}
}

func TestNewestSetFrontier(t *testing.T) {
	w := Window{Start: testEpoch, End: testEpoch.Add(4 * time.Hour)}
	pieces := splitWindow(w, 4) // [0,1h) [1h,2h) [2h,3h) [3h,4h)
	n := newNewestSet(2, w)
	// Two records at exactly 3h, the boundary: they do not count, an older window could
	// hold a record at 3h with a smaller ID.
	n.Add([]Row{{ID: "x", CreationTime: testEpoch.Add(3 * time.Hour)}, {ID: "y", CreationTime: testEpoch.Add(3 * time.Hour)}})
	steps := []struct {
		done   Window
		moved  bool
		enough bool
	}{
		{done: pieces[1], moved: false, enough: false},
		{done: pieces[3], moved: true, enough: false}, // frontier 3h; x, y are at it, not newer
		{done: pieces[2], moved: true, enough: true},  // frontier 1h (joins pieces[1] too)
	}
	for i, s := range steps {
		if moved := n.fetched(s.done); moved != s.moved {
			t.Errorf("step %d: moved = %v, want %v", i, moved, s.moved)
		}
		if enough := n.enough(); enough != s.enough {
			t.Errorf("step %d: enough = %v, want %v (frontier %s)", i, enough, s.enough, n.frontier)
		}
	}
	if !n.frontier.Equal(testEpoch.Add(time.Hour)) {
		t.Errorf("frontier = %s", n.frontier)
	}
}
