package integrationdef

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Validate checks a YAML document against a pykwalify schema, for the subset XSOAR's
// integration schema uses: types map, seq, str, int, bool and any; required; enum; mapping
// (unknown keys are errors, as in pykwalify); sequence; include of "schema;NAME" rules.
// It returns every violation, each with its path, joined into one error (nil if none).
func Validate(doc, schema []byte) error {
	root, defs, err := parseSchema(schema)
	if err != nil {
		return err
	}
	var n yaml.Node
	if err := yaml.Unmarshal(doc, &n); err != nil {
		return fmt.Errorf("parse document: %w", err)
	}
	if n.Kind != yaml.DocumentNode || len(n.Content) != 1 {
		return errors.New("document: want exactly one YAML document")
	}
	v := validator{defs: defs}
	v.check("", n.Content[0], root)
	return errors.Join(v.errs...)
}

// rule is one pykwalify rule.
type rule struct {
	Type     string           `yaml:"type"`
	Required bool             `yaml:"required"`
	Enum     []string         `yaml:"enum"`
	Mapping  map[string]*rule `yaml:"mapping"`
	Sequence []*rule          `yaml:"sequence"`
	Include  string           `yaml:"include"`
}

func parseSchema(schema []byte) (*rule, map[string]*rule, error) {
	var root rule
	if err := yaml.Unmarshal(schema, &root); err != nil {
		return nil, nil, fmt.Errorf("parse schema: %w", err)
	}
	var all map[string]yaml.Node
	if err := yaml.Unmarshal(schema, &all); err != nil {
		return nil, nil, fmt.Errorf("parse schema: %w", err)
	}
	defs := map[string]*rule{}
	for key, node := range all {
		name, ok := strings.CutPrefix(key, "schema;")
		if !ok {
			continue
		}
		var r rule
		if err := node.Decode(&r); err != nil {
			return nil, nil, fmt.Errorf("parse schema %s: %w", key, err)
		}
		defs[name] = &r
	}
	return &root, defs, nil
}

type validator struct {
	defs map[string]*rule
	errs []error
}

func (v *validator) fail(path, format string, args ...any) {
	if path == "" {
		path = "/"
	}
	v.errs = append(v.errs, fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...)))
}

func (v *validator) check(path string, n *yaml.Node, r *rule) {
	if r.Include != "" {
		inc, ok := v.defs[r.Include]
		if !ok {
			v.fail(path, "schema includes unknown rule %q", r.Include)
			return
		}
		r = inc
	}
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Tag == "!!null" {
		return // an absent value; required keys are checked by their mapping
	}
	switch r.Type {
	case "map":
		v.checkMap(path, n, r)
	case "seq":
		v.checkSeq(path, n, r)
	case "any":
	case "", "str", "int", "bool":
		v.checkScalar(path, n, r)
	default:
		v.fail(path, "schema type %q is not supported", r.Type)
	}
}

func (v *validator) checkMap(path string, n *yaml.Node, r *rule) {
	if n.Kind != yaml.MappingNode {
		v.fail(path, "want a map, have %s", describe(n))
		return
	}
	present := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i].Value, n.Content[i+1]
		child, ok := r.Mapping[key]
		if !ok {
			v.fail(path+"/"+key, "key is not allowed here")
			continue
		}
		if present[key] {
			v.fail(path+"/"+key, "duplicate key")
		}
		present[key] = val.Tag != "!!null"
		v.check(path+"/"+key, val, child)
	}
	keys := make([]string, 0, len(r.Mapping))
	for key := range r.Mapping {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for _, key := range keys {
		if r.Mapping[key].Required && !present[key] {
			v.fail(path+"/"+key, "required key is missing")
		}
	}
}

func (v *validator) checkSeq(path string, n *yaml.Node, r *rule) {
	if n.Kind != yaml.SequenceNode {
		v.fail(path, "want a sequence, have %s", describe(n))
		return
	}
	if len(r.Sequence) != 1 {
		v.fail(path, "schema sequence must hold exactly one rule")
		return
	}
	for i, item := range n.Content {
		v.check(fmt.Sprintf("%s/%d", path, i), item, r.Sequence[0])
	}
}

// scalarTags maps pykwalify scalar types to YAML tags; pykwalify's default type is str.
var scalarTags = map[string]string{"": "!!str", "str": "!!str", "int": "!!int", "bool": "!!bool"}

func (v *validator) checkScalar(path string, n *yaml.Node, r *rule) {
	if want := scalarTags[r.Type]; n.Kind != yaml.ScalarNode || n.Tag != want {
		v.fail(path, "want %s, have %s", strings.TrimPrefix(want, "!!"), describe(n))
		return
	}
	if len(r.Enum) > 0 && !slices.Contains(r.Enum, n.Value) {
		v.fail(path, "%q is not one of %q", n.Value, r.Enum)
	}
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a map"
	case yaml.SequenceNode:
		return "a sequence"
	default:
		return fmt.Sprintf("%s %q", strings.TrimPrefix(n.Tag, "!!"), n.Value)
	}
}
