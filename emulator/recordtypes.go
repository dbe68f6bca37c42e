package emulator

import (
	_ "embed"
	"strconv"
	"strings"
	"sync"
)

// recordTypesTSV is Microsoft's AuditLogRecordType table: value, classic name (what
// Search-UnifiedAuditLog takes and AuditData carries) and Graph name (the
// microsoft.graph.security.auditLogRecordType member, empty where Graph has none). It is a copy
// of shared/reference/auditlogrecordtype.tsv; see recordtypes-provenance.md there.
//
//go:embed recordtypes.tsv
var recordTypesTSV string

// recordTypeTable indexes the table both ways, for both names.
type recordTypeTable struct {
	byName      map[string]int // classic name, lower case
	byNum       map[int]string // classic name
	byGraphName map[string]int // Graph name, lower case (Graph took camelCase too)
	graphByNum  map[int]string // Graph name
}

var recordTypes = sync.OnceValue(func() *recordTypeTable {
	t := &recordTypeTable{byName: map[string]int{}, byNum: map[int]string{}, byGraphName: map[string]int{}, graphByNum: map[int]string{}}
	for _, line := range strings.Split(recordTypesTSV, "\n") {
		f := strings.Split(strings.TrimRight(line, "\r"), "\t")
		if len(f) < 2 {
			continue
		}
		n, err := strconv.Atoi(f[0])
		if err != nil {
			continue // a header line
		}
		t.byName[strings.ToLower(f[1])] = n
		t.byNum[n] = f[1]
		if len(f) > 2 && f[2] != "" {
			t.byGraphName[strings.ToLower(f[2])] = n
			t.graphByNum[n] = f[2]
		}
	}
	return t
})

func recordTypeByName(name string) (int, bool) {
	n, ok := recordTypes().byName[strings.ToLower(strings.TrimSpace(name))]
	return n, ok
}

// recordTypeName is the classic enum name of a RecordType number (the number itself if unknown).
func recordTypeName(n int) string {
	if s, ok := recordTypes().byNum[n]; ok {
		return s
	}
	return strconv.Itoa(n)
}

// graphRecordTypeByName resolves a recordTypeFilters member: the Graph name in any case
// (the metadata's PascalCase and the docs' camelCase both work on live tenants).
func graphRecordTypeByName(name string) (int, bool) {
	n, ok := recordTypes().byGraphName[strings.ToLower(strings.TrimSpace(name))]
	return n, ok
}

// graphRecordTypeName is the PascalCase Graph name of a RecordType number, as Graph's records
// carry it; the classic name where Graph has none.
func graphRecordTypeName(n int) string {
	if s, ok := recordTypes().graphByNum[n]; ok {
		return s
	}
	return recordTypeName(n)
}

// parseRecordTypeParam resolves the RecordType parameter: an enum name (any case) or number.
func parseRecordTypeParam(s string) (int, bool) {
	if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
		_, ok := recordTypes().byNum[n]
		return n, ok
	}
	return recordTypeByName(s)
}
