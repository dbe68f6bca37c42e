package integration

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"unicode/utf8"
)

// RawJSON is JSON text that the protocol writer copies to stdout as is, without the
// validation and compaction encoding/json applies to every json.RawMessage (a full scan
// and a copy of each record: a third of the CPU of a 50,000-record search). It must be
// one valid JSON value without line breaks: contextout's canonical records are. Other
// encoders (the Host, tests) see it through MarshalJSON.
type RawJSON []byte

// MarshalJSON returns the text itself ("null" when empty).
func (r RawJSON) MarshalJSON() ([]byte, error) {
	if len(r) == 0 {
		return []byte("null"), nil
	}
	return r, nil
}

// RawJSONList converts records (json.RawMessage, jsontext.Canonical, …) to RawJSON
// without copying their bytes.
func RawJSONList[T ~[]byte](records []T) []RawJSON {
	out := make([]RawJSON, len(records))
	for i, r := range records {
		out[i] = RawJSON(r)
	}
	return out
}

// A result message is written in two steps so that nothing reaches stdout unless all of it
// can be encoded: plan encodes every small value into pieces and only references the
// large ones (RawJSON values, []RawJSON lists, long strings); write then streams the
// pieces through the buffered writer. The bytes are those of encoding/json with
// SetEscapeHTML(false).

// piece is one part of a planned message: literal bytes, a string to escape, or raw lists.
type piece struct {
	lit  []byte
	str  *string
	list []RawJSON
	raw  RawJSON
}

type resultPlan struct {
	pieces []piece
	lit    []byte // the literal being accumulated
}

func (p *resultPlan) flushLit() {
	if len(p.lit) > 0 {
		p.pieces = append(p.pieces, piece{lit: p.lit})
		p.lit = nil
	}
}

func (p *resultPlan) addString(s *string) {
	if len(*s) < 4096 {
		p.lit = appendJSONString(p.lit, *s)
		return
	}
	p.flushLit()
	p.pieces = append(p.pieces, piece{str: s})
}

// addValue plans one value: RawJSON and []RawJSON by reference, strings by escaping,
// anything else through encoding/json.
func (p *resultPlan) addValue(v any) error {
	switch v := v.(type) {
	case RawJSON:
		if len(v) == 0 {
			p.lit = append(p.lit, "null"...)
			return nil
		}
		p.flushLit()
		p.pieces = append(p.pieces, piece{raw: v})
	case []RawJSON:
		if v == nil {
			p.lit = append(p.lit, "null"...)
			return nil
		}
		p.flushLit()
		p.pieces = append(p.pieces, piece{list: v})
	case string:
		p.addString(&v)
	case map[string]any:
		if v == nil {
			p.lit = append(p.lit, "null"...)
			return nil
		}
		return p.addObject(v)
	default:
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			return err
		}
		p.lit = append(p.lit, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
	}
	return nil
}

// addObject plans a map with its keys sorted, as encoding/json writes maps.
func (p *resultPlan) addObject(m map[string]any) error {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	p.lit = append(p.lit, '{')
	for i, k := range keys {
		if i > 0 {
			p.lit = append(p.lit, ',')
		}
		p.lit = appendJSONString(p.lit, k)
		p.lit = append(p.lit, ':')
		if err := p.addValue(m[k]); err != nil {
			return err
		}
	}
	p.lit = append(p.lit, '}')
	return nil
}

