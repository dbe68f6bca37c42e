package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/o365auditlog/o365auditlog/emulator"
	"software.sslmate.com/src/go-pkcs12"
)

// overheadResult is test-module through the binary beside the same token + call made by
// a minimal Go program.
type overheadResult struct {
	Runs   int
	Plugin time.Duration
	// Floor is the minimal program's process, spawn to exit; FloorWork is the part inside
	// it (PFX, credential, token, call), measured by the program itself.
	Floor, FloorWork time.Duration
	// Noop is a Go program that exits at once (this one, with -noop): the cost of a
	// process on this machine.
	Noop time.Duration
}

// benchOverhead runs test-module through a fresh plugin process per run, and the floor: a
// minimal Go program (this one, as a child with -floor-test-module) that builds a fresh
// azidentity credential (so no token is cached), gets its token and makes one
// InvokeCommand POST. Both pay a cold process (exec, runtime start, first TLS
// handshakes); the floor's own clock also gives the work without the process.
func benchOverhead(ctx context.Context, env pluginEnv, em *emulator.Emulator, cfgFile string, runs int) (*overheadResult, error) {
	ex := execution("test-module", em.Params(), map[string]any{})
	res := &overheadResult{Runs: runs}
	var plugin, floor, work, noop []time.Duration
	for i := range runs + 1 { // the first round warms the page cache and is not counted
		r, err := env.run(ctx, ex)
		if err != nil {
			return nil, err
		}
		if _, err := r.entries(); err != nil {
			return nil, err
		}
		f, out, err := runSelfEnv(ctx, []string{"SSL_CERT_FILE=" + env.caFile}, "-floor-test-module", cfgFile)
		if err != nil {
			return nil, err
		}
		w, err := time.ParseDuration(strings.TrimSpace(string(out)))
		if err != nil {
			return nil, fmt.Errorf("floor output %q: %w", out, err)
		}
		n, _, err := runSelf(ctx, "-noop")
		if err != nil {
			return nil, err
		}
		if i > 0 {
			plugin, floor, work, noop = append(plugin, r.Wall), append(floor, f.Wall), append(work, w), append(noop, n.Wall)
		}
	}
	res.Plugin, res.Floor, res.FloorWork, res.Noop = median(plugin), median(floor), median(work), median(noop)
	return res, nil
}

// floorTestModuleMain is the test-module floor as a child process: it prints how long the
// work took inside the process. Like the plugin it trusts the system roots (SSL_CERT_FILE
// names the emulator's CA): Go then also reads every certificate in /etc/ssl/certs, which
// costs a cold process tens of milliseconds, and any real program pays it.
func floorTestModuleMain(cfgFile string) error {
	cfg, err := readFloorConfig(cfgFile)
	if err != nil {
		return err
	}
	started := time.Now()
	client := freshClient(nil) // the system roots, with SSL_CERT_FILE: what a real program trusts

	cred, err := newCredential(cfg.PFX, cfg.Password, cfg.Organization, cfg.AppID, cfg.AuthURL, client)
	if err != nil {
		return err
	}
	tok, err := cred.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{cfg.URL + "/.default"}})
	if err != nil {
		return err
	}
	end := time.Now().UTC().Truncate(time.Second)
	target := cfg.URL + "/adminapi/beta/" + cfg.Organization + "/InvokeCommand"
	if _, err = invokeURL(context.Background(), client, target, "", tok.Token, cfg.Organization, map[string]any{
		"StartDate": end.Add(-time.Minute).Format(time.RFC3339), "EndDate": end.Format(time.RFC3339), "ResultSize": 1,
	}); err != nil {
		return err
	}
	fmt.Println(time.Since(started))
	return nil
}

// freshClient is an HTTP client with its own connection pool trusting roots (nil: the
// system roots, which honour SSL_CERT_FILE).
func freshClient(roots *x509.CertPool) *http.Client {
	return &http.Client{Transport: &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
		ForceAttemptHTTP2: true, MaxIdleConnsPerHost: 16,
	}, Timeout: 5 * time.Minute}
}

// invokeAnswer is an InvokeCommand page decoded the plain way: rows as raw JSON.
type invokeAnswer struct {
	Value    []json.RawMessage `json:"value"`
	NextLink string            `json:"@odata.nextLink"`
}

// invokeURL POSTs one Search-UnifiedAuditLog call to target (or to link, a nextLink, when
// set) and decodes the page with encoding/json.
func invokeURL(ctx context.Context, client *http.Client, target, link, token, org string, params map[string]any) (*invokeAnswer, error) {
	body, err := json.Marshal(map[string]any{"CmdletInput": map[string]any{"CmdletName": "Search-UnifiedAuditLog", "Parameters": params}})
	if err != nil {
		return nil, err
	}
	if link != "" {
		target = link
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CmdletName", "Search-UnifiedAuditLog")
	req.Header.Set("X-ResponseFormat", "json")
	req.Header.Set("X-AnchorMailbox", "APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@"+org)
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 2000))
		return nil, fmt.Errorf("InvokeCommand: HTTP %d: %s", resp.StatusCode, b)
	}
	var page invokeAnswer
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		return nil, err
	}
	return &page, nil
}

// newCredential builds a fresh certificate credential (an empty token cache).
func newCredential(pfxB64, password, org, appID, authority string, client *http.Client) (azcore.TokenCredential, error) {
	pfx, err := base64.StdEncoding.DecodeString(pfxB64)
	if err != nil {
		return nil, err
	}
	key, leaf, chain, err := pkcs12.DecodeChain(pfx, password)
	if err != nil {
		return nil, err
	}
	return azidentity.NewClientCertificateCredential(org, appID,
		append([]*x509.Certificate{leaf}, chain...), key.(crypto.PrivateKey),
		&azidentity.ClientCertificateCredentialOptions{
			ClientOptions: azcore.ClientOptions{
				Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: authority},
				Transport: client,
			},
			DisableInstanceDiscovery: true,
			SendCertificateChain:     true,
		})
}
