package exoclient

import (
	"context"
	"errors"
	"fmt"
	"github.com/o365auditlog/o365auditlog/msclient"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

var testEpoch = time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)

// spread returns n records with IDs prefix-0000000… at whole seconds spread evenly over
// [start, end); neighbours may share a second, so ties by ID are exercised.
func spread(prefix string, n int, start, end time.Time) []Row {
	rows := make([]Row, n)
	d := end.Sub(start)
	for i := range rows {
		t := start.Add(time.Duration(float64(d) * float64(i) / float64(n))).Truncate(time.Second)
		rows[i] = Row{ID: fmt.Sprintf("%s-%07d", prefix, i), CreationTime: t}
	}
	return rows
}

// testSearcher returns a searcher over f with predictable session IDs.
func testSearcher(f pageFetcher, workers int) *searcher {
	var n atomic.Int64
	return &searcher{pages: f, maxConcurrency: workers, newSessionID: func() string {
		return fmt.Sprintf("session-%d", n.Add(1))
	}}
}

// faultAt injects kind at the given page of the given session (both as the fake numbers them).
func faultAt(session, page int, kind fakeFault) func(fakeCall) fakeFault {
	return func(c fakeCall) fakeFault {
		if c.Session == session && c.Page == page {
			return kind
		}
		return faultNone
	}
}

func TestFetchWindow(t *testing.T) { testFetchWindow(t, 10) }

func TestFetchWindowFullScale(t *testing.T) { testFetchWindow(t, 1) }

// testFetchWindow runs the cases at 1:k of the service's sizes.
func testFetchWindow(t *testing.T, k scale) {
	w := Window{Start: testEpoch, End: testEpoch.Add(time.Hour)}
	always := func(kind fakeFault) func(fakeCall) fakeFault {
		return func(fakeCall) fakeFault { return kind }
	}
	cases := []struct {
		name         string
		records      int
		echo         bool
		dups         int
		fault        func(fakeCall) fakeFault
		wantSessions int
		wantUnique   int
		wantCapped   bool
		wantOversize bool // the session stopped after its first page: a credible claim of the cap
		wantErr      string
	}{
		{name: "short last page", records: 12000, wantSessions: 1, wantUnique: 12000},
		{name: "empty page confirmed by counters", records: 10000, wantSessions: 1, wantUnique: 10000},
		{name: "empty page with echoed ResultCount needs a second session", records: 10000, echo: true, wantSessions: 2, wantUnique: 10000},
		{name: "one full page with echoed ResultCount needs a second session", records: 5000, echo: true, wantSessions: 2, wantUnique: 5000},
		{name: "empty window confirmed by a second session", records: 0, wantSessions: 2, wantUnique: 0},
		{name: "bogus page", records: 12000, fault: faultAt(1, 1, faultBogus), wantSessions: 2, wantUnique: 12000},
		{name: "empty page mid-session", records: 12000, fault: faultAt(1, 1, faultEmpty), wantSessions: 2, wantUnique: 12000},
		{name: "empty first page", records: 12000, fault: faultAt(1, 0, faultEmpty), wantSessions: 2, wantUnique: 12000},
		{name: "lost page", records: 12000, fault: faultAt(1, 1, faultLost), wantSessions: 2, wantUnique: 12000},
		{name: "silently skipped page", records: 12000, fault: faultAt(1, 1, faultSkip), wantSessions: 2, wantUnique: 12000},
		{name: "silently skipped first page", records: 12000, fault: faultAt(1, 0, faultSkip), wantSessions: 2, wantUnique: 12000},
		{name: "silently skipped last page with echoed count", records: 7000, echo: true, fault: faultAt(1, 1, faultSkip), wantSessions: 2, wantUnique: 7000},
		{name: "duplicates across pages", records: 12000, fault: always(faultDuplicate), wantSessions: 1, wantUnique: 12000},
		{name: "duplicates in the session list", records: 12000, dups: 7, wantSessions: 1, wantUnique: 12000},
		{name: "capped", records: 60000, echo: true, wantSessions: 1, wantUnique: 50000, wantCapped: true},
		{name: "credible count over the cap stops after one page", records: 60000, wantSessions: 1, wantUnique: 5000, wantOversize: true},
		{name: "always bogus", records: 12000, fault: always(faultBogus), wantSessions: windowMaxAttempts,
			wantErr: "search window " + w.String() + ": no trustworthy session after " + strconv.Itoa(windowMaxAttempts) + " attempts"},
		{name: "forbidden is not refetched", records: 12000, fault: always(faultForbidden), wantSessions: 1,
			wantErr: "search window " + w.String() + ": "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, s := searcherAt(k, spread("r", k.n(tc.records), w.Start, w.End), 1)
			f.echoCount, f.sessDups, f.fault = tc.echo, tc.dups, tc.fault
			s.defaults()
			out := s.fetchWindow(context.Background(), Query{Start: w.Start, End: w.End}, w)
			_, sessions, _ := f.stats()
			if sessions != tc.wantSessions {
				t.Errorf("sessions = %d, want %d", sessions, tc.wantSessions)
			}
			if tc.wantErr != "" {
				if out.err == nil || !strings.Contains(out.err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", out.err, tc.wantErr)
				}
				return
			}
			if out.err != nil {
				t.Fatal(out.err)
			}
			if got := uniqueIDs(out.rows); got != k.n(tc.wantUnique) {
				t.Errorf("unique rows = %d, want %d", got, k.n(tc.wantUnique))
			}
			if out.capped != tc.wantCapped || out.oversize != tc.wantOversize {
				t.Errorf("capped, oversize = %v, %v; want %v, %v", out.capped, out.oversize, tc.wantCapped, tc.wantOversize)
			}
		})
	}
}

