package bridge

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// yamlFileEnv makes the test binary print the named YAML file as JSON and exit: the Python
// pack tests parse ymls with it where python3 has no YAML module (CI installs none).
const yamlFileEnv = "O365AUDITLOG_YAML2JSON_FILE"

func TestMain(m *testing.M) {
	if path := os.Getenv(yamlFileEnv); path != "" {
		if err := yamlToJSON(path, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func yamlToJSON(path string, w io.Writer) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var doc any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return json.NewEncoder(w).Encode(doc)
}

// TestPythonBridge runs the bridge's Python test suite (test_bridge.py, test_pack.py), so
// `make test` fails when the bridge does. It builds the binaries those tests drive (a fresh
// clone has no bin/) and fails, never skips, without python3.
func TestPythonBridge(t *testing.T) {
	python, err := exec.LookPath("python3")
	require.NoError(t, err, "python3 is needed to test the XSOAR bridge (bridge/*.py): install it")
	self, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.Command(python, "-m", "unittest", "discover", "-v", "-s", ".", "-p", "test_*.py")
	cmd.Env = append(os.Environ(), "O365AUDITLOG_TEST_BIN_DIR="+buildBinaries(t), "O365AUDITLOG_TEST_YAML2JSON="+self)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "python3 -m unittest discover -s bridge -p 'test_*.py':\n%s", out)
	t.Logf("%s", out)
}

// buildBinaries builds o365auditlog and exo-emulator static, as `make build` does, into a
// temporary directory and returns it.
func buildBinaries(t *testing.T) string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		gobin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	dir := t.TempDir()
	cmd := exec.Command(gobin, "build", "-o", dir+string(filepath.Separator),
		"../cmd/o365auditlog", "../cmd/exo-emulator")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build:\n%s", out)
	return dir
}
