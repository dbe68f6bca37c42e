package commands

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

const listExpected = `a comma-separated list ("a, b") or a JSON array of strings`

// listArg reads a list argument: "a, b" (items trimmed, empty ones dropped), a JSON array
// written as a string (War Room), or a JSON array value (playbooks). Duplicates are dropped,
// order kept.
func listArg(name string, v any) ([]string, error) {
	items, problem := listItems(v)
	if problem != "" {
		e := argError(name, v, listExpected)
		e.Problem = problem
		return nil, e
	}
	var out []string
	for _, it := range items {
		if it != "" && !slices.Contains(out, it) {
			out = append(out, it)
		}
	}
	return out, nil
}

// listItems splits v into trimmed items; problem says why it is not a list.
func listItems(v any) (items []string, problem string) {
	switch x := v.(type) {
	case []string:
		return trimAll(x), ""
	case []any:
		return arrayItems(x)
	case string:
		s := strings.TrimSpace(x)
		if strings.HasPrefix(s, "[") {
			var arr []any
			dec := json.NewDecoder(strings.NewReader(s))
			dec.UseNumber()
			if err := dec.Decode(&arr); err != nil || dec.More() {
				return nil, "it starts with [ but is not a valid JSON array"
			}
			return arrayItems(arr)
		}
		return trimAll(strings.Split(s, ",")), ""
	}
	s, ok := scalarText(v)
	if !ok {
		return nil, "it is a JSON object"
	}
	return []string{s}, ""
}

func arrayItems(arr []any) ([]string, string) {
	items := make([]string, 0, len(arr))
	for i, el := range arr {
		s, ok := scalarText(el)
		if !ok {
			return nil, fmt.Sprintf("item %d is not a string", i+1)
		}
		items = append(items, s)
	}
	return items, ""
}

func trimAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.TrimSpace(s)
	}
	return out
}

// ipListArg reads ip_addresses: a list whose every item is an IPv4 or IPv6 address, sent as
// given (zones such as %eth0 are refused: the audit log never records them).
func ipListArg(v any) ([]string, error) {
	const expected = "IPv4 or IPv6 addresses, comma-separated or as a JSON array"
	ips, err := listArg("ip_addresses", v)
	if err != nil {
		return nil, err
	}
	for _, ip := range ips {
		addr, perr := netip.ParseAddr(ip)
		if perr != nil || addr.Zone() != "" {
			e := argError("ip_addresses", v, expected)
			e.Problem = fmt.Sprintf("%s is not an IP address", quoteShort(ip))
			return nil, e
		}
	}
	return ips, nil
}
