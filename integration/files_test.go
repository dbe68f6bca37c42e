package integration

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fileRegistry has a command that stores a file entry and sends it, and one whose writer
// fails half-way.
func fileRegistry(stored *error) Registry {
	return Registry{
		"file": {Name: "file", Run: func(_ context.Context, _ *Request, s Session) error {
			e, err := s.WriteFile("report.jsonl", func(w io.Writer) error {
				_, err := io.WriteString(w, "{\"a\":1}\n")
				return err
			})
			if err != nil {
				return err
			}
			return s.Results(e)
		}},
		"file-fail": {Name: "file-fail", Run: func(_ context.Context, _ *Request, s Session) error {
			_, err := s.WriteFile("report.jsonl", func(w io.Writer) error {
				io.WriteString(w, "partial")
				return errors.New("disk full")
			})
			*stored = err
			return err
		}},
	}
}

func TestSessionWriteFile(t *testing.T) {
	dir := t.TempDir()
	srv := Server{Registry: fileRegistry(nil), FileDir: dir, Logger: slog.New(slog.DiscardHandler)}
	out, err := RunLocal(context.Background(), srv, nil, Execution{Command: "file", InvestigationID: "42"})
	require.NoError(t, err)
	require.Len(t, out.Entries, 1)
	e := out.Entries[0]
	assert.Equal(t, EntryFile, e.Type)
	assert.Equal(t, "text", e.ContentsFormat)
	assert.Equal(t, "", e.Contents)
	assert.Equal(t, "report.jsonl", e.File)
	require.Len(t, e.FileID, 36, "a uuid")

	b, err := os.ReadFile(filepath.Join(dir, "42_"+e.FileID))
	require.NoError(t, err, "the bytes are in FileDir as <investigation id>_<FileID>")
	assert.Equal(t, "{\"a\":1}\n", string(b))
	left, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, left, 1)
}

func TestSessionWriteFileFailureLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	var stored error
	srv := Server{Registry: fileRegistry(&stored), FileDir: dir, Logger: slog.New(slog.DiscardHandler)}
	out, err := RunLocal(context.Background(), srv, nil, Execution{Command: "file-fail", InvestigationID: "42"})
	require.NoError(t, err)
	assert.True(t, out.Failed())
	assert.EqualError(t, stored, "disk full")
	left, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, left)
}

func TestSessionWriteFileMissingDir(t *testing.T) {
	srv := Server{Registry: fileRegistry(nil), FileDir: filepath.Join(t.TempDir(), "absent"), Logger: slog.New(slog.DiscardHandler)}
	out, err := RunLocal(context.Background(), srv, nil, Execution{Command: "file", InvestigationID: "42"})
	require.NoError(t, err)
	assert.True(t, out.Failed(), "an error entry, not a file entry without bytes")
}

func TestSessionWriteFileAfterClose(t *testing.T) {
	s := &session{loop: &loop{srv: &Server{FileDir: t.TempDir()}}, req: &Request{}}
	s.close()
	_, err := s.WriteFile("x", func(io.Writer) error { t.Fatal("write called"); return nil })
	assert.ErrorIs(t, err, ErrSessionClosed)
}

func TestEntryFileName(t *testing.T) {
	cases := []struct{ name, inv, want string }{
		{"plain", "42", "42_id"},
		{"parent path", "../x", ".._x_id"},
		{"dot dot", "..", "___id"},
		{"dot", ".", "__id"},
		{"separators", "a/b\\c", "a_b_c_id"},
		{"NUL", "a\x00b", "a_b_id"},
		{"empty", "", "_id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, entryFileName(c.inv, "id"))
		})
	}
}
