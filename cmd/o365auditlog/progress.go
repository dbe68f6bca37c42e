package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progressMessage is the log record exoclient writes while a search spans several windows.
const progressMessage = "audit log search progress"

// progressHandler turns the search's progress log records into a progress bar on a
// terminal (the `run` mode), and passes every other record on to next unchanged.
type progressHandler struct {
	next slog.Handler
	bar  *progressBar
}

// progressBar is the one bar shared by every handler derived with WithAttrs/WithGroup.
type progressBar struct {
	mu  sync.Mutex
	w   io.Writer
	bar *progressbar.ProgressBar
}

func newProgressHandler(next slog.Handler, w io.Writer) *progressHandler {
	return &progressHandler{next: next, bar: &progressBar{w: w}}
}

func (h *progressHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return level >= slog.LevelInfo || h.next.Enabled(ctx, level)
}

func (h *progressHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == progressMessage {
		h.bar.update(r)
	}
	if !h.next.Enabled(ctx, r.Level) {
		return nil
	}
	return h.next.Handle(ctx, r)
}

func (h *progressHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &progressHandler{next: h.next.WithAttrs(attrs), bar: h.bar}
}

func (h *progressHandler) WithGroup(name string) slog.Handler {
	return &progressHandler{next: h.next.WithGroup(name), bar: h.bar}
}

// update moves the bar to the record's windows_done of windows_total; records so far are
// in the description. The final record clears the bar.
func (p *progressBar) update(r slog.Record) {
	var done, total, rows int64
	final := false
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "windows_done":
			done = a.Value.Int64()
		case "windows_total":
			total = a.Value.Int64()
		case "rows":
			rows = a.Value.Int64()
		case "final":
			final = a.Value.Bool()
		}
		return true
	})
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar == nil {
		if final {
			return
		}
		p.bar = progressbar.NewOptions64(max(total, 1),
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetDescription("windows"),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	}
	p.bar.ChangeMax64(max(total, done, 1))
	p.bar.Describe(fmt.Sprintf("%d records,", rows))
	_ = p.bar.Set64(done)
	if final {
		_ = p.bar.Finish()
		p.bar = nil
	}
}

// writerIsTerminal reports whether w is a terminal (the progress bar is drawn only there:
// piped output stays clean).
func writerIsTerminal(w io.Writer) bool {
	f, ok := w.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(int(f.Fd()))
}
