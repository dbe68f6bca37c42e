package emulator

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// liveBody is a 200 body of the live profile, decoded loosely so that absent keys show.
type liveBody struct {
	keys     map[string]json.RawMessage
	warnings []string
	rows     []map[string]any
	nextLink string
}

func decodeLive(t *testing.T, raw []byte) liveBody {
	t.Helper()
	var b liveBody
	require.NoError(t, json.Unmarshal(raw, &b.keys), "%s", raw)
	if w, ok := b.keys["@adminapi.warnings"]; ok {
		require.NoError(t, json.Unmarshal(w, &b.warnings))
	}
	if v, ok := b.keys["value"]; ok {
		require.NoError(t, json.Unmarshal(v, &b.rows))
	}
	if l, ok := b.keys["@odata.nextLink"]; ok {
		require.NoError(t, json.Unmarshal(l, &b.nextLink))
	}
	return b
}

// liveError is a live L5 error body.
type liveError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Details []struct {
			Message string `json:"message"`
		} `json:"details"`
		InnerError *struct {
			InternalException struct {
				Message string `json:"message"`
				Type    string `json:"type"`
			} `json:"internalexception"`
		} `json:"innererror"`
		Warnings []string `json:"@adminapi.warnings"`
	} `json:"error"`
}

// text is the useful text of an L5 body, and the exception type it names.
func (le liveError) text() (string, string) {
	if ie := le.Error.InnerError; ie != nil {
		return ie.InternalException.Message, ie.InternalException.Type
	}
	if len(le.Error.Details) > 0 {
		m := le.Error.Details[0].Message
		if parts := strings.SplitN(m, "|", 3); len(parts) == 3 && parts[0] == "" {
			return parts[2], parts[1]
		}
		return m, ""
	}
	return "", ""
}

func decodeLiveError(t *testing.T, raw []byte) liveError {
	t.Helper()
	var le liveError
	require.NoError(t, json.Unmarshal(raw, &le), "%s", raw)
	assert.Equal(t, "Invalid Operation", le.Error.Message)
	assert.NotNil(t, le.Error.Warnings, "@adminapi.warnings is present in error bodies: %s", raw)
	return le
}

func largeSet(p map[string]any, id string, size int) map[string]any {
	return with(p, "ResultSize", size, "SessionId", id, "SessionCommand", "ReturnLargeSet")
}

func TestLiveIsTheDefault(t *testing.T) {
	e := setup(t, Options{Records: 1})
	assert.Equal(t, ProfileLive, e.opts.Profile)
	assert.Equal(t, DefaultNonSessionCap, e.opts.NonSessionCap)
	assert.Equal(t, DefaultPageSize, e.opts.PageSize)
	assert.Equal(t, ContinuationsRefused, e.opts.Continuations)
	assert.Equal(t, DefaultSlowDelay, e.opts.SlowDelay)

	ideal := setup(t, Options{Records: 1, Profile: ProfileIdeal})
	assert.Equal(t, 0, ideal.opts.PageSize, "ideal does not split calls unless asked")
	assert.Equal(t, ContinuationsOK, ideal.opts.Continuations)

	for _, o := range []Options{{Records: 1, Profile: "real"}, {Records: 1, Continuations: "sometimes"}} {
		_, err := Start(o)
		assert.Error(t, err, "%+v", o)
	}
}

func TestLiveNonSessionCap(t *testing.T) {
	cases := []struct {
		name       string
		cap        int
		resultSize int
		rows       int
		capped     int
	}{
		{"default cap of 120", 0, 500, 120, 1},
		{"under the cap", 0, 80, 80, 0},
		{"chosen cap", 30, 5000, 30, 1},
		{"no cap", -1, 700, 700, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := setup(t, Options{Records: 1500, Days: 1, Seed: 31, NonSessionCap: tc.cap})
			first, last := e.TimeRange()
			q := Query{Start: first, End: last.Add(time.Second)}
			truth := e.GroundTruth(q)
			require.Greater(t, len(truth), tc.rows)
			res := e.invoke1(t, e.accessToken(t, 0), with(window(q.Start, q.End), "ResultSize", tc.resultSize))
			require.Equal(t, http.StatusOK, res.Status, "%s", res.Raw)
			assert.Empty(t, res.NextLink)
			assert.Equal(t, truth[:tc.rows], ids(res.Rows), "the newest rows, newest first")
			for _, r := range res.Rows {
				assert.Equal(t, tc.resultSize, r.count(), "ResultCount echoes ResultSize")
			}
			assert.Equal(t, tc.capped, e.Stats().NonSessionCapped)
		})
	}
}

