package commands

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/o365auditlog/o365auditlog/integration"
)

// fakeSession is the one integration.Session the commands tests run handlers with. It keeps
// what a handler sends (entries, registered secrets, file entries' bytes in memory keyed by
// FileID), records every engine call, and answers getLastRun/setLastRun as an engine does;
// the integration context likewise; any other call fails. Search tests check that no call was made (harness.run, runExport),
// fetch tests that no file was written (fetchHarness.run).
type fakeSession struct {
	entries []integration.Entry
	secrets []string
	files   map[string][]byte
	calls   []string
	lastRun json.RawMessage
	// intCtx is the integration context (getIntegrationContext/setIntegrationContext).
	intCtx json.RawMessage
	// fileErr, when set, is what storing a file fails with (after write ran).
	fileErr error
	// setErr, when set, is what setLastRun fails with.
	setErr error
}

func (s *fakeSession) Results(entries ...integration.Entry) error {
	s.entries = append(s.entries, entries...)
	return nil
}

func (s *fakeSession) Call(_ context.Context, command string, args map[string]any) (json.RawMessage, error) {
	s.calls = append(s.calls, command)
	switch command {
	case "getLastRun":
		if s.lastRun == nil {
			return json.RawMessage("{}"), nil
		}
		return s.lastRun, nil
	case "getIntegrationContext":
		if s.intCtx == nil {
			return json.RawMessage("{}"), nil
		}
		return s.intCtx, nil
	case "setIntegrationContext":
		b, err := json.Marshal(args["value"])
		if err != nil {
			return nil, err
		}
		s.intCtx = b
		return json.RawMessage("{}"), nil
	case "setLastRun":
		if s.setErr != nil {
			return nil, s.setErr
		}
		b, err := json.Marshal(args["value"])
		if err != nil {
			return nil, err
		}
		s.lastRun = b
		return json.RawMessage("{}"), nil
	}
	return nil, errors.New("unexpected call " + command)
}

func (s *fakeSession) Secret(v string) { s.secrets = append(s.secrets, v) }

// WriteFile keeps the bytes under a fresh FileID; like the real session it keeps nothing
// when write or the storage fails.
func (s *fakeSession) WriteFile(name string, write func(io.Writer) error) (integration.Entry, error) {
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		return integration.Entry{}, err
	}
	if s.fileErr != nil {
		return integration.Entry{}, s.fileErr
	}
	id := fmt.Sprintf("00000000-0000-4000-8000-%012d", len(s.files)+1)
	if s.files == nil {
		s.files = map[string][]byte{}
	}
	s.files[id] = buf.Bytes()
	return integration.FileEntry(name, id), nil
}
