package exoclient

import (
	"context"
	"errors"
)

// NOTE: skeleton; the search issue (#5) replaces this file.

// Search runs a whole query: one sorted call up to 5,000 records, large-set sessions with
// window splitting above.
func (c *Client) Search(ctx context.Context, q Query) (*Result, error) {
	return nil, errors.New("not implemented")
}