func TestFetchWindowCappedEstimate(t *testing.T) { testFetchWindowCappedEstimate(t, 10) }

func TestFetchWindowCappedEstimateFullScale(t *testing.T) { testFetchWindowCappedEstimate(t, 1) }

func testFetchWindowCappedEstimate(t *testing.T, k scale) {
	w := Window{Start: testEpoch, End: testEpoch.Add(time.Hour)}
	for _, tc := range []struct {
		name string
		echo bool
		want int
	}{
		{name: "honest ResultCount", want: k.n(90000)},
		{name: "echoed ResultCount", echo: true, want: 2 * k.n(sessionRowCap)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, s := searcherAt(k, spread("r", k.n(90000), w.Start, w.End), 1)
			f.echoCount = tc.echo
			s.defaults()
			out := s.fetchWindow(context.Background(), Query{}, w)
			// A credible claim stops the session after one page (oversize), an echoed one
			// runs it to the cap.
			if !(out.capped || out.oversize) || out.estimate != tc.want {
				t.Errorf("capped %v oversize %v estimate %d, want one of them, %d", out.capped, out.oversize, out.estimate, tc.want)
			}
		})
	}
}

func TestSessionRecoverable(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"session lost", fmt.Errorf("x: %w", ErrSessionLost), true},
		{"network", errors.New("connection reset"), true},
		{"403", &APIError{Status: 403}, false},
		{"401", &APIError{Status: 401}, false},
		{"429", &APIError{Status: 429}, true},
		{"503 after retries", &RetryError{Attempts: 5, Err: &APIError{Status: 503}}, true},
		{"page too large", &PageTooLargeError{Limit: 1}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := !msclient.Classify(tc.err).Fatal; got != tc.want {
				t.Errorf("recoverable(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}

func TestNewSessionUUID(t *testing.T) {
	a, b := newSessionUUID(), newSessionUUID()
	if a == b || len(a) != 36 || a[14] != '4' || strings.Count(a, "-") != 4 {
		t.Errorf("newSessionUUID() = %q, %q", a, b)
	}
}
