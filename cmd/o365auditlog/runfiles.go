package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/o365auditlog/o365auditlog/integration"
)

// In `run` mode nobody picks file entries' bytes up the way an engine does: the session
// stores them as "<investigation id>_<FileID>", which a user cannot connect to the name the
// output announces. So `run` has the session write into a private directory and then saves
// each file under its announced name in the output directory, never overwriting.

// fileStage is the private directory the session writes file entries into.
type fileStage struct {
	dir    string // where the session writes (inside out, so renames stay on one disk)
	out    string // where files end up
	prefix string // the execution's investigation id
}

// newFileStage creates the private directory inside out ("" = the current directory).
func newFileStage(out, investigation string) (*fileStage, error) {
	if out == "" {
		out = "."
	}
	dir, err := os.MkdirTemp(out, ".o365auditlog-run-*")
	if err != nil {
		return nil, fmt.Errorf("output directory: %w", err)
	}
	return &fileStage{dir: dir, out: out, prefix: investigation}, nil
}

// close removes the private directory and whatever was not saved.
func (s *fileStage) close() { os.RemoveAll(s.dir) }

// save moves the bytes of every file entry in entries to its announced name in the output
// directory and returns the paths written, in entry order.
func (s *fileStage) save(entries []integration.Entry) ([]string, error) {
	var paths []string
	for _, e := range entries {
		if e.Type != integration.EntryFile || e.FileID == "" {
			continue
		}
		src := filepath.Join(s.dir, s.prefix+"_"+e.FileID)
		path, err := moveNoClobber(src, s.out, announcedName(e.File))
		if err != nil {
			return paths, fmt.Errorf("save the file %s: %w", e.File, err)
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// announcedName keeps the base of the entry's name, so that no name leaves the directory.
func announcedName(name string) string {
	base := filepath.Base(strings.ReplaceAll(name, `\`, "/"))
	if base == "." || base == ".." || base == "/" || base == "" {
		return "o365auditlog-file"
	}
	return base
}

// moveNoClobber renames src to name in dir, or to name-1, name-2… (before the extension)
// when that exists. The new name is reserved by creating it exclusively, then replaced by
// the rename, so an existing file is never overwritten.
func moveNoClobber(src, dir, name string) (string, error) {
	ext := filepath.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	for i := 0; i < 10000; i++ {
		candidate := name
		if i > 0 {
			candidate = fmt.Sprintf("%s-%d%s", stem, i, ext)
		}
		path := filepath.Join(dir, candidate)
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return "", err
		}
		f.Close()
		if err := os.Rename(src, path); err != nil {
			os.Remove(path)
			return "", err
		}
		return path, nil
	}
	return "", fmt.Errorf("%s and 9999 numbered variants exist in %s", name, dir)
}
