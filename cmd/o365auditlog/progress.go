package main

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/o365auditlog/o365auditlog/auditsearch"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progressBar draws the progress of the `run` mode's searches on a terminal. It is fed by
// the searches' progress callback (commands.Options.Progress).
type progressBar struct {
	mu  sync.Mutex
	w   io.Writer
	bar *progressbar.ProgressBar
}

// update moves the bar to p's WindowsDone of WindowsTotal; records so far are in the
// description. The final report clears the bar.
func (p *progressBar) update(pr auditsearch.Progress) {
	done, total := int64(pr.WindowsDone), int64(pr.WindowsTotal)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar == nil {
		if pr.Final {
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
	p.bar.Describe(fmt.Sprintf("%d records,", pr.Records))
	_ = p.bar.Set64(done)
	if pr.Final {
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
