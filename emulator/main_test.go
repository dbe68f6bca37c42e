package emulator

import (
	"crypto/rand"
	"crypto/rsa"
	"os"
	"sync"
	"testing"
)

// TestMain hands out keys from a small pool: RSA generation would dominate every test's
// start-up. Consecutive calls get distinct keys, so the two apps of one emulator differ.
func TestMain(m *testing.M) {
	var pool []*rsa.PrivateKey
	for range 6 {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		pool = append(pool, k)
	}
	var mu sync.Mutex
	next := 0
	newAppKey = func() (*rsa.PrivateKey, error) {
		mu.Lock()
		defer mu.Unlock()
		next++
		return pool[next%len(pool)], nil
	}
	os.Exit(m.Run())
}
