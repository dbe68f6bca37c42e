package humanreadable_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/o365auditlog/o365auditlog/contextout"
	"github.com/o365auditlog/o365auditlog/humanreadable"
)

// TestCanonicalTableColumns: the columns argument picks the table's columns and their
// order; a key no record has is an empty column; no columns is the sorted union.
func TestCanonicalTableColumns(t *testing.T) {
	recs := []json.RawMessage{
		json.RawMessage(`{"Id":"1","Operation":"UserLoggedIn","ClientIP":"10.0.0.1","Workload":"AzureActiveDirectory"}`),
		json.RawMessage(`{"Id":"2","Operation":"MailItemsAccessed","UserId":"a|b@contoso.com"}`),
	}
	clean, err := contextout.Records(recs)
	require.NoError(t, err)
	cases := []struct {
		name string
		cols []string
		want string
	}{
		{"chosen order", []string{"Operation", "Id"},
			"| Operation | Id\n| --- | ---\n| UserLoggedIn | 1\n| MailItemsAccessed | 2\n"},
		{"a key no record has", []string{"Id", "Missing", "UserId"},
			"| Id | Missing | UserId\n| --- | --- | ---\n| 1 |  | |\n| 2 |  | a\\|b@contoso.com\n"},
		{"only a missing key", []string{"Nope"},
			"| Nope\n| ---\n| |\n| |\n"},
		{"none: the sorted union", nil,
			"| ClientIP | Id | Operation | UserId | Workload\n| --- | --- | --- | --- | ---\n" +
				"| 10.0.0.1 | 1 | UserLoggedIn |  | AzureActiveDirectory\n|  | 2 | MailItemsAccessed | a\\|b@contoso.com | |\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := humanreadable.CanonicalTableColumns(clean, c.cols)
			require.NoError(t, err)
			assert.Equal(t, c.want, got)
		})
	}
}

// TestLongTableInOrder: a table long enough to be rendered in parts has every row in the
// records' order, each as a one-record table with the same columns renders it.
func TestLongTableInOrder(t *testing.T) {
	recs := make([]json.RawMessage, 10000)
	for i := range recs {
		recs[i] = json.RawMessage(fmt.Sprintf(`{"Id":"%d","N":%d,"Odd|%d":"x\ny"}`, i, i*7, i%2))
	}
	clean, err := contextout.Records(recs)
	require.NoError(t, err)
	cols := []string{"Id", "N", "Odd|0", "Odd|1"}
	got, err := humanreadable.CanonicalTableColumns(clean, nil)
	require.NoError(t, err)
	header := "| Id | N | Odd\\|0 | Odd\\|1\n| --- | --- | --- | ---\n"
	var want strings.Builder
	want.WriteString(header)
	for i := range clean {
		one, err := humanreadable.CanonicalTableColumns(clean[i:i+1], cols)
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(one, header), one)
		want.WriteString(strings.TrimPrefix(one, header))
	}
	require.Equal(t, want.String(), got)
}
