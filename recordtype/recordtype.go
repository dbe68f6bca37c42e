// Package recordtype is Microsoft's AuditLogRecordType enumeration, embedded once and parsed
// once: the numbers Exchange Online sometimes sends in a row's RecordType, and the names
// Search-UnifiedAuditLog takes. The emulator keeps its own copy on purpose (it plays the
// service, which must not share the client's table).
package recordtype

import (
	_ "embed"
	"fmt"
	"strconv"
	"strings"
)

// Type is one member of the enumeration.
type Type struct {
	// Value is the enum's number.
	Value int
	// Name is the classic name, as Search-UnifiedAuditLog and the Management Activity API
	// spell it.
	Name string
	// GraphName is the member name in Graph's auditLogRecordType, empty when the table has
	// no Graph column or Graph has no such member.
	GraphName string
}

// tableTSV holds "value<TAB>name[<TAB>graph name]" lines, optionally under a header line.
//
//go:embed auditlogrecordtype.tsv
var tableTSV string

// table is the parsed enumeration; built once from embedded, immutable data.
var table = mustParse(tableTSV)

type index struct {
	types   []Type
	byValue map[int]int    // value → position in types
	byName  map[string]int // lower-case classic name → position in types
}

// mustParse panics on a malformed table: it is embedded, so a bad one is a build mistake that
// every test catches.
func mustParse(tsv string) index {
	ix, err := parse(tsv)
	if err != nil {
		panic(err)
	}
	return ix
}

func parse(tsv string) (index, error) {
	ix := index{byValue: map[int]int{}, byName: map[string]int{}}
	for i, line := range strings.Split(strings.TrimSpace(tsv), "\n") {
		t, err := parseLine(line)
		if i == 0 && err != nil {
			continue // the header
		}
		if err != nil {
			return index{}, fmt.Errorf("auditlogrecordtype.tsv line %d: %w", i+1, err)
		}
		if err := ix.add(t); err != nil {
			return index{}, fmt.Errorf("auditlogrecordtype.tsv line %d: %w", i+1, err)
		}
	}
	return ix, nil
}

func parseLine(line string) (Type, error) {
	fields := strings.Split(strings.TrimSpace(line), "\t")
	if len(fields) < 2 || len(fields) > 3 {
		return Type{}, fmt.Errorf("%q: want value, name and optionally a Graph name", line)
	}
	n, err := strconv.Atoi(strings.TrimSpace(fields[0]))
	if err != nil {
		return Type{}, fmt.Errorf("%q: value %w", line, err)
	}
	t := Type{Value: n, Name: strings.TrimSpace(fields[1])}
	if len(fields) == 3 {
		t.GraphName = strings.TrimSpace(fields[2])
	}
	if t.Name == "" {
		return Type{}, fmt.Errorf("%q: empty name", line)
	}
	return t, nil
}

func (ix *index) add(t Type) error {
	key := strings.ToLower(t.Name)
	if _, dup := ix.byValue[t.Value]; dup {
		return fmt.Errorf("value %d listed twice", t.Value)
	}
	if _, dup := ix.byName[key]; dup {
		return fmt.Errorf("name %q listed twice", t.Name)
	}
	ix.byValue[t.Value] = len(ix.types)
	ix.byName[key] = len(ix.types)
	ix.types = append(ix.types, t)
	return nil
}

// ByValue returns the type whose number is v.
func ByValue(v int) (Type, bool) {
	i, ok := table.byValue[v]
	if !ok {
		return Type{}, false
	}
	return table.types[i], true
}

// ByName returns the type whose classic name is name, in any case (the service's own matching
// is case-insensitive, and analysts type names as they like).
func ByName(name string) (Type, bool) {
	i, ok := table.byName[strings.ToLower(name)]
	if !ok {
		return Type{}, false
	}
	return table.types[i], true
}

// Known reports whether name is a classic name in the table, in any case.
func Known(name string) bool {
	_, ok := ByName(name)
	return ok
}

// All returns every type in table order (by value). The slice is the caller's to keep.
func All() []Type {
	return append([]Type(nil), table.types...)
}
