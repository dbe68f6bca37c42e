package recordtype

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestByValue(t *testing.T) {
	cases := []struct {
		name  string
		value int
		want  string
		ok    bool
	}{
		{"first", 1, "ExchangeAdmin", true},
		{"sign-ins", 15, "AzureActiveDirectoryStsLogon", true},
		{"sway", 12, "Sway", true},
		{"synthetic probe", 5, "SyntheticProbe", true},
		{"swapped in the old copy", 79, "PowerPlatformAdminDlp", true},
		{"last", 475, "SparkCoreCustomLivePool", true},
		{"gap", 137, "", false},
		{"removed", 26, "MicrosoftTeamsAddOns", true},
		{"zero", 0, "", false},
		{"beyond", 476, "", false},
		{"negative", -1, "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := ByValue(c.value)
			require.Equal(t, c.ok, ok)
			assert.Equal(t, c.want, got.Name)
			if ok {
				assert.Equal(t, c.value, got.Value)
			}
		})
	}
}

func TestByName(t *testing.T) {
	cases := []struct {
		name, in, want string
		value          int
	}{
		{"canonical", "AzureActiveDirectory", "AzureActiveDirectory", 8},
		{"lower", "azureactivedirectory", "AzureActiveDirectory", 8},
		{"upper", "AZUREACTIVEDIRECTORY", "AzureActiveDirectory", 8},
		{"acronym", "powerbiaudit", "PowerBIAudit", 20},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := ByName(c.in)
			require.True(t, ok)
			assert.Equal(t, Type{Value: c.value, Name: c.want, GraphName: c.want}, got)
			assert.True(t, Known(c.in))
		})
	}
	for _, in := range []string{"", "BrandNewType2027", "Azure AD", " AzureActiveDirectory", "8"} {
		t.Run("unknown "+in, func(t *testing.T) {
			_, ok := ByName(in)
			assert.False(t, ok)
			assert.False(t, Known(in))
		})
	}
}

func TestAll(t *testing.T) {
	all := All()
	require.GreaterOrEqual(t, len(all), 250)
	for i, typ := range all {
		if i > 0 {
			assert.Less(t, all[i-1].Value, typ.Value, "table order is by value")
		}
		byValue, ok := ByValue(typ.Value)
		require.True(t, ok)
		assert.Equal(t, typ, byValue)
		byName, ok := ByName(typ.Name)
		require.True(t, ok)
		assert.Equal(t, typ, byName)
	}
	all[0].Name = "changed"
	first, _ := ByValue(all[0].Value)
	assert.NotEqual(t, "changed", first.Name, "All returns a copy")
}

func TestParse(t *testing.T) {
	cases := []struct {
		name string
		tsv  string
		want []Type
	}{
		{"header and two columns", "value\tname\n1\tA\n2\tB\n",
			[]Type{{Value: 1, Name: "A"}, {Value: 2, Name: "B"}}},
		{"no header, three columns, CRLF", "1\tA\tAGraph\r\n2\tB\tB\r\n",
			[]Type{{Value: 1, Name: "A", GraphName: "AGraph"}, {Value: 2, Name: "B", GraphName: "B"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ix, err := parse(c.tsv)
			require.NoError(t, err)
			assert.Equal(t, c.want, ix.types)
		})
	}
	bad := map[string]string{
		"duplicate value":     "1\tA\n1\tB\n",
		"duplicate name":      "1\tA\n2\ta\n",
		"empty name":          "1\tA\n2\t\n",
		"no tab":              "1\tA\n2 B\n",
		"four columns":        "1\tA\n2\tB\tC\tD\n",
		"non-numeric value":   "1\tA\nx\tB\n",
		"second header-alike": "value\tname\nvalue\tname\n",
	}
	for name, tsv := range bad {
		t.Run("reject "+name, func(t *testing.T) {
			_, err := parse(tsv)
			assert.Error(t, err)
		})
	}
}

func TestEmbeddedTable(t *testing.T) {
	ix, err := parse(tableTSV)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(tableTSV), "\n")
	if _, err := parseLine(lines[0]); err != nil {
		lines = lines[1:] // a header
	}
	assert.Len(t, ix.types, len(lines), "every line but a header is a type")
}

// TestGraphNames checks the Graph column: filled where Graph has the member, with the names
// that differ from the classic ones (reference/recordtypes-provenance.md) kept apart.
func TestGraphNames(t *testing.T) {
	cases := []struct {
		value       int
		name, graph string
	}{
		{12, "Sway", "Sway"},
		{44, "VivaInsights", "WorkplaceAnalytics"},
		{288, "CloudPolicyService", "CPSOperation"},
		{26, "MicrosoftTeamsAddOns", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := ByValue(c.value)
			require.True(t, ok)
			assert.Equal(t, Type{Value: c.value, Name: c.name, GraphName: c.graph}, got)
		})
	}
	withGraph := 0
	for _, typ := range All() {
		if typ.GraphName != "" {
			withGraph++
		}
	}
	assert.Equal(t, len(All())-2, withGraph, "only 26 and 27 lack a Graph member")
}
