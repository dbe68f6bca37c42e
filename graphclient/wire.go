package graphclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/o365auditlog/o365auditlog/msclient"
)

// reader consumes a 2xx response body.
type reader func(body []byte) error

// send makes one Graph request under the retry policy (429 with Retry-After, 5xx, broken
// connections; never other 4xx): token, request, one fresh token after a 401, the answer
// checked and read. calls counts the HTTP requests made.
func (c *Client) send(ctx context.Context, calls *atomic.Int64, method, target string, body []byte, read reader) error {
	return c.retry.Do(ctx, "Graph "+method, func(ctx context.Context) error {
		return c.sendOnce(ctx, calls, method, target, body, read)
	})
}

// sendOnce is one attempt: token, request, and on a 401 one more try with a new credential.
func (c *Client) sendOnce(ctx context.Context, calls *atomic.Int64, method, target string, body []byte, read reader) error {
	tok, gen, err := c.cred.Token(ctx)
	if err != nil {
		return err
	}
	err = c.exchange(ctx, calls, method, target, body, tok, read)
	var apiErr *msclient.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusUnauthorized {
		return err
	}
	if err := c.cred.Refresh(gen); err != nil {
		return err
	}
	if tok, _, err = c.cred.Token(ctx); err != nil {
		return err
	}
	return c.exchange(ctx, calls, method, target, body, tok, read)
}

// exchange is one HTTP request and its checked answer. A 403 is the app lacking
// AuditLogsQuery.Read.All (*msclient.MissingPermissionError, with the token's roles).
func (c *Client) exchange(ctx context.Context, calls *atomic.Int64, method, target string, body []byte, token string, read reader) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return err
	}
	requestID := uuid.NewString()
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("client-request-id", requestID)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	calls.Add(1)
	started := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		return msclient.RequestTimeout(ctx, err, c.http.Timeout)
	}
	defer func() {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) //nolint:errcheck // drain for keep-alive
		resp.Body.Close()
	}()
	c.log.LogAttrs(ctx, slog.LevelDebug, "Graph", slog.String("method", method), slog.String("path", req.URL.Path),
		slog.Int("status", resp.StatusCode), slog.Duration("took", time.Since(started)), slog.String("request_id", requestID))
	if err := msclient.CheckResponse(resp, graph, requestID); err != nil {
		scrubToken(err, token)
		if resp.StatusCode == http.StatusForbidden {
			return forbidden(token, err)
		}
		return err
	}
	if read == nil {
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, c.opts.MaxPageBytes+1))
	if err != nil {
		return err // a broken connection: retried
	}
	if int64(len(b)) > c.opts.MaxPageBytes {
		return &msclient.PageTooLargeError{Limit: c.opts.MaxPageBytes}
	}
	return read(b)
}

// forbidden explains a 403 with the permissions the token carries (unknown when its
// claims cannot be read).
func forbidden(token string, refusal error) error {
	e := &msclient.MissingPermissionError{Service: msclient.SourceGraph, Permission: msclient.PermissionAuditLogsQuery, Err: refusal}
	roles, err := msclient.TokenRoles(token)
	if err != nil {
		return e
	}
	e.Have = append([]string{}, roles...)
	if slices.Contains(roles, msclient.PermissionAuditLogLegacy) {
		e.Legacy = msclient.PermissionAuditLogLegacy
	}
	return e
}

// scrubToken removes the exact access token from an error a service echoed it into
// (msclient.Redact already catches the Bearer and JWT shapes).
func scrubToken(err error, token string) {
	var apiErr *msclient.APIError
	if token != "" && errors.As(err, &apiErr) {
		apiErr.Message = strings.ReplaceAll(apiErr.Message, token, "[redacted]")
		apiErr.Code = strings.ReplaceAll(apiErr.Code, token, "[redacted]")
	}
}

// decodeInto is a reader that decodes the body into v; an undecodable 2xx body is a
// *msclient.DecodeError (retried: the usual cause is a connection cut mid-body).
func decodeInto(v any) reader {
	return func(b []byte) error {
		if err := json.Unmarshal(b, v); err != nil {
			return &msclient.DecodeError{Err: err}
		}
		return nil
	}
}

// apiStatus is the HTTP status of an *msclient.APIError in err's chain, or 0.
func apiStatus(err error) int {
	var apiErr *msclient.APIError
	if errors.As(err, &apiErr) {
		return apiErr.Status
	}
	return 0
}

func itoa(n int) string { return strconv.Itoa(n) }

// asAPIError is errors.As for *msclient.APIError.
func asAPIError(err error, target **msclient.APIError) bool { return errors.As(err, target) }