// planResult plans {"type":"result","results":[ENTRY…]} with Entry's field order and
// omitempty rules.
func planResult(entries []Entry) (*resultPlan, error) {
	p := &resultPlan{lit: []byte(`{"type":"result","results":[`)}
	for i := range entries {
		e := &entries[i]
		if i > 0 {
			p.lit = append(p.lit, ',')
		}
		p.lit = fmt.Appendf(p.lit, `{"Type":%d,"ContentsFormat":`, e.Type)
		p.lit = appendJSONString(p.lit, e.ContentsFormat)
		p.lit = append(p.lit, `,"Contents":`...)
		if err := p.addValue(e.Contents); err != nil {
			return nil, fmt.Errorf("entry %d Contents: %w", i, err)
		}
		if e.HumanReadable != "" {
			p.lit = append(p.lit, `,"HumanReadable":`...)
			p.addString(&e.HumanReadable)
		}
		p.optional("ReadableContentsFormat", e.ReadableContentsFormat)
		if len(e.EntryContext) > 0 {
			p.lit = append(p.lit, `,"EntryContext":`...)
			if err := p.addObject(e.EntryContext); err != nil {
				return nil, fmt.Errorf("entry %d EntryContext: %w", i, err)
			}
		}
		p.optional("File", e.File)
		p.optional("FileID", e.FileID)
		if sc := e.Schedule; sc != nil {
			p.lit = append(p.lit, `,"PollingCommand":`...)
			p.lit = appendJSONString(p.lit, sc.PollingCommand)
			p.lit = append(p.lit, `,"NextRun":`...)
			p.lit = appendJSONString(p.lit, sc.NextRun)
			p.lit = append(p.lit, `,"PollingArgs":`...)
			if err := p.addObject(sc.PollingArgs); err != nil {
				return nil, fmt.Errorf("entry %d PollingArgs: %w", i, err)
			}
			p.lit = append(p.lit, `,"Timeout":`...)
			p.lit = appendJSONString(p.lit, sc.Timeout)
			p.lit = fmt.Appendf(p.lit, `,"PollingItemsRemaining":%d`, sc.PollingItemsRemaining)
		}
		p.lit = append(p.lit, '}')
	}
	p.lit = append(p.lit, "]}\n"...)
	p.flushLit()
	return p, nil
}

func (p *resultPlan) optional(name, value string) {
	if value != "" {
		p.lit = append(p.lit, `,"`+name+`":`...)
		p.lit = appendJSONString(p.lit, value)
	}
}

// write streams the planned message to w.
func (p *resultPlan) write(w io.Writer) error {
	var scratch []byte
	for _, pc := range p.pieces {
		var err error
		switch {
		case pc.str != nil:
			err = writeJSONString(w, *pc.str, &scratch)
		case pc.list != nil:
			err = writeRawList(w, pc.list)
		case pc.raw != nil:
			_, err = w.Write(pc.raw)
		default:
			_, err = w.Write(pc.lit)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func writeRawList(w io.Writer, list []RawJSON) error {
	sep := []byte{'['}
	for _, r := range list {
		if _, err := w.Write(sep); err != nil {
			return err
		}
		sep[0] = ','
		if len(r) == 0 {
			r = RawJSON("null")
		}
		if _, err := w.Write(r); err != nil {
			return err
		}
	}
	if len(list) == 0 {
		_, err := w.Write([]byte("[]"))
		return err
	}
	_, err := w.Write([]byte{']'})
	return err
}

// writeJSONString escapes s in chunks of about 64 KiB, never holding a copy of it all.
func writeJSONString(w io.Writer, s string, scratch *[]byte) error {
	const chunk = 64 << 10
	buf := append((*scratch)[:0], '"')
	for len(s) > 0 {
		n := min(len(s), chunk)
		for n < len(s) && !utf8.RuneStart(s[n]) { // never cut a character
			n++
		}
		buf = appendEscaped(buf, s[:n])
		s = s[n:]
		if len(buf) >= chunk {
			if _, err := w.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	buf = append(buf, '"')
	_, err := w.Write(buf)
	*scratch = buf[:0]
	return err
}

// appendJSONString appends s as a JSON string the way encoding/json does with
// SetEscapeHTML(false).
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	dst = appendEscaped(dst, s)
	return append(dst, '"')
}

const hexDigits = "0123456789abcdef"

func appendEscaped(dst []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(dst, s[start:]...)
}
