package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// readState checks the files the server contract promises and returns the params.
func readState(t *testing.T, dir, url string) map[string]any {
	t.Helper()
	ca, err := os.ReadFile(filepath.Join(dir, "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		t.Fatalf("ca.pem holds no certificate")
	}
	var params map[string]any
	for _, name := range []string{"params-noroles.json", "params-nograph.json", "params.json"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		params = nil
		if err := json.Unmarshal(b, &params); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, k := range []string{"url", "auth_url", "graph_url", "organization", "app_id"} {
			if s, _ := params[k].(string); s == "" {
				t.Fatalf("%s lacks %s: %s", name, k, b)
			}
		}
		cert, _ := params["certificate"].(map[string]any)
		if cert["identifier"] == "" || cert["password"] == "" {
			t.Fatalf("%s: certificate must be {identifier, password}", name)
		}
		if params["url"] != url {
			t.Fatalf("%s url %v, ready line said %s", name, params["url"], url)
		}
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Get(params["auth_url"].(string) + "/" + params["organization"].(string) + "/v2.0/.well-known/openid-configuration")
	if err != nil {
		t.Fatalf("the CA in ca.pem must be trusted for the server: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("openid-configuration: %d", resp.StatusCode)
	}
	return params
}

func TestRunInProcess(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"-state-dir", dir, "-records", "100", "-hotspot", "2h,1h,500", "-fault", "throttle=0.1", "-fault", "reset=0.05", "-latency", "1ms"}, pw, io.Discard)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "ready ")
	if !ok {
		t.Fatalf("first line %q", line)
	}
	readState(t, dir, url)
	cancel()
	go io.Copy(io.Discard, pr)
	if code := <-done; code != 0 {
		t.Fatalf("exit %d", code)
	}
}

func TestRunRefusesBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"-state-dir", t.TempDir(), "-fault", "throttle"},
		{"-state-dir", t.TempDir(), "-fault", "throttle=2"},
		{"-state-dir", t.TempDir(), "-fault", "meteor=0.5"},
		{"-state-dir", t.TempDir(), "-hotspot", "1h,0s,10"},
		{"-state-dir", t.TempDir(), "-profile", "real"},
		{"-state-dir", t.TempDir(), "-continuations", "sometimes"},
	} {
		if code := run(context.Background(), args, io.Discard, io.Discard); code == 0 {
			t.Errorf("%v: exit 0", args)
		}
	}
}

func TestBinaryServerContract(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "exo-emulator")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	dir := filepath.Join(t.TempDir(), "state")
	cmd := exec.Command(bin, "-state-dir", dir, "-listen", "127.0.0.1:0", "-records", "500", "-days", "2", "-seed", "7",
		"-retention", "90", "-latency", "1ms", "-tenant-concurrency", "4", "-fault", "server-error=0.01",
		"-profile", "live", "-page-size", "500", "-continuations", "ok", "-slow", "1s", "-fault", "transient=0.01")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill() }()
	lines := make(chan string, 1)
	go func() {
		l, _ := bufio.NewReader(stdout).ReadString('\n')
		lines <- l
		_, _ = io.Copy(io.Discard, stdout)
	}()
	var line string
	select {
	case line = <-lines:
	case <-time.After(60 * time.Second):
		t.Fatal("no ready line")
	}
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "ready https://")
	if !ok {
		t.Fatalf("first line %q", line)
	}
	readState(t, dir, "https://"+url)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitErr := make(chan error, 1)
	go func() { waitErr <- cmd.Wait() }()
	select {
	case err := <-waitErr:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("still running 10s after SIGTERM")
	}
}
