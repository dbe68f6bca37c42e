package exoclient

import (
	"context"
	"errors"
)

// NOTE: skeleton; the exoclient issue (#3) replaces this file.

// Options are optional settings of New; nil means defaults.
type Options struct{}

// Client talks to one tenant's Exchange Online admin API.
type Client struct{ cfg Config }

// New builds a client: loads the certificate from cfg.PFX, builds the credential and the one HTTP client.
func New(cfg Config, opts *Options) (*Client, error) { return &Client{cfg: cfg}, nil }

// SearchPage makes one Search-UnifiedAuditLog call, following @odata.nextLink, with retries.
func (c *Client) SearchPage(ctx context.Context, p SearchParams) ([]Row, error) {
	return nil, errors.New("not implemented")
}

// Ping gets a token and makes one cheap search call (test-module).
func (c *Client) Ping(ctx context.Context) error { return errors.New("not implemented") }

// Explain turns any error from this package into the one sentence an analyst reads, with what to do.
func Explain(err error) string { return err.Error() }
