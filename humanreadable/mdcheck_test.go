package humanreadable_test

import (
	"bytes"
	"encoding/json"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"

	"github.com/o365auditlog/o365auditlog/contextout"
)

// The checks below judge a table the way a GFM renderer sees it (goldmark, a CommonMark
// and GFM compliant parser), not the way we meant to write it.

var (
	gfm = goldmark.New(goldmark.WithExtensions(extension.GFM))
	// tableOnly renders raw HTML (our <br>) and does not linkify URLs, so that each cell's
	// HTML can be compared with the value it should show.
	tableOnly = goldmark.New(goldmark.WithExtensions(extension.Table), goldmark.WithRendererOptions(html.WithUnsafe()))
)

// checkStructure parses md with GFM and fails unless it holds exactly one table with ncols
// columns and nrows body rows, each line of it splitting into exactly ncols cells, and no
// node a value could have injected: raw HTML other than our <br>, HTML blocks, links,
// images, emphasis, code spans, strikethrough, task checkboxes.
func checkStructure(t *testing.T, md string, ncols, nrows int) {
	t.Helper()
	src := []byte(md)
	doc := gfm.Parser().Parse(text.NewReader(src))
	var tables, rows int
	err := ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n.Kind() {
		case east.KindTable:
			tables++
		case east.KindTableHeader:
			if n.ChildCount() != ncols {
				t.Errorf("header has %d cells, want %d", n.ChildCount(), ncols)
			}
		case east.KindTableRow:
			rows++
			if n.ChildCount() != ncols {
				t.Errorf("row %d has %d cells, want %d", rows, n.ChildCount(), ncols)
			}
		case ast.KindRawHTML:
			raw := n.(*ast.RawHTML)
			var got []byte
			for i := 0; i < raw.Segments.Len(); i++ {
				seg := raw.Segments.At(i)
				got = append(got, seg.Value(src)...)
			}
			if string(got) != "<br>" {
				t.Errorf("raw HTML injected: %q", got)
			}
		case ast.KindHTMLBlock, ast.KindLink, ast.KindImage, ast.KindEmphasis, ast.KindCodeSpan,
			east.KindStrikethrough, east.KindTaskCheckBox, ast.KindHeading, ast.KindList,
			ast.KindBlockquote, ast.KindThematicBreak, ast.KindFencedCodeBlock, ast.KindCodeBlock:
			if n.Kind() == ast.KindHeading && n.Parent() == doc && tables == 0 && strings.HasPrefix(md, "### ") {
				break // the title, before the table
			}
			t.Errorf("unexpected %s node in the rendered table", n.Kind())
		}
		return ast.WalkContinue, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if tables != 1 {
		t.Fatalf("%d tables, want 1", tables)
	}
	if rows != nrows {
		t.Fatalf("%d body rows, want %d", rows, nrows)
	}
	lines := tableLines(md)
	if len(lines) != nrows+2 {
		t.Fatalf("%d table lines, want %d", len(lines), nrows+2)
	}
	for i, line := range lines {
		if n := explicitCells(line); n != ncols {
			t.Fatalf("line %d splits into %d cells, want %d: %.200q", i, n, ncols, line)
		}
	}
}

// tableLines returns the lines of the table (the title, if any, left out).
func tableLines(md string) []string {
	lines := strings.Split(strings.TrimSuffix(md, "\n"), "\n")
	if len(lines) > 0 && strings.HasPrefix(lines[0], "### ") {
		lines = lines[1:]
	}
	return lines
}

// explicitCells counts the cells of a row line as GFM splits it: an optional leading '|',
// an optional closing '|' (unescaped), cells delimited by every '|' not preceded by a
// backslash.
func explicitCells(line string) int {
	line = strings.Trim(line, " ")
	line = strings.TrimPrefix(line, "|")
	if n := len(line); n > 0 && line[n-1] == '|' && (n < 2 || line[n-2] != '\\') {
		line = line[:n-1]
	}
	cells := 1
	for i := 0; i < len(line); i++ {
		if line[i] == '|' && (i == 0 || line[i-1] != '\\') {
			cells++
		}
	}
	return cells
}

var cellRE = regexp.MustCompile(`<t[dh]>(.*?)</t[dh]>`)

// renderedCells renders md and returns the inner HTML of every cell, header first.
func renderedCells(t *testing.T, md string) []string {
	t.Helper()
	var out bytes.Buffer
	if err := tableOnly.Convert([]byte(md), &out); err != nil {
		t.Fatal(err)
	}
	var cells []string
	for _, m := range cellRE.FindAllStringSubmatch(out.String(), -1) {
		cells = append(cells, m[1])
	}
	return cells
}

// displayOf is what a value's cell should show, as plain text with "\n" for line breaks.
func displayOf(raw json.RawMessage) string {
	switch {
	case raw == nil, string(raw) == "null":
		return ""
	case raw[0] == '"':
		var s string
		_ = json.Unmarshal(raw, &s)
		return s
	default:
		return string(raw)
	}
}

// cellHTML is the HTML a renderer should produce for a cell showing s.
func cellHTML(s string) string {
	s = strings.NewReplacer("\r\n", "\n", "\r", "\n", "\u2028", "\n", "\u2029", "\n", "\t", " ").Replace(s)
	s = strings.Map(func(r rune) rune {
		if r != '\n' && (r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f)) {
			return -1
		}
		return r
	}, s)
	s = strings.Trim(s, " ")
	parts := strings.Split(s, "\n")
	for i, p := range parts {
		parts[i] = string(util.EscapeHTML([]byte(p)))
	}
	return strings.Join(parts, "<br>")
}

// checkRoundTrip renders the table and compares every cell with the value it must show.
func checkRoundTrip(t *testing.T, md string, records []json.RawMessage) {
	t.Helper()
	clean, err := contextout.Records(records)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	seen := map[string]bool{}
	var objs []map[string]json.RawMessage
	for _, rec := range clean {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(rec, &m); err != nil {
			t.Fatal(err)
		}
		objs = append(objs, m)
		for k := range m {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	var want []string
	for _, k := range keys {
		want = append(want, cellHTML(k))
	}
	for _, m := range objs {
		for _, k := range keys {
			want = append(want, cellHTML(displayOf(m[k])))
		}
	}
	got := renderedCells(t, md)
	if len(got) != len(want) {
		t.Fatalf("%d rendered cells, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("cell %d renders as\n%.300q\nwant\n%.300q", i, got[i], want[i])
		}
	}
}
