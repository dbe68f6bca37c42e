package commands

import (
	"bufio"
	"bytes"
	"cmp"
	"container/heap"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/o365auditlog/o365auditlog/auditsearch"
)

// An export must not hold a million records at once (DESIGN §5 as_file, issue 7: peak RSS
// within 512 MiB). Records arrive window by window, unsorted, with duplicates, and
// neighbouring windows share their boundary instant. Each batch is sorted newest first and
// appended to a spill file as one sorted run; at the end the runs are merged (k-way, a
// heap) into the JSON Lines file, dropping repeated Ids and stopping at result_size. Only
// one batch and one buffered reader per run are in memory.

// spillRec is one record of a run as the merge reads it back: its sort key and its JSON
// Lines line (canonical compact JSON, no newline). id and line are the run reader's buffer,
// valid until it reads the next record.
type spillRec struct {
	unixNano int64
	id, line []byte
}

// compareNewest orders newest first, ties by Id ascending (DESIGN §5).
func compareNewest(aNano, bNano int64, aID, bID []byte) int {
	if c := cmp.Compare(bNano, aNano); c != 0 {
		return c
	}
	return bytes.Compare(aID, bID)
}

// runSpill is the spill file and where each run in it starts.
type runSpill struct {
	f      *os.File
	w      *bufio.Writer
	offset int64
	runs   []spillRun
	// records counts the records spilled, duplicates included.
	records int
	hdr     [16]byte
}

type spillRun struct{ start, end int64 }

// newRunSpill creates the spill file in dir; it is removed on close.
func newRunSpill(dir string) (*runSpill, error) {
	f, err := os.CreateTemp(dir, ".o365auditlog-spill-*")
	if err != nil {
		return nil, fmt.Errorf("create a temporary file for the export: %w", err)
	}
	return &runSpill{f: f, w: bufio.NewWriterSize(f, 256<<10)}, nil
}

// close removes the spill file.
func (s *runSpill) close() {
	s.f.Close()
	os.Remove(s.f.Name())
}

// add sanitizes rows unless their backend did (each AuditData becomes one canonical line), sorts them newest first
// and appends them as one run.
func (s *runSpill) add(rows []auditsearch.Record) error {
	if len(rows) == 0 {
		return nil
	}
	type pending struct {
		unixNano int64
		id       string
		line     []byte
	}
	recs := make([]pending, len(rows))
	for i := range rows {
		r := &rows[i]
		line, err := canonicalRecord(r)
		if err != nil {
			return unreadableRecord(err)
		}
		recs[i] = pending{unixNano: r.CreationTime.UnixNano(), id: r.ID, line: line}
	}
	slices.SortFunc(recs, func(a, b pending) int {
		if c := cmp.Compare(b.unixNano, a.unixNano); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	start := s.offset
	for i := range recs {
		if err := s.write(recs[i].unixNano, recs[i].id, recs[i].line); err != nil {
			return exportError(fmt.Errorf("write the temporary file: %w", err))
		}
	}
	s.runs = append(s.runs, spillRun{start: start, end: s.offset})
	s.records += len(recs)
	return nil
}

// write appends one record: time (8 bytes), Id length (4), line length (4), Id, line.
func (s *runSpill) write(unixNano int64, id string, line []byte) error {
	binary.LittleEndian.PutUint64(s.hdr[0:8], uint64(unixNano))
	binary.LittleEndian.PutUint32(s.hdr[8:12], uint32(len(id)))
	binary.LittleEndian.PutUint32(s.hdr[12:16], uint32(len(line)))
	s.w.Write(s.hdr[:])
	s.w.WriteString(id)
	_, err := s.w.Write(line)
	s.offset += int64(len(s.hdr) + len(id) + len(line))
	return err
}

// mergeTo writes the newest limit unique records of every run to w as JSON Lines, newest
// first, and returns how many it wrote.
func (s *runSpill) mergeTo(w io.Writer, limit int) (int, error) {
	if err := s.w.Flush(); err != nil {
		return 0, fmt.Errorf("write the export's temporary file: %w", err)
	}
	h := make(runHeap, 0, len(s.runs))
	for _, r := range s.runs {
		rr := &runReader{r: bufio.NewReaderSize(io.NewSectionReader(s.f, r.start, r.end-r.start), 64<<10)}
		ok, err := rr.next()
		if err != nil {
			return 0, err
		}
		if ok {
			h = append(h, rr)
		}
	}
	heap.Init(&h)
	bw := bufio.NewWriterSize(w, 256<<10)
	n := 0
	var lastID []byte // a copy: the record's own bytes are reused by its reader's next
	var lastTime int64
	for len(h) > 0 && n < limit {
		top := h[0]
		rec := &top.cur
		if n == 0 || rec.unixNano != lastTime || !bytes.Equal(rec.id, lastID) {
			bw.Write(rec.line)
			bw.WriteByte('\n')
			n++
			lastTime, lastID = rec.unixNano, append(lastID[:0], rec.id...)
		}
		ok, err := top.next()
		if err != nil {
			return n, err
		}
		if ok {
			heap.Fix(&h, 0)
		} else {
			heap.Pop(&h)
		}
	}
	if err := bw.Flush(); err != nil {
		return n, fmt.Errorf("write the export file: %w", err)
	}
	return n, nil
}

// runReader reads one run back, record by record, into one buffer reused for each.
type runReader struct {
	r   *bufio.Reader
	cur spillRec
	hdr [16]byte
	buf []byte
}

// next reads the following record into cur; false at the end of the run.
func (rr *runReader) next() (bool, error) {
	if _, err := io.ReadFull(rr.r, rr.hdr[:]); err != nil {
		if errors.Is(err, io.EOF) {
			return false, nil
		}
		return false, fmt.Errorf("read the export's temporary file: %w", err)
	}
	idLen := binary.LittleEndian.Uint32(rr.hdr[8:12])
	lineLen := binary.LittleEndian.Uint32(rr.hdr[12:16])
	rr.buf = slices.Grow(rr.buf[:0], int(idLen)+int(lineLen))[:int(idLen)+int(lineLen)]
	if _, err := io.ReadFull(rr.r, rr.buf); err != nil {
		return false, fmt.Errorf("read the export's temporary file: %w", err)
	}
	rr.cur = spillRec{unixNano: int64(binary.LittleEndian.Uint64(rr.hdr[0:8])), id: rr.buf[:idLen], line: rr.buf[idLen:]}
	return true, nil
}

// runHeap is a min-heap of runs by their current record, newest first.
type runHeap []*runReader

func (h runHeap) Len() int { return len(h) }
func (h runHeap) Less(i, j int) bool {
	a, b := &h[i].cur, &h[j].cur
	return compareNewest(a.unixNano, b.unixNano, a.id, b.id) < 0
}
func (h runHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *runHeap) Push(x any)   { *h = append(*h, x.(*runReader)) }
func (h *runHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
