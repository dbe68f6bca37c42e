package exoclient

import (
	"github.com/o365auditlog/o365auditlog/auditsearch"

	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/o365auditlog/o365auditlog/msclient"
)

// cmdletName is the only cmdlet this client invokes.
const cmdletName = "Search-UnifiedAuditLog"

// anchorMailbox routes app-only InvokeCommand calls (what Connect-ExchangeOnline sends).
const anchorMailbox = "APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@"

// invokeBody is the InvokeCommand request body.
type invokeBody struct {
	CmdletInput struct {
		CmdletName string       `json:"CmdletName"`
		Parameters searchParams `json:"Parameters"`
	} `json:"CmdletInput"`
}

// searchParams are Search-UnifiedAuditLog's parameters on the wire; unset ones are omitted.
type searchParams struct {
	StartDate      string   `json:"StartDate"`
	EndDate        string   `json:"EndDate"`
	ResultSize     int      `json:"ResultSize,omitempty"`
	SessionID      string   `json:"SessionId,omitempty"`
	SessionCommand string   `json:"SessionCommand,omitempty"`
	RecordType     string   `json:"RecordType,omitempty"`
	FreeText       string   `json:"FreeText,omitempty"`
	IPAddresses    []string `json:"IPAddresses,omitempty"`
	Operations     []string `json:"Operations,omitempty"`
	UserIDs        []string `json:"UserIds,omitempty"`
	ObjectIDs      []string `json:"ObjectIds,omitempty"`
	// HighCompleteness is a switch: sent only when true.
	HighCompleteness bool `json:"HighCompleteness,omitempty"`
}

// requestBody encodes p; dates are RFC 3339 UTC to the second.
func requestBody(p SearchParams) ([]byte, error) {
	var b invokeBody
	b.CmdletInput.CmdletName = cmdletName
	b.CmdletInput.Parameters = searchParams{
		StartDate:        p.Start.UTC().Format(time.RFC3339),
		EndDate:          p.End.UTC().Format(time.RFC3339),
		ResultSize:       p.ResultSize,
		SessionID:        p.SessionID,
		RecordType:       p.RecordType,
		FreeText:         p.FreeText,
		IPAddresses:      p.IPAddresses,
		Operations:       p.Operations,
		UserIDs:          p.UserIDs,
		ObjectIDs:        p.ObjectIDs,
		HighCompleteness: p.HighCompleteness,
	}
	if p.LargeSet {
		b.CmdletInput.Parameters.SessionCommand = "ReturnLargeSet"
	}
	return json.Marshal(b)
}

// SearchPage makes one Search-UnifiedAuditLog call, following @odata.nextLink, with
// retries. For a large-set call (LargeSet with a SessionID) a failure after which the
// service may have advanced the session is not retried here: the error wraps
// ErrSessionLost and the caller fetches the window again with a new SessionID.
//
// A continuation (@odata.nextLink) only serves the rest of a call the service has already
// answered, so a transient failure on it is retried in place. If the link can no longer
// be fetched (live tenants refuse them at once, DESIGN §4b L4), the rest of the call is
// lost: the error is a *ContinuationRefusedError carrying the rows that did arrive and the
// size of the service's REST page (wrapped in ErrSessionLost for a session call).
//
// A 200 without rows whose warnings report a failure is a *WarningError (retried like a
// 503, L3); a session call the service says it cut short without a continuation has lost
// rows and fails with ErrSessionLost.
func (c *Client) SearchPage(ctx context.Context, p SearchParams) ([]auditsearch.Record, error) {
	body, err := requestBody(p)
	if err != nil {
		return nil, err
	}
	session := p.LargeSet && p.SessionID != ""
	rows, err := c.searchPageOnce(ctx, body, session)
	if err != nil && session {
		var refused *ContinuationRefusedError
		if errors.As(err, &refused) {
			return nil, &sessionLostError{err: refused}
		}
	}
	return rows, err
}

// searchPageOnce is one call and its continuations.
func (c *Client) searchPageOnce(ctx context.Context, body []byte, session bool) ([]auditsearch.Record, error) {
	target := c.ep.invokeURL(c.cfg.Organization)
	var (
		rows      []auditsearch.Record
		firstPage int
	)
	for links := 0; ; links++ {
		page, err := c.post(ctx, target, body, session && links == 0)
		if err != nil {
			// A continuation the service will not serve again (refused, or still failing
			// after its retries) loses the rest of the call; cancellation and credential or
			// permission failures end the whole call instead.
			if links > 0 && ctx.Err() == nil && !msclient.Classify(err).Auth {
				return nil, &ContinuationRefusedError{Rows: rows, PageRows: firstPage, Err: err}
			}
			return nil, err
		}
		if links == 0 {
			firstPage = len(page.rows)
		}
		rows = append(rows, page.rows...)
		if page.nextLink == "" {
			if session && cutShortWarning(page.warnings) {
				return nil, &sessionLostError{err: errCutShort}
			}
			return rows, nil
		}
		if links >= c.maxNext {
			return nil, fmt.Errorf("more than %d @odata.nextLink continuations in one call", c.maxNext)
		}
		var err2 error
		if target, err2 = c.sameOrigin(page.nextLink); err2 != nil {
			return nil, err2
		}
	}
}

// sameOrigin refuses a nextLink that would send the bearer token to another host.
func (c *Client) sameOrigin(link string) (string, error) {
	u, err := c.ep.exo.Parse(link)
	if err != nil || !strings.EqualFold(u.Scheme, c.ep.exo.Scheme) || !strings.EqualFold(u.Host, c.ep.exo.Host) {
		return "", fmt.Errorf("refusing @odata.nextLink to another origin (%s)", safeOrigin(u))
	}
	return u.String(), nil
}

