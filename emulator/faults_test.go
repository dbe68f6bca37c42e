package emulator

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// rawInvoke posts a search and returns the response, its body, or the transport error.
func (e *Emulator) rawInvoke(t *testing.T, token string, params map[string]any) (*http.Response, []byte, error) {
	t.Helper()
	body, err := json.Marshal(map[string]any{"CmdletInput": map[string]any{"CmdletName": searchCmdlet, "Parameters": params}})
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, e.URL()+"/adminapi/beta/"+e.Organization()+"/InvokeCommand", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.HTTPClient().Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

func TestEachFault(t *testing.T) {
	e := setup(t, Options{Records: 500, Days: 1, Seed: 8})
	tok := e.accessToken(t, 0)
	first, last := e.TimeRange()
	p := with(window(first, last.Add(time.Second)), "ResultSize", 10)
	cases := []struct {
		fault  string
		status int
		check  func(t *testing.T, resp *http.Response, body []byte)
	}{
		{FaultThrottle, 429, func(t *testing.T, resp *http.Response, _ []byte) {
			require.Equal(t, "1", resp.Header.Get("Retry-After"))
		}},
		{FaultThrottleNoRetryAfter, 429, func(t *testing.T, resp *http.Response, _ []byte) {
			require.Equal(t, "", resp.Header.Get("Retry-After"))
		}},
		{FaultConcurrency, 429, func(t *testing.T, _ *http.Response, body []byte) {
			require.True(t, strings.Contains(string(body), "maximum number of concurrent requests per tenant"), "%s", body)
		}},
		{FaultServerError, 500, func(t *testing.T, _ *http.Response, body []byte) {
			var eb exoError
			require.NoError(t, json.Unmarshal(body, &eb))
			require.True(t, eb.Error.Code != "" && eb.Error.Message != "", "%s", body)
		}},
		{FaultBadGateway, 502, nil},
		{FaultUnavailable, 503, nil},
		{FaultGatewayTimeout, 504, nil},
		{FaultTruncate, 200, func(t *testing.T, _ *http.Response, body []byte) {
			require.True(t, len(body) > 10 && !json.Valid(body), "body should be cut mid-JSON: %s", body)
		}},
		{FaultBogusPage, 200, func(t *testing.T, _ *http.Response, body []byte) {
			var page struct{ Value []row }
			require.NoError(t, json.Unmarshal(body, &page))
			require.Equal(t, 10, len(page.Value))
			for _, r := range page.Value {
				require.Equal(t, -1, r.index())
				require.Equal(t, 0, r.count())
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.fault, func(t *testing.T) {
			e.InjectNext(tc.fault)
			resp, body, err := e.rawInvoke(t, tok, p)
			require.NoError(t, err)
			require.Equal(t, tc.status, resp.StatusCode, "%s", body)
			if tc.check != nil {
				tc.check(t, resp, body)
			}
			require.Equal(t, 1, e.Stats().Faults[tc.fault])
			// The next call is clean.
			resp, body, err = e.rawInvoke(t, tok, p)
			require.NoError(t, err)
			require.Equal(t, 200, resp.StatusCode, "%s", body)
		})
	}
	t.Run(FaultReset, func(t *testing.T) {
		e.InjectNext(FaultReset)
		_, _, err := e.rawInvoke(t, tok, p)
		require.True(t, err != nil, "a reset connection must fail the call")
		require.Equal(t, 1, e.Stats().Faults[FaultReset])
	})
	t.Run(FaultReset+" over HTTP/1.1", func(t *testing.T) {
		h1 := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: e.CertPool()}}}
		body, _ := json.Marshal(map[string]any{"CmdletInput": map[string]any{"CmdletName": searchCmdlet, "Parameters": p}})
		post := func() (*http.Response, error) {
			req, _ := http.NewRequest(http.MethodPost, e.URL()+"/adminapi/beta/"+e.Organization()+"/InvokeCommand", bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+tok)
			return h1.Do(req)
		}
		e.InjectNext(FaultReset)
		_, err := post()
		require.True(t, err != nil, "a reset connection must fail the call")
		resp, err := post()
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, "HTTP/1.1", resp.Proto)
		require.Equal(t, 200, resp.StatusCode)
	})
}

