package integration

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
)

// MaxLineBytes is the longest input line the plugin accepts (DESIGN §2): 64 MiB, not
// counting the line break.
const MaxLineBytes = 64 << 20

// LineTooLongError reports an input line above the limit. The line was drained, not kept.
type LineTooLongError struct {
	Size  int64 // bytes in the line, without the line break
	Limit int
}

func (e *LineTooLongError) Error() string {
	return fmt.Sprintf("line of %d bytes is above the %d-byte limit", e.Size, e.Limit)
}

// lineReader splits a stream into lines. Lines longer than max are drained without being
// buffered whole, so a runaway producer cannot make the plugin hold more than max bytes.
type lineReader struct {
	br  *bufio.Reader
	max int // 0 = unlimited
}

func newLineReader(r io.Reader, max int) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, 64<<10), max: max}
}

// next returns the next line without its line break ("\n" or "\r\n"). A last line without a
// line break is returned too; io.EOF comes only once no byte is left.
func (r *lineReader) next() ([]byte, error) {
	var line []byte
	var size int64 // bytes read for this line, line break included
	var tail [2]byte
	drained := false
	for {
		frag, err := r.br.ReadSlice('\n')
		size += int64(len(frag))
		for _, b := range frag[max(0, len(frag)-2):] {
			tail[0], tail[1] = tail[1], b
		}
		// Keep up to max+2 bytes (the limit excludes "\r\n"); past that, only count.
		if !drained && r.max > 0 && size > int64(r.max)+2 {
			drained, line = true, nil
		}
		if !drained {
			line = r.grow(line, len(frag))
			line = append(line, frag...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		if err != nil && size == 0 {
			return nil, io.EOF
		}
		break
	}
	if tail[1] == '\n' {
		size--
		if tail[0] == '\r' {
			size--
		}
	}
	if drained || (r.max > 0 && size > int64(r.max)) {
		return nil, &LineTooLongError{Size: size, Limit: r.max}
	}
	return line[:size], nil
}

// grow makes room for n more bytes, doubling (append's growth for large slices is 1.25x:
// five times the copying for a 64 MiB line) and never past the limit's needs.
func (r *lineReader) grow(line []byte, n int) []byte {
	if cap(line)-len(line) >= n {
		return line
	}
	size := max(2*cap(line), len(line)+n, 4<<10)
	if r.max > 0 {
		size = max(min(size, r.max+2), len(line)+n)
	}
	grown := make([]byte, len(line), size)
	copy(grown, line)
	return grown
}

type lineResult struct {
	line []byte
	err  error
}

// lineSource reads lines on demand in a goroutine so that a reader blocked on stdin can be
// abandoned when the context ends (SIGTERM while idle). A read abandoned by a cancelled
// Call is remembered: its line, the engine's late reply, is discarded instead of being
// taken for the next execution.
type lineSource struct {
	mu      sync.Mutex // one consumer at a time
	want    chan struct{}
	got     chan lineResult
	pending int   // requested lines nobody waits for any more
	final   error // io.EOF or a read error: every later call returns it
	stop    sync.Once
}

func newLineSource(r *lineReader) *lineSource {
	s := &lineSource{want: make(chan struct{}), got: make(chan lineResult, 1)}
	go s.read(r)
	return s
}

func (s *lineSource) read(r *lineReader) {
	for range s.want {
		line, err := r.next()
		s.got <- lineResult{line, err}
		if isFinal(err) {
			return
		}
	}
}

func isFinal(err error) bool {
	var tooLong *LineTooLongError
	return err != nil && !errors.As(err, &tooLong)
}

// next waits for the next line. It returns ctx.Err() when ctx ends first.
func (s *lineSource) next(ctx context.Context) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.pending > 0 && s.final == nil {
		select {
		case r := <-s.got:
			s.pending--
			if isFinal(r.err) {
				s.final = r.err
			}
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if s.final != nil {
		return nil, s.final
	}
	select {
	case s.want <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case r := <-s.got:
		if isFinal(r.err) {
			s.final = r.err
		}
		return r.line, r.err
	case <-ctx.Done():
		s.pending++
		return nil, ctx.Err()
	}
}

// close lets the reading goroutine end once its current read (if any) returns.
func (s *lineSource) close() {
	s.stop.Do(func() { close(s.want) })
}
