package emulator

// signingKey is the key access tokens are signed and checked with.
func (e *Emulator) signingKey() []byte {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.tokenKey
}

// RevokeTokens invalidates every access token issued so far, as a signing-key rollover or
// a revoked consent does: the next InvokeCommand call carrying one gets 401, and tokens
// issued afterwards work. Called from Options.TokenIssued it makes every token fail.
func (e *Emulator) RevokeTokens() {
	key := randomBytes(32)
	e.mu.Lock()
	e.tokenKey = key
	e.mu.Unlock()
}