func TestDuplicateAndBogusPagesInSessions(t *testing.T) {
	// Ideal: the loop ends on a short page, and a session past its end would restart in live (L9).
	e := setup(t, Options{Records: 500, Days: 1, Seed: 8, Profile: ProfileIdeal})
	tok := e.accessToken(t, 0)
	first, last := e.TimeRange()
	total := len(e.GroundTruth(Query{Start: first, End: last.Add(time.Second)}))
	session := func(id string) map[string]any {
		return with(window(first, last.Add(time.Second)), "ResultSize", 100, "SessionId", id, "SessionCommand", "ReturnLargeSet")
	}
	t.Run("duplicate repeats rows of the previous page", func(t *testing.T) {
		p := session("dup")
		page1 := e.fullPage(t, tok, p)
		e.InjectNext(FaultDuplicate)
		page2 := e.fullPage(t, tok, p)
		require.Equal(t, 100, len(page2), "a page with duplicates is still full")
		inFirst := map[string]bool{}
		for _, r := range page1 {
			inFirst[r.Identity] = true
		}
		repeated := 0
		for _, r := range page2 {
			if inFirst[r.Identity] {
				repeated++
			}
		}
		require.Equal(t, 20, repeated)
		rows := len(page1) + len(page2)
		for {
			page := e.fullPage(t, tok, p)
			rows += len(page)
			if len(page) < 100 {
				break
			}
		}
		require.Equal(t, total+20, rows)
	})
	t.Run("bogus pages: ResultIndex -1, then empty mid-session", func(t *testing.T) {
		p := session("bogus")
		require.Equal(t, 100, len(e.fullPage(t, tok, p)))
		e.InjectNext(FaultBogusPage, FaultBogusPage)
		bogus := e.fullPage(t, tok, p)
		require.Equal(t, 100, len(bogus))
		require.Equal(t, -1, bogus[0].index())
		require.Equal(t, 0, len(e.fullPage(t, tok, p)), "an empty page mid-session")
		next := e.fullPage(t, tok, p)
		require.Equal(t, 301, next[0].index(), "the rows of both pages are lost to the session")
	})
}

func TestFaultRatesAreSeededAndDeterministic(t *testing.T) {
	statuses := func(seed int64) []int {
		e := setup(t, Options{Records: 50, Days: 1, Seed: seed, Faults: map[string]float64{FaultServerError: 0.3, FaultThrottle: 0.1}})
		tok := e.accessToken(t, 0)
		first, last := e.TimeRange()
		var out []int
		for range 100 {
			resp, _, err := e.rawInvoke(t, tok, with(window(first, last.Add(time.Second)), "ResultSize", 1))
			require.NoError(t, err)
			out = append(out, resp.StatusCode)
		}
		return out
	}
	a, b := statuses(5), statuses(5)
	require.Equal(t, a, b)
	count := map[int]int{}
	for _, s := range a {
		count[s]++
	}
	require.True(t, count[500] >= 15 && count[500] <= 45 && count[429] >= 3 && count[429] <= 20, "%v", count)
}

func TestNoFaultsByDefault(t *testing.T) {
	// Ideal: 8 pages of 50 run past the session's end, where live starts over (L9).
	e := setup(t, Options{Records: 300, Days: 1, Profile: ProfileIdeal})
	tok := e.accessToken(t, 0)
	first, last := e.TimeRange()
	p := with(window(first, last.Add(time.Second)), "ResultSize", 50, "SessionId", "clean", "SessionCommand", "ReturnLargeSet")
	seen := map[string]bool{}
	for range 8 {
		for _, r := range e.fullPage(t, tok, p) {
			require.True(t, !seen[r.Identity], "duplicate %s without faults", r.Identity)
			seen[r.Identity] = true
		}
	}
	require.Equal(t, 0, len(e.Stats().Faults))
}

func TestLatencyAndTenantConcurrency(t *testing.T) {
	e := setup(t, Options{Records: 50, Days: 1, Latency: time.Second, TenantConcurrency: 2})
	tok := e.accessToken(t, 0)
	first, last := e.TimeRange()
	p := with(window(first, last.Add(time.Second)), "ResultSize", 1)
	start := time.Now()
	resp, _, err := e.rawInvoke(t, tok, p)
	require.NoError(t, err)
	require.Equal(t, 200, resp.StatusCode)
	require.True(t, time.Since(start) >= time.Second, "latency not applied")

	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	var bodies []string
	ready := make(chan struct{})
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-ready
			resp, body, err := e.rawInvoke(t, tok, p)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				codes[-1]++
				return
			}
			codes[resp.StatusCode]++
			if resp.StatusCode == 429 {
				bodies = append(bodies, string(body))
			}
		}()
	}
	close(ready)
	wg.Wait()
	// Arrival times vary on a loaded machine; what must hold is that the limit was enforced.
	require.True(t, codes[200] >= 2 && codes[429] >= 1 && codes[200]+codes[429] == 6, "%v", codes)
	for _, b := range bodies {
		require.True(t, strings.Contains(b, "maximum number of concurrent requests per tenant"), b)
	}
	require.Equal(t, 2, e.Stats().MaxInFlight)
}

func TestUnknownFaultIsRefused(t *testing.T) {
	_, err := Start(Options{Records: 1, Faults: map[string]float64{"meteor": 0.5}})
	require.True(t, err != nil && strings.Contains(err.Error(), "meteor"), "%v", err)
	_, err = Start(Options{Records: 1, Faults: map[string]float64{FaultServerError: 0.7, FaultThrottle: 0.6}})
	require.True(t, err != nil, "rates above 1 in total")
}
