package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/o365auditlog/o365auditlog/integration"
)

// TestFileStageSavesUnderTheAnnouncedName: a file entry's bytes end up under the name the
// output announces, an existing file is never overwritten (a -1, -2 suffix instead), and
// the private directory goes away (issue 16 item 7).
func TestFileStageSavesUnderTheAnnouncedName(t *testing.T) {
	out := t.TempDir()
	const name = "o365-auditlog-20210101T000000Z-20210102T000000Z.jsonl"
	require.NoError(t, os.WriteFile(filepath.Join(out, name), []byte("keep me"), 0o644))

	stage, err := newFileStage(out, "run")
	require.NoError(t, err)
	var entries []integration.Entry
	for i, content := range []string{"first\n", "second\n"} {
		id := []string{"id-1", "id-2"}[i]
		require.NoError(t, os.WriteFile(filepath.Join(stage.dir, "run_"+id), []byte(content), 0o644))
		entries = append(entries, integration.FileEntry(name, id))
	}
	entries = append(entries, integration.TextEntry("not a file"), integration.FileEntry("../../escape.txt", "id-3"))
	require.NoError(t, os.WriteFile(filepath.Join(stage.dir, "run_id-3"), []byte("x"), 0o644))

	paths, err := stage.save(entries)
	require.NoError(t, err)
	stage.close()
	assert.Equal(t, []string{
		filepath.Join(out, "o365-auditlog-20210101T000000Z-20210102T000000Z-1.jsonl"),
		filepath.Join(out, "o365-auditlog-20210101T000000Z-20210102T000000Z-2.jsonl"),
		filepath.Join(out, "escape.txt"),
	}, paths)
	for path, want := range map[string]string{name: "keep me", filepath.Base(paths[0]): "first\n", filepath.Base(paths[1]): "second\n"} {
		got, err := os.ReadFile(filepath.Join(out, path))
		require.NoError(t, err)
		assert.Equal(t, want, string(got))
	}
	left, err := os.ReadDir(out)
	require.NoError(t, err)
	assert.Len(t, left, 4, "the private directory is gone")
}

// TestRunOutDirMustExist: --out names a directory that must exist.
func TestRunOutDirMustExist(t *testing.T) {
	code, _, stderr := invoke(t, true, "", "run", "--out", filepath.Join(t.TempDir(), "nope"), "!nope")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "output directory")
}
