package integration

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// Store is the engine-side state a host keeps for a plugin: the last run and the
// integration context. The zero value is empty and ready to use.
type Store struct {
	mu                 sync.Mutex
	lastRun            map[string]any
	integrationContext map[string]any
}

// storeFile is the on-disk form of a Store.
type storeFile struct {
	LastRun            map[string]any `json:"lastRun"`
	IntegrationContext map[string]any `json:"integrationContext"`
}

// LoadStore reads a state file written by Save; a missing file is an empty store.
func LoadStore(path string) (*Store, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &Store{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read state file: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var f storeFile
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("state file %s is not a JSON object with lastRun and integrationContext: %w", path, err)
	}
	return &Store{lastRun: f.LastRun, integrationContext: f.IntegrationContext}, nil
}

// Save writes the store to path atomically (a temporary file renamed over it).
func (s *Store) Save(path string) error {
	s.mu.Lock()
	f := storeFile{LastRun: orEmpty(s.lastRun), IntegrationContext: orEmpty(s.integrationContext)}
	s.mu.Unlock()
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".state-*")
	if err != nil {
		return fmt.Errorf("write state file: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("write state file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write state file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write state file: %w", err)
	}
	return nil
}

// LastRun returns the stored last run ({} if none).
func (s *Store) LastRun() map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return orEmpty(s.lastRun)
}

// IntegrationContext returns the stored integration context ({} if none).
func (s *Store) IntegrationContext() map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return orEmpty(s.integrationContext)
}

// answer replies to one executeCommand call the way the engine does: the reply line, or
// ErrorMarker and a message for commands a host does not know.
func (s *Store) answer(command string, args map[string]any) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch command {
	case "getLastRun":
		return marshalObject(s.lastRun)
	case "getIntegrationContext":
		return marshalObject(s.integrationContext)
	case "setLastRun", "setIntegrationContext":
		v, ok := args["value"].(map[string]any)
		if !ok && args["value"] != nil {
			return ErrorMarker + " " + command + " needs args.value to be a JSON object"
		}
		if command == "setLastRun" {
			s.lastRun = v
		} else {
			s.integrationContext = v
		}
		return "{}"
	}
	return ErrorMarker + " unsupported command " + command
}

func marshalObject(m map[string]any) string {
	b, err := json.Marshal(orEmpty(m))
	if err != nil {
		return ErrorMarker + " " + err.Error()
	}
	return string(b)
}
