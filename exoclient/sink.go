package exoclient

import (
	"fmt"

	"github.com/o365auditlog/o365auditlog/auditsearch"
)

// sinker runs SearchEach's callback in a goroutine of its own, one window at a time, so
// that the coordinator hands out the next window while the last one is being written:
// at max_concurrency 1 the only worker otherwise waited for every window's spill. The
// window being written counts with the windows in flight (roomForWindow), so an export
// holds no more rows than before. Only the coordinator calls its methods; a nil *sinker (a
// collecting search) holds nothing and never reports.
type sinker struct {
	windows chan sinkWindow
	done    chan sinkResult // one per window handed over
	exited  chan struct{}
	busy    bool // a window was handed over and its result not yet read
	rows    int  // the rows of that window
}

type sinkWindow struct {
	window auditsearch.Window
	rows   []auditsearch.Record
}

type sinkResult struct {
	window auditsearch.Window
	err    error
}

func startSinker(each func(auditsearch.Window, []auditsearch.Record) error) *sinker {
	k := &sinker{windows: make(chan sinkWindow), done: make(chan sinkResult, 1), exited: make(chan struct{})}
	go func() {
		defer close(k.exited)
		for w := range k.windows {
			k.done <- sinkResult{window: w.window, err: each(w.window, w.rows)}
		}
	}()
	return k
}

// holding is the rows handed over and not yet written.
func (k *sinker) holding() int {
	if k == nil || !k.busy {
		return 0
	}
	return k.rows
}

// hand passes a window's rows to the callback, after the previous window's is written
// (whose error it returns).
func (k *sinker) hand(w auditsearch.Window, rows []auditsearch.Record) error {
	if err := k.wait(); err != nil {
		return err
	}
	k.windows <- sinkWindow{window: w, rows: rows}
	k.busy, k.rows = true, len(rows)
	return nil
}

// sunk is where the written window's result arrives; nil (never ready) when idle.
func (k *sinker) sunk() <-chan sinkResult {
	if k == nil || !k.busy {
		return nil
	}
	return k.done
}

// finished takes the result read from sunk.
func (k *sinker) finished(r sinkResult) error {
	k.busy = false
	if r.err != nil {
		return fmt.Errorf("search window %s: %w", r.window, r.err)
	}
	return nil
}

// wait waits for the window handed over, if any, to be written.
func (k *sinker) wait() error {
	if k == nil || !k.busy {
		return nil
	}
	return k.finished(<-k.done)
}

// stop ends the goroutine once the callback it runs returns: SearchEach never returns
// while its callback is still running.
func (k *sinker) stop() {
	close(k.windows)
	<-k.exited
}
