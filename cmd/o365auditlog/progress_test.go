package main

import (
	"bytes"
	"testing"

	"github.com/o365auditlog/o365auditlog/auditsearch"
	"github.com/stretchr/testify/assert"
)

func TestProgressBarDrawsFromTheCallback(t *testing.T) {
	var out bytes.Buffer
	bar := &progressBar{w: &out}
	bar.update(auditsearch.Progress{WindowsDone: 3, WindowsTotal: 10, Records: 12000})
	assert.Contains(t, out.String(), "/10)")
	bar.update(auditsearch.Progress{WindowsDone: 10, WindowsTotal: 10, Records: 40000, Final: true})
	assert.Nil(t, bar.bar, "the final report must clear the bar")
	out.Reset()
	bar.update(auditsearch.Progress{WindowsDone: 1, WindowsTotal: 1, Final: true})
	assert.Empty(t, out.String(), "a search that ends before any report draws nothing")
}
