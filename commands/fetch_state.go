package commands

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// fetchStateVersion is the shape of lastRun this code writes and reads.
const fetchStateVersion = 1

// maxStateBytes bounds lastRun once serialized (DESIGN §5b: under 1 MiB), with room to spare
// for whatever the engine wraps around it.
const maxStateBytes = 1_000_000

// fetchState is what fetch-incidents keeps between runs (lastRun).
type fetchState struct {
	// HighWater is the instant up to which every record found has been emitted; zero before
	// the first run. It never moves back.
	HighWater time.Time
	// Floor is the earliest CreationTime a run may emit: the first run's start, raised past
	// Ids dropped from Seen to keep the state bounded (those must never come back).
	Floor time.Time
	// Seen holds the Ids emitted at or after the current window's start, with their
	// CreationTime: the window is searched again for late arrivals and these are skipped.
	Seen map[string]time.Time
}

// wireState is lastRun as stored: {"version":1,"high_water","floor","seen":{time:[ids]}}.
// Grouping Ids by time keeps the state compact and readable in the engine's UI.
type wireState struct {
	Version   int                 `json:"version"`
	HighWater string              `json:"high_water,omitempty"`
	Floor     string              `json:"floor,omitempty"`
	Seen      map[string][]string `json:"seen"`
}

// errStateUnreadable explains a lastRun this version cannot use.
func errStateUnreadable(why string) error {
	return fmt.Errorf("The saved fetch state (last run) cannot be read: %s. Reset the last run of this "+
		"integration instance (Fetch history > Reset the \"last run\" timestamp) and fetch again; "+
		"incidents since first_fetch may then be created again.", why)
}

// stateKeys are the top-level keys of wireState: a lastRun holding none of them is not ours.
var stateKeys = []string{"version", "high_water", "floor", "seen"}

// foreignState reports a lastRun that holds something, but none of our keys: left by
// another integration, by test tooling (the content tooling's demistomock answers
// {"lastRun": "2018-10-24T14:13:20+00:00"}) or by a hand edit. Such a state cannot be
// ours, so fetching starts from first_fetch; a state with our keys that cannot be read
// stays an error, since starting over could create incidents again.
func foreignState(v map[string]any) bool {
	if len(v) == 0 {
		return false
	}
	for _, k := range stateKeys {
		if _, ok := v[k]; ok {
			return false
		}
	}
	return true
}

// decodeFetchState reads lastRun as getLastRun returns it; {} is the state before the first run.
func decodeFetchState(v map[string]any) (fetchState, error) {
	st := fetchState{Seen: map[string]time.Time{}}
	if len(v) == 0 {
		return st, nil
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return st, errStateUnreadable(err.Error())
	}
	var w wireState
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&w); err != nil {
		return st, errStateUnreadable("it is not the shape this version writes")
	}
	if w.Version != fetchStateVersion {
		return st, errStateUnreadable(fmt.Sprintf("version %d, expected %d", w.Version, fetchStateVersion))
	}
	if st.HighWater, err = stateTime(w.HighWater); err != nil {
		return st, errStateUnreadable("high_water: " + err.Error())
	}
	if st.Floor, err = stateTime(w.Floor); err != nil {
		return st, errStateUnreadable("floor: " + err.Error())
	}
	for key, ids := range w.Seen {
		t, err := time.Parse(time.RFC3339Nano, key)
		if err != nil {
			return st, errStateUnreadable(fmt.Sprintf("seen time %q is not RFC 3339", key))
		}
		for _, id := range ids {
			st.Seen[id] = t.UTC()
		}
	}
	return st, nil
}

func stateTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not RFC 3339", s)
	}
	return t.UTC(), nil
}

// wire is the state as setLastRun stores it.
func (st fetchState) wire() wireState {
	w := wireState{Version: fetchStateVersion, Seen: st.groups()}
	if !st.HighWater.IsZero() {
		w.HighWater = st.HighWater.UTC().Format(time.RFC3339Nano)
	}
	if !st.Floor.IsZero() {
		w.Floor = st.Floor.UTC().Format(time.RFC3339Nano)
	}
	return w
}

// value is the state as the argument of setLastRun.
func (st fetchState) value() map[string]any {
	w := st.wire()
	v := map[string]any{"version": w.Version, "seen": w.Seen}
	if w.HighWater != "" {
		v["high_water"] = w.HighWater
	}
	if w.Floor != "" {
		v["floor"] = w.Floor
	}
	return v
}

// groups is Seen grouped by time key, Ids sorted (a stable, diffable state).
func (st fetchState) groups() map[string][]string {
	g := make(map[string][]string)
	for id, t := range st.Seen {
		key := t.UTC().Format(time.RFC3339Nano)
		g[key] = append(g[key], id)
	}
	for _, ids := range g {
		slices.Sort(ids)
	}
	return g
}

// prune forgets the Ids created before start: no later window reaches back that far.
func (st *fetchState) prune(start time.Time) {
	for id, t := range st.Seen {
		if t.Before(start) {
			delete(st.Seen, id)
		}
	}
}

// bound drops the oldest Ids, a whole time group at a time, until the serialized state fits
// in limit bytes, and raises Floor past the dropped ones so they can never be emitted
// again: the effective lookback shrinks. It returns how many Ids it dropped.
func (st *fetchState) bound(limit int) int {
	size, groups := st.size()
	dropped := 0
	for i := 0; size > limit && i < len(groups); i++ {
		g := groups[i]
		size -= g.bytes
		for _, id := range g.ids {
			delete(st.Seen, id)
		}
		dropped += len(g.ids)
		if after := g.t.Add(time.Nanosecond); after.After(st.Floor) {
			st.Floor = after
		}
	}
	return dropped
}

// seenGroup is one time key of the serialized Seen, with its share of the size.
type seenGroup struct {
	t     time.Time
	ids   []string
	bytes int
}

// size returns an upper bound of the serialized state's length (the engine call encodes
// without HTML escaping, so it is never longer) and the Seen groups, oldest first.
func (st fetchState) size() (int, []seenGroup) {
	empty := st
	empty.Seen = nil
	base, _ := json.Marshal(empty.wire())
	total := len(base)
	var groups []seenGroup
	for key, ids := range st.groups() {
		k, _ := json.Marshal(key)
		v, _ := json.Marshal(ids)
		t, _ := time.Parse(time.RFC3339Nano, key)
		groups = append(groups, seenGroup{t: t, ids: ids, bytes: len(k) + 1 + len(v) + 1}) // colon, comma
	}
	slices.SortFunc(groups, func(a, b seenGroup) int { return a.t.Compare(b.t) })
	for _, g := range groups {
		total += g.bytes
	}
	return total, groups
}
