package bridge

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/o365auditlog/o365auditlog/integrationdef"
)

// TestPackValidates runs pack.sh on the repository's integration.yml (with a stand-in
// binary, so no build is needed) and checks that both ymls it writes still validate against
// XSOAR's integration schema and carry the bridge as their script.
func TestPackValidates(t *testing.T) {
	for _, tool := range []string{"bash", "python3"} {
		_, err := exec.LookPath(tool)
		require.NoError(t, err, "%s is needed to run pack.sh: install it", tool)
	}
	src, err := integrationdef.Path()
	require.NoError(t, err, "the repository's integration.yml")
	tmp := t.TempDir()
	fakeBin := filepath.Join(tmp, "o365auditlog")
	if err := os.WriteFile(fakeBin, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(tmp, "dist")
	cmd := exec.Command("bash", "pack.sh")
	cmd.Env = append(os.Environ(), "PACK_OUT="+out, "PACK_YML="+src, "PACK_BIN="+fakeBin)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pack.sh: %v\n%s", err, b)
	}
	schema, err := os.ReadFile(filepath.Join("..", "integrationdef", "testdata", "xsoar-integration-schema.yml"))
	if err != nil {
		t.Fatal(err)
	}
	code, err := os.ReadFile("O365AuditLog.py")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, path, script string }{
		{"split", filepath.Join(out, "Packs", "O365AuditLog", "Integrations", "O365AuditLog", "O365AuditLog.yml"), "-"},
		{"unified", filepath.Join(out, "integration-O365AuditLog.yml"), strings.TrimRight(string(code), "\n")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc, err := os.ReadFile(c.path)
			if err != nil {
				t.Fatal(err)
			}
			if err := integrationdef.Validate(doc, schema); err != nil {
				t.Fatalf("%s does not match the XSOAR schema:\n%v", c.path, err)
			}
			var y struct {
				Script struct {
					Script, Type, Subtype, Dockerimage string
				}
			}
			if err := yaml.Unmarshal(doc, &y); err != nil {
				t.Fatal(err)
			}
			if y.Script.Type != "python" || y.Script.Subtype != "python3" || y.Script.Dockerimage == "" {
				t.Errorf("script type/subtype/dockerimage = %q/%q/%q, want python/python3/an image",
					y.Script.Type, y.Script.Subtype, y.Script.Dockerimage)
			}
			if y.Script.Script != c.script {
				t.Errorf("script.script is not the bridge's source (%d bytes, want %d)",
					len(y.Script.Script), len(c.script))
			}
		})
	}
}
