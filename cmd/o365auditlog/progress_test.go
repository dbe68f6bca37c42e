package main

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
)

func TestProgressHandlerDrawsAndPassesOthersOn(t *testing.T) {
	var bar, logs bytes.Buffer
	next := slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelError})
	log := slog.New(newProgressHandler(next, &bar)).With("command", "search")
	log.Info(progressMessage, "windows_done", 3, "windows_total", 10, "rows", 12000, "final", false)
	log.Info("something else")
	log.Error("a failure")
	log.Info(progressMessage, "windows_done", 10, "windows_total", 10, "rows", 40000, "final", true)
	if !strings.Contains(bar.String(), "/10)") {
		t.Errorf("bar %q", bar.String())
	}
	if got := logs.String(); strings.Contains(got, progressMessage) || strings.Contains(got, "something else") || !strings.Contains(got, "a failure") {
		t.Errorf("next handler got %q: only records at its level", got)
	}
	if !slog.New(newProgressHandler(next, &bar)).Handler().Enabled(context.Background(), slog.LevelInfo) {
		t.Error("progress records are Info: the handler must accept them")
	}
}
