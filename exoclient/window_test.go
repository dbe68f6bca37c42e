package exoclient

import (
	"container/heap"
	"slices"
	"testing"
	"time"
)

func TestSplitWindow(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	win := func(a, b string) Window { return Window{Start: at(a), End: at(b)} }
	cases := []struct {
		name string
		w    Window
		n    int
		want []Window
	}{
		{name: "halves", w: win("2021-01-01T00:00:00Z", "2021-01-01T01:00:00Z"), n: 2,
			want: []Window{win("2021-01-01T00:00:00Z", "2021-01-01T00:30:00Z"), win("2021-01-01T00:30:00Z", "2021-01-01T01:00:00Z")}},
		{name: "thirds of 10s land on whole seconds", w: win("2021-01-01T00:00:00Z", "2021-01-01T00:00:10Z"), n: 3,
			want: []Window{win("2021-01-01T00:00:00Z", "2021-01-01T00:00:03Z"), win("2021-01-01T00:00:03Z", "2021-01-01T00:00:06Z"), win("2021-01-01T00:00:06Z", "2021-01-01T00:00:10Z")}},
		{name: "no more pieces than seconds", w: win("2021-01-01T00:00:00Z", "2021-01-01T00:00:03Z"), n: 10,
			want: []Window{win("2021-01-01T00:00:00Z", "2021-01-01T00:00:01Z"), win("2021-01-01T00:00:01Z", "2021-01-01T00:00:02Z"), win("2021-01-01T00:00:02Z", "2021-01-01T00:00:03Z")}},
		{name: "one second is final", w: win("2021-01-01T00:00:00Z", "2021-01-01T00:00:01Z"), n: 2,
			want: []Window{win("2021-01-01T00:00:00Z", "2021-01-01T00:00:01Z")}},
		{name: "fractional start", w: win("2021-01-01T00:00:00.5Z", "2021-01-01T00:00:02Z"), n: 2,
			want: []Window{win("2021-01-01T00:00:00.5Z", "2021-01-01T00:00:01Z"), win("2021-01-01T00:00:01Z", "2021-01-01T00:00:02Z")}},
		{name: "a boundary rounded down to the start moves up", w: win("2021-01-01T00:00:01Z", "2021-01-01T00:00:02.1Z"), n: 2,
			want: []Window{win("2021-01-01T00:00:01Z", "2021-01-01T00:00:02Z"), win("2021-01-01T00:00:02Z", "2021-01-01T00:00:02.1Z")}},
		{name: "under a second spanning two seconds is final", w: win("2021-01-01T00:00:00.5Z", "2021-01-01T00:00:01.4Z"), n: 2,
			want: []Window{win("2021-01-01T00:00:00.5Z", "2021-01-01T00:00:01.4Z")}},
		{name: "one piece", w: win("2021-01-01T00:00:00Z", "2021-01-02T00:00:00Z"), n: 1,
			want: []Window{win("2021-01-01T00:00:00Z", "2021-01-02T00:00:00Z")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := splitWindow(tc.w, tc.n)
			if !slices.Equal(got, tc.want) {
				t.Errorf("splitWindow(%s, %d) = %v, want %v", tc.w, tc.n, got, tc.want)
			}
		})
	}
}

func TestSplitWindowCoversExactly(t *testing.T) {
	w := Window{Start: testEpoch.Add(-97*time.Hour - 13*time.Second), End: testEpoch.Add(250 * time.Millisecond)}
	for n := 1; n <= 200; n++ {
		got := splitWindow(w, n)
		if got[0].Start != w.Start || got[len(got)-1].End != w.End || len(got) > n {
			t.Fatalf("n=%d: %d pieces from %s to %s", n, len(got), got[0].Start, got[len(got)-1].End)
		}
		for i := 1; i < len(got); i++ {
			if got[i].Start != got[i-1].End || !got[i].Start.Before(got[i].End) || got[i].Start.Nanosecond() != 0 {
				t.Fatalf("n=%d: pieces %v and %v", n, got[i-1], got[i])
			}
		}
	}
}

// TestSplitWindowTerminates bisects windows with odd bounds until they stop splitting:
// every piece must be smaller than its parent and the leaves at most a second long.
func TestSplitWindowTerminates(t *testing.T) {
	for _, w := range []Window{
		{Start: testEpoch.Add(-time.Hour - 300*time.Millisecond), End: testEpoch.Add(700 * time.Millisecond)},
		{Start: testEpoch.Add(123456789), End: testEpoch.Add(17*time.Second + 987654321)},
	} {
		todo, leaves := []Window{w}, 0
		for len(todo) > 0 && leaves < 10000 {
			cur := todo[len(todo)-1]
			todo = todo[:len(todo)-1]
			pieces := splitWindow(cur, 2)
			if len(pieces) == 1 {
				leaves++
				if cur.End.Sub(cur.Start) > time.Second {
					t.Fatalf("%s does not split", cur)
				}
				continue
			}
			for _, p := range pieces {
				if p.End.Sub(p.Start) >= cur.End.Sub(cur.Start) {
					t.Fatalf("%s split into %v", cur, pieces)
				}
			}
			todo = append(todo, pieces...)
		}
		if len(todo) > 0 {
			t.Fatalf("%s: too many leaves", w)
		}
	}
}

func TestWindowQueueNewestFirst(t *testing.T) {
	ws := splitWindow(Window{Start: testEpoch, End: testEpoch.Add(time.Hour)}, 7)
	shuffled := []Window{ws[3], ws[0], ws[6], ws[1], ws[5], ws[2], ws[4]}
	q := newWindowQueue(shuffled)
	var got []Window
	for q.Len() > 0 {
		got = append(got, heap.Pop(q).(Window))
	}
	slices.Reverse(ws)
	if !slices.Equal(got, ws) {
		t.Errorf("popped %v, want %v", got, ws)
	}
}
