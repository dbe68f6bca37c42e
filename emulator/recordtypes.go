package emulator

import (
	_ "embed"
	"strconv"
	"strings"
	"sync"
)

// recordTypesTSV is Microsoft's AuditLogRecordType table (value, name).
//
//go:embed recordtypes.tsv
var recordTypesTSV string

var recordTypes = sync.OnceValues(func() (map[string]int, map[int]string) {
	byName, byNum := map[string]int{}, map[int]string{}
	for i, line := range strings.Split(recordTypesTSV, "\n") {
		f := strings.Split(strings.TrimSpace(line), "\t")
		if i == 0 || len(f) != 2 {
			continue
		}
		n, err := strconv.Atoi(f[0])
		if err != nil {
			continue
		}
		byName[strings.ToLower(f[1])] = n
		byNum[n] = f[1]
	}
	return byName, byNum
})

func recordTypeByName(name string) (int, bool) {
	byName, _ := recordTypes()
	n, ok := byName[strings.ToLower(strings.TrimSpace(name))]
	return n, ok
}

// recordTypeName is the enum name of a RecordType number (the number itself if unknown).
func recordTypeName(n int) string {
	_, byNum := recordTypes()
	if s, ok := byNum[n]; ok {
		return s
	}
	return strconv.Itoa(n)
}

// parseRecordTypeParam resolves the RecordType parameter: an enum name (any case) or number.
func parseRecordTypeParam(s string) (int, bool) {
	if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
		_, byNum := recordTypes()
		_, ok := byNum[n]
		return n, ok
	}
	return recordTypeByName(s)
}