func safeOrigin(u *url.URL) string {
	if u == nil {
		return "unparsable"
	}
	return u.Scheme + "://" + u.Host
}

// Ping gets a token, checks that it carries Exchange.ManageAsApp, and makes one cheap
// search (the last minute, one row): the connectivity and permission check behind
// test-module. Idle connections are closed when it returns, as after Search.
func (c *Client) Ping(ctx context.Context) error {
	defer c.http.CloseIdleConnections()
	// The token says whether the app holds Exchange.ManageAsApp (without it every call is
	// a bare 401); a token whose claims cannot be read is left to the call.
	if err := c.cred.RequirePermission(ctx, msclient.SourceExchange, msclient.PermissionManageAsApp, ""); err != nil && !errors.Is(err, msclient.ErrNoClaims) {
		return err
	}
	end := c.now().UTC().Truncate(time.Second)
	_, err := c.SearchPage(ctx, SearchParams{Start: end.Add(-time.Minute), End: end, ResultSize: 1})
	return err
}

// post sends body to target under the retry policy and decodes the page. In session mode
// only failures that certainly left the session untouched are retried: none once a 200
// body has arrived (a body that fails to decode or reports a failure may have advanced
// the session), which is what lets the caller send the session's next call as soon as
// the body is read (withAnswered). A continuation's body (not in session mode) is never
// reported so: its failures are retried in place.
func (c *Client) post(ctx context.Context, target string, body []byte, session bool) (wirePage, error) {
	if !session {
		ctx = withAnswered(ctx, nil)
	}
	var page wirePage
	err := c.retry.Do(ctx, cmdletName, func(ctx context.Context) error {
		if err := c.gate.enter(ctx); err != nil {
			return err
		}
		var err error
		page, err = c.postOnce(ctx, target, body)
		refused := concurrencyRefused(err)
		c.gate.leave(refused)
		if refused {
			c.log.Debug("the tenant refused a call for too many concurrent requests: fewer calls in flight from now on", "limit", c.gate.current())
		}
		if err != nil && session && msclient.Classify(err).MayHaveAdvanced {
			return &sessionLostError{err: err}
		}
		return err
	})
	return page, err
}

// postOnce is one attempt: token, POST, and on a 401 one more try with a new credential.
func (c *Client) postOnce(ctx context.Context, target string, body []byte) (wirePage, error) {
	tok, gen, err := c.cred.Token(ctx)
	if err != nil {
		return wirePage{}, err
	}
	page, err := c.exchange(ctx, target, body, tok)
	var apiErr *msclient.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusUnauthorized {
		return page, err
	}
	if err := c.cred.Refresh(gen); err != nil {
		return wirePage{}, err
	}
	if tok, _, err = c.cred.Token(ctx); err != nil {
		return wirePage{}, err
	}
	return c.exchange(ctx, target, body, tok)
}

// exchange is one HTTP request and its decoded answer. A 200 without rows whose warnings
// report a failure is a *WarningError (DESIGN §4b L3).
func (c *Client) exchange(ctx context.Context, target string, body []byte, token string) (wirePage, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return wirePage{}, err
	}
	requestID := uuid.NewString()
	h := req.Header
	h.Set("Authorization", "Bearer "+token)
	h.Set("Content-Type", "application/json")
	h.Set("Accept", "application/json")
	h.Set("X-CmdletName", cmdletName)
	h.Set("X-ResponseFormat", "json")
	h.Set("X-AnchorMailbox", anchorMailbox+c.cfg.Organization)
	h.Set("client-request-id", requestID)
	started := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		return wirePage{}, msclient.RequestTimeout(ctx, err, c.http.Timeout)
	}
	defer func() {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) //nolint:errcheck // drain for keep-alive
		resp.Body.Close()
	}()
	if err := msclient.CheckResponse(resp, exchange, requestID); err != nil {
		scrubToken(err, token)
		return wirePage{}, err
	}
	raw, err := readPage(resp.Body, c.maxPage)
	defer keepPageBuffer(raw)
	var page wirePage
	if err == nil {
		answered(ctx, raw)
		page, err = decodeBody(raw, c.maxPage)
	}
	c.log.LogAttrs(ctx, slog.LevelDebug, "InvokeCommand", slog.Int("status", resp.StatusCode),
		slog.Int("rows", len(page.rows)), slog.Bool("nextLink", page.nextLink != ""),
		slog.Any("warnings", page.warnings),
		slog.Duration("took", time.Since(started)), slog.String("request_id", requestID))
	if err != nil {
		return wirePage{}, err
	}
	if len(page.rows) == 0 && page.nextLink == "" {
		if failed := failureWarnings(page.warnings); len(failed) > 0 {
			return wirePage{}, &msclient.WarningError{Source: msclient.SourceExchange, Warnings: failed}
		}
	}
	return page, nil
}

// scrubToken removes the exact access token from an error a service echoed it into
// (redact already catches the Bearer and JWT shapes).
func scrubToken(err error, token string) {
	var apiErr *msclient.APIError
	if token != "" && errors.As(err, &apiErr) {
		apiErr.Message = strings.ReplaceAll(apiErr.Message, token, "[redacted]")
		apiErr.Code = strings.ReplaceAll(apiErr.Code, token, "[redacted]")
	}
}
