package bridge

import (
	"os/exec"
	"testing"
)

// TestPythonBridge runs the bridge's Python test suite (test_bridge.py, test_pack.py), so
// `make test` fails when the bridge does. Only a missing python3 skips it.
func TestPythonBridge(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed: the XSOAR bridge tests need it")
	}
	cmd := exec.Command(python, "-m", "unittest", "discover", "-v", "-s", ".", "-p", "test_*.py")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python3 -m unittest discover -s bridge -p 'test_*.py': %v\n%s", err, out)
	}
	t.Logf("%s", out)
}
