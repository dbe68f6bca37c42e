package emulator

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestTokenIssuedAndRevoke: the hook sees every access token issued; RevokeTokens makes the
// ones issued before it fail with 401 while new ones work.
func TestTokenIssuedAndRevoke(t *testing.T) {
	var mu sync.Mutex
	var issued []string
	e := setup(t, Options{Records: 10, TokenIssued: func(tok string) {
		mu.Lock()
		issued = append(issued, tok)
		mu.Unlock()
	}})
	now := time.Now()
	old := e.accessToken(t, 0)
	mu.Lock()
	require.Equal(t, []string{old}, issued)
	mu.Unlock()
	require.Equal(t, http.StatusOK, e.invoke1(t, old, window(now.Add(-time.Hour), now)).Status)

	e.RevokeTokens()
	require.Equal(t, http.StatusUnauthorized, e.invoke1(t, old, window(now.Add(-time.Hour), now)).Status)
	fresh := e.accessToken(t, 0)
	require.Equal(t, http.StatusOK, e.invoke1(t, fresh, window(now.Add(-time.Hour), now)).Status)
	mu.Lock()
	require.Equal(t, 2, len(issued))
	mu.Unlock()
}

// TestDropInjected: queued faults that no call met are forgotten.
func TestDropInjected(t *testing.T) {
	e := setup(t, Options{Records: 10})
	e.InjectNext(FaultServerError, FaultServerError)
	e.DropInjected()
	now := time.Now()
	require.Equal(t, http.StatusOK, e.invoke1(t, e.accessToken(t, 0), window(now.Add(-time.Hour), now)).Status)
}