func TestLiveEnvelopeSidecarsAndDates(t *testing.T) {
	e := setup(t, Options{Records: 300, Days: 1, Seed: 32})
	tok := e.accessToken(t, 0)
	first, last := e.TimeRange()
	res := e.invoke1(t, tok, with(window(first, last.Add(time.Second)), "ResultSize", 5))
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Raw)
	b := decodeLive(t, res.Raw)
	assert.Contains(t, string(b.keys["@odata.context"]), "$metadata#Collection(Exchange.GenericHashTable)")
	assert.JSONEq(t, `"#Collection(String)"`, string(b.keys["adminapi.warnings@odata.type"]))
	assert.Equal(t, []string{}, b.warnings)
	require.Len(t, b.rows, 5)
	sevenDigits := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$`)
	for _, r := range b.rows {
		assert.Equal(t, "#DateTime", r["CreationDate@odata.type"])
		assert.Equal(t, "#Int32", r["ResultIndex@odata.type"])
		assert.Equal(t, "#Int32", r["ResultCount@odata.type"])
		assert.Regexp(t, sevenDigits, r["CreationDate"])
		text, ok := e.Record(r["Identity"].(string))
		require.True(t, ok)
		assert.Equal(t, string(text), r["AuditData"], "records are byte-exact")
	}

	t.Run("an empty result has no value", func(t *testing.T) {
		res := e.invoke1(t, tok, window(first.Add(-48*time.Hour), first.Add(-47*time.Hour)))
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Raw)
		b := decodeLive(t, res.Raw)
		assert.NotContains(t, b.keys, "value", "%s", res.Raw)
		assert.Contains(t, b.keys, "@adminapi.warnings")
	})
	t.Run("ideal keeps value:[] and no annotations", func(t *testing.T) {
		ideal := setup(t, Options{Records: 300, Days: 1, Seed: 32, Profile: ProfileIdeal})
		first, last := ideal.TimeRange()
		itok := ideal.accessToken(t, 0)
		res := ideal.invoke1(t, itok, window(first.Add(-48*time.Hour), first.Add(-47*time.Hour)))
		assert.JSONEq(t, `[]`, string(decodeLive(t, res.Raw).keys["value"]))
		res = ideal.invoke1(t, itok, with(window(first, last.Add(time.Second)), "ResultSize", 1))
		assert.NotContains(t, string(res.Raw), "@odata.type")
		assert.NotContains(t, string(res.Raw), "adminapi.warnings")
	})
}

func TestLiveRefusedContinuations(t *testing.T) {
	e := setup(t, Options{Records: 1200, Days: 1, Seed: 33, PageSize: 100})
	tok := e.accessToken(t, 0)
	first, last := e.TimeRange()
	p := largeSet(window(first, last.Add(time.Second)), "refused-1", 250)
	res := e.invoke1(t, tok, p)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Raw)
	b := decodeLive(t, res.Raw)
	assert.Len(t, b.rows, 100)
	assert.Equal(t, []string{moreResultsWarning}, b.warnings)
	require.True(t, strings.HasPrefix(b.nextLink, e.URL()+"/adminapi/beta/"+e.Organization()+"/InvokeCommand?$skiptoken="), b.nextLink)

	cont := e.invokeAt(t, tok, b.nextLink, p)
	require.Equal(t, http.StatusBadRequest, cont.Status, "%s", cont.Raw)
	text, _ := decodeLiveError(t, cont.Raw).text()
	assert.Equal(t, paginationRefused, text)
	assert.Equal(t, 1, e.Stats().RefusedContinuations)

	next := e.invoke1(t, tok, p)
	require.Equal(t, http.StatusOK, next.Status)
	assert.Equal(t, 251, next.Rows[0].index(), "the session moved past the whole call: rows 101–250 are lost")

	t.Run("continuations ok", func(t *testing.T) {
		ok := setup(t, Options{Records: 1200, Days: 1, Seed: 33, PageSize: 100, Continuations: ContinuationsOK})
		rows := ok.fullPage(t, ok.accessToken(t, 0), p)
		assert.Len(t, rows, 250)
		assert.Equal(t, 0, ok.Stats().RefusedContinuations)
	})
	t.Run("ideal does not split by default", func(t *testing.T) {
		ideal := setup(t, Options{Records: 3000, Days: 1, Seed: 33, Profile: ProfileIdeal})
		first, last := ideal.TimeRange()
		res := ideal.invoke1(t, ideal.accessToken(t, 0), with(window(first, last.Add(time.Second)), "ResultSize", 2500))
		assert.Len(t, res.Rows, 2500)
		assert.Empty(t, res.NextLink)
	})
}

// TestLivePreferIgnored: a client asking for smaller pages with Prefer still gets PageSize.
func TestLivePreferIgnored(t *testing.T) {
	e := setup(t, Options{Records: 500, Days: 1, Seed: 34, PageSize: 100, NonSessionCap: -1})
	first, last := e.TimeRange()
	body := fmt.Sprintf(`{"CmdletInput":{"CmdletName":"Search-UnifiedAuditLog","Parameters":{"StartDate":%q,"EndDate":%q,"ResultSize":300}}}`,
		first.Format(time.RFC3339), last.Add(time.Second).Format(time.RFC3339))
	req, err := http.NewRequest(http.MethodPost, e.URL()+"/adminapi/beta/"+e.Organization()+"/InvokeCommand", strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+e.accessToken(t, 0))
	req.Header.Set("Prefer", "odata.maxpagesize=10")
	resp, err := e.HTTPClient().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var b struct{ Value []json.RawMessage }
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&b))
	assert.Len(t, b.Value, 100)
}

func TestLiveErrorBodies(t *testing.T) {
	now := time.Now().UTC()
	e := setup(t, Options{Records: 100, Days: 1, Retention: 30 * 24 * time.Hour})
	tok := e.accessToken(t, 0)
	w := window(now.Add(-time.Hour), now)

	t.Run("role-less app gets 32 NUL bytes", func(t *testing.T) {
		res := e.invoke1(t, e.accessToken(t, appNoRole), w)
		assert.Equal(t, http.StatusForbidden, res.Status)
		assert.Equal(t, make([]byte, 32), res.Raw)
	})
	t.Run("a parameter refusal has details only", func(t *testing.T) {
		res := e.invoke1(t, tok, with(w, "ResultSize", 0))
		require.Equal(t, http.StatusBadRequest, res.Status)
		le := decodeLiveError(t, res.Raw)
		assert.Nil(t, le.Error.InnerError)
		text, typ := le.text()
		assert.Contains(t, text, "less than the minimum allowed range of 1")
		assert.True(t, strings.HasPrefix(typ, "Microsoft.Exchange."), typ)
	})
	t.Run("retention has the internal exception only, with the real text", func(t *testing.T) {
		res := e.invoke1(t, tok, window(now.Add(-31*24*time.Hour), now))
		require.Equal(t, http.StatusBadRequest, res.Status)
		le := decodeLiveError(t, res.Raw)
		assert.Empty(t, le.Error.Details)
		text, _ := le.text()
		assert.Regexp(t, `^Audit log search argument startDate should be after \d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d\d:\d\d [AP]M UTC\.$`, text)
	})
	for _, name := range []string{"UserIds", "Operations", "IPAddresses", "ObjectIds"} {
		t.Run(name+" as a string is refused", func(t *testing.T) {
			res := e.invoke1(t, tok, with(w, name, "a,b"))
			require.Equal(t, http.StatusBadRequest, res.Status, "%s", res.Raw)
			le := decodeLiveError(t, res.Raw)
			require.NotNil(t, le.Error.InnerError)
			require.Len(t, le.Error.Details, 1)
			text, _ := le.text()
			assert.True(t, strings.HasPrefix(text, "Cannot process argument transformation on parameter '"+name+"'."), text)
			assert.Equal(t, http.StatusOK, e.invoke1(t, tok, with(w, name, []string{"a", "b"})).Status, "an array is fine")
		})
	}
}

func TestLiveRetentionText(t *testing.T) {
	now := time.Date(2019, 8, 28, 20, 58, 55, 0, time.UTC)
	e := setup(t, Options{Records: 10, Retention: 90 * 24 * time.Hour, Clock: func() time.Time { return now }})
	res := e.invoke1(t, e.accessToken(t, 0), window(now.Add(-100*24*time.Hour), now))
	require.Equal(t, http.StatusBadRequest, res.Status)
	text, _ := decodeLiveError(t, res.Raw).text()
	assert.Equal(t, "Audit log search argument startDate should be after 5/30/2019 8:58:55 PM UTC.", text)
}

func TestLiveFaults(t *testing.T) {
	e := setup(t, Options{Records: 400, Days: 1, Seed: 35, SlowDelay: 300 * time.Millisecond})
	tok := e.accessToken(t, 0)
	first, last := e.TimeRange()
	w := window(first, last.Add(time.Second))

	t.Run(FaultCanceled, func(t *testing.T) {
		p := largeSet(w, "canceled", 50)
		e.InjectNext(FaultCanceled)
		res := e.invoke1(t, tok, p)
		require.Equal(t, http.StatusOK, res.Status)
		b := decodeLive(t, res.Raw)
		assert.NotContains(t, b.keys, "value")
		assert.Equal(t, []string{canceledWarning}, b.warnings)
		assert.Equal(t, 1, e.Stats().Faults[FaultCanceled])
		next := e.invoke1(t, tok, p)
		assert.Equal(t, 1, next.Rows[0].index(), "the session did not advance")
	})
	t.Run(FaultTransient, func(t *testing.T) {
		p := largeSet(w, "transient", 50)
		e.InjectNext(FaultTransient, FaultTransient, FaultTransient)
		want := []struct {
			status int
			typ    string
		}{
			{400, "DCOverloadedException"}, {500, "SuitabilityDirectoryException"}, {400, "ServerInMMException"},
		}
		for _, w := range want {
			res := e.invoke1(t, tok, p)
			require.Equal(t, w.status, res.Status, "%s", res.Raw)
			_, typ := decodeLiveError(t, res.Raw).text()
			assert.True(t, strings.HasSuffix(typ, "."+w.typ), typ)
		}
		assert.Equal(t, 3, e.Stats().Faults[FaultTransient])
		next := e.invoke1(t, tok, p)
		assert.Equal(t, 1, next.Rows[0].index(), "the session did not advance")
	})
	t.Run(FaultSlow, func(t *testing.T) {
		e.InjectNext(FaultSlow)
		start := time.Now()
		res := e.invoke1(t, tok, with(w, "ResultSize", 3))
		assert.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond)
		assert.Equal(t, http.StatusOK, res.Status)
		assert.Len(t, res.Rows, 3)
		assert.Equal(t, 1, e.Stats().Faults[FaultSlow])
	})
	t.Run(FaultSlow+" honours a client going away", func(t *testing.T) {
		slow := setup(t, Options{Records: 10, SlowDelay: time.Hour})
		stok := slow.accessToken(t, 0)
		slow.InjectNext(FaultSlow)
		body := `{"CmdletInput":{"CmdletName":"Search-UnifiedAuditLog","Parameters":{"StartDate":"2020-01-01","EndDate":"2020-01-02"}}}`
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, slow.URL()+"/adminapi/beta/"+slow.Organization()+"/InvokeCommand", strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+stok)
		_, err = slow.HTTPClient().Do(req)
		require.Error(t, err)
		// The server let the call go: the next one is answered at once.
		start := time.Now()
		assert.Equal(t, http.StatusOK, slow.invoke1(t, stok, map[string]any{"StartDate": "2020-01-01", "EndDate": "2020-01-02"}).Status)
		assert.Less(t, time.Since(start), 30*time.Second)
	})
	t.Run("new faults come after the old ones", func(t *testing.T) {
		n := len(FaultNames)
		assert.Equal(t, []string{FaultTokenError, FaultCanceled, FaultTransient, FaultSlow, FaultGraphFail, FaultGraphThrottle}, FaultNames[n-6:])
	})
	t.Run("rates draw the new faults", func(t *testing.T) {
		f := setup(t, Options{Records: 50, Days: 1, Seed: 36, Faults: map[string]float64{FaultCanceled: 0.3, FaultTransient: 0.3}})
		ftok := f.accessToken(t, 0)
		first, last := f.TimeRange()
		for range 40 {
			f.invoke1(t, ftok, with(window(first, last.Add(time.Second)), "ResultSize", 1))
		}
		st := f.Stats()
		assert.Positive(t, st.Faults[FaultCanceled])
		assert.Positive(t, st.Faults[FaultTransient])
	})
}

func TestLiveSessionRestartsPastItsEnd(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	recs := make([]json.RawMessage, 0, 5)
	for i := range 5 {
		recs = append(recs, fixedRecord(fmt.Sprintf("r%d", i), t0.Add(time.Duration(i)*time.Minute), "UserLoggedIn", "u@x", "1.1.1.1"))
	}
	cases := []struct {
		name    string
		records int
		size    int
		sizes   []int
		firsts  []int
	}{
		{"short last page, then a restart", 5, 2, []int{2, 2, 1, 2, 2}, []int{1, 3, 5, 1, 3}},
		{"full last page, then a restart", 4, 2, []int{2, 2, 2, 2}, []int{1, 3, 1, 3}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := setup(t, Options{DatasetRecords: recs[:tc.records]})
			tok := e.accessToken(t, 0)
			p := largeSet(window(t0, t0.Add(time.Hour)), "restart", tc.size)
			var sizes, firsts []int
			seen := map[string]int{}
			for range tc.sizes {
				res := e.invoke1(t, tok, p)
				require.Equal(t, http.StatusOK, res.Status)
				sizes = append(sizes, len(res.Rows))
				firsts = append(firsts, res.Rows[0].index())
				for _, r := range res.Rows {
					seen[r.Identity]++
				}
			}
			assert.Equal(t, tc.sizes, sizes)
			assert.Equal(t, tc.firsts, firsts)
			assert.Len(t, seen, tc.records, "a restart returns rows already returned")
			assert.Equal(t, 1, e.Stats().SessionRestarts)
		})
	}
	t.Run("ideal answers an empty page", func(t *testing.T) {
		e := setup(t, Options{DatasetRecords: recs, Profile: ProfileIdeal})
		tok := e.accessToken(t, 0)
		p := largeSet(window(t0, t0.Add(time.Hour)), "end", 5)
		assert.Len(t, e.invoke1(t, tok, p).Rows, 5)
		res := e.invoke1(t, tok, p)
		assert.Empty(t, res.Rows)
		assert.JSONEq(t, `[]`, string(decodeLive(t, res.Raw).keys["value"]))
		assert.Equal(t, 0, e.Stats().SessionRestarts)
	})
}

// claimsOf decodes an access token's claims without checking it.
func claimsOf(t *testing.T, tok string) jwt.MapClaims {
	t.Helper()
	c := jwt.MapClaims{}
	_, _, err := jwt.NewParser().ParseUnverified(tok, c)
	require.NoError(t, err)
	return c
}

func TestTokensCarryRoles(t *testing.T) {
	for _, profile := range []string{ProfileLive, ProfileIdeal} {
		t.Run(profile, func(t *testing.T) {
			e := setup(t, Options{Records: 10, Profile: profile})
			for i, want := range map[int][]any{appReader: {PermissionManageAsApp}, appNoRole: {PermissionManageAsApp}, appNoGraph: {PermissionManageAsApp}} {
				assert.Equal(t, want, claimsOf(t, e.accessToken(t, i))["roles"], "app %d", i)
			}
			assert.Equal(t, []string{PermissionManageAsApp, PermissionAuditLogsQuery}, e.app(appReader).roles)
			assert.False(t, e.app(appNoRole).auditRole)
			assert.True(t, e.app(appNoGraph).auditRole)
			assert.NotContains(t, e.app(appNoGraph).roles, PermissionAuditLogsQuery)
		})
	}
}

func TestInvokeCommandChecksRolesAndAudience(t *testing.T) {
	for _, profile := range []string{ProfileLive, ProfileIdeal} {
		t.Run(profile, func(t *testing.T) {
			e := setup(t, Options{Records: 10, Profile: profile})
			now := time.Now()
			w := window(now.Add(-time.Hour), now)

			params, err := e.RegisterApp(AppSpec{Name: "no-manage-as-app", AuditRole: true})
			require.NoError(t, err)
			a := e.appByID(params["app_id"].(string))
			require.NotNil(t, a)
			status, body := e.tokenRequest(t, e.Organization(), e.tokenForm(a.clientID, e.buildAssertion(t, a, assertionSpec{})))
			require.Equal(t, http.StatusOK, status, "%v", body)
			tok := body["access_token"].(string)
			assert.Nil(t, claimsOf(t, tok)["roles"])
			res := e.invoke1(t, tok, w)
			assert.Equal(t, http.StatusUnauthorized, res.Status, "%s", res.Raw)
			assert.Contains(t, res.Header.Get("WWW-Authenticate"), PermissionManageAsApp)
			_, err = e.RegisterApp(AppSpec{Name: "no-manage-as-app"})
			assert.Error(t, err, "a name is registered once")

			forge := func(aud string) string {
				c := accessClaims{TenantID: e.tenant.id, AppID: e.app(appReader).clientID, Roles: []string{PermissionManageAsApp},
					RegisteredClaims: jwt.RegisteredClaims{Audience: jwt.ClaimStrings{aud}, ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour))}}
				s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(e.signingKey())
				require.NoError(t, err)
				return s
			}
			for aud, want := range map[string]int{
				"https://graph.microsoft.com": http.StatusUnauthorized,
				"https://vault.azure.net":     http.StatusUnauthorized,
				e.URL():                       http.StatusOK,
				exchangeResource:              http.StatusOK,
				exchangeAppID:                 http.StatusOK,
			} {
				assert.Equal(t, want, e.invoke1(t, forge(aud), w).Status, "audience %s", aud)
			}
		})
	}
}

func TestExchangeAppIDScope(t *testing.T) {
	e := setup(t, Options{Records: 1})
	a := e.app(appReader)
	form := e.tokenForm(a.clientID, e.buildAssertion(t, a, assertionSpec{}))
	form.Set("scope", exchangeAppID+"/.default")
	status, body := e.tokenRequest(t, e.Organization(), form)
	require.Equal(t, http.StatusOK, status, "%v", body)
	assert.Equal(t, []any{exchangeAppID}, claimsOf(t, body["access_token"].(string))["aud"])
}

func TestReusedAssertion(t *testing.T) {
	for profile, second := range map[string]int{ProfileLive: http.StatusOK, ProfileIdeal: http.StatusBadRequest} {
		t.Run(profile, func(t *testing.T) {
			e := setup(t, Options{Records: 1, Profile: profile})
			a := e.app(appReader)
			assertion := e.buildAssertion(t, a, assertionSpec{})
			status, body := e.tokenRequest(t, e.Organization(), e.tokenForm(a.clientID, assertion))
			require.Equal(t, http.StatusOK, status, "%v", body)
			status, body = e.tokenRequest(t, e.Organization(), e.tokenForm(a.clientID, assertion))
			assert.Equal(t, second, status, "%v", body)
		})
	}
}
