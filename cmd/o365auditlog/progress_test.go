package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/o365auditlog/o365auditlog/auditsearch"
)

func TestProgressBarDrawsFromTheCallback(t *testing.T) {
	var out bytes.Buffer
	bar := &progressBar{w: &out}
	bar.update(auditsearch.Progress{WindowsDone: 3, WindowsTotal: 10, Records: 12000})
	if !strings.Contains(out.String(), "/10)") {
		t.Errorf("bar %q", out.String())
	}
	bar.update(auditsearch.Progress{WindowsDone: 10, WindowsTotal: 10, Records: 40000, Final: true})
	if bar.bar != nil {
		t.Error("the final report must clear the bar")
	}
	out.Reset()
	bar.update(auditsearch.Progress{WindowsDone: 1, WindowsTotal: 1, Final: true})
	if out.Len() != 0 {
		t.Errorf("a search that ends before any report draws nothing, got %q", out.String())
	}
}
