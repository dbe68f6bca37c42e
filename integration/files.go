package integration

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/uuid"
)

// WriteFile implements Session: the bytes go to FileDir (the engine's working directory)
// as "<investigation id>_<FileID>", the name under which XSOAR picks up a file entry's
// bytes. The file is created exclusively (never overwriting) and removed if writing fails.
func (s *session) WriteFile(name string, write func(io.Writer) error) (Entry, error) {
	if s.closed.Load() {
		return Entry{}, ErrSessionClosed
	}
	dir := s.loop.srv.FileDir
	if dir == "" {
		dir = "."
	}
	fileID := uuid.NewString()
	path := filepath.Join(dir, entryFileName(s.req.InvestigationID, fileID))
	if err := writeNewFile(path, write); err != nil {
		return Entry{}, err
	}
	return FileEntry(name, fileID), nil
}

// FileEntry is the Type 3 entry announcing a file whose bytes are stored under fileID.
func FileEntry(name, fileID string) Entry {
	return Entry{Type: EntryFile, ContentsFormat: "text", Contents: "", File: name, FileID: fileID}
}

// writeNewFile creates path (it must not exist), fills it with write and closes it; on any
// failure the file is removed.
func writeNewFile(path string, write func(io.Writer) error) (err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr // names the path already
		}
		if err != nil {
			err = errors.Join(err, removeIfExists(path))
		}
	}()
	return write(f)
}

func removeIfExists(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// entryFileName is XSOAR's name for a file entry's bytes: "<investigation id>_<FileID>".
// An investigation id that could leave the directory is made harmless.
func entryFileName(investigation, fileID string) string {
	safe := strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == 0 {
			return '_'
		}
		return r
	}, investigation)
	if safe == "." || safe == ".." {
		safe = strings.Repeat("_", len(safe))
	}
	return safe + "_" + fileID
}
