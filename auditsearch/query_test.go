package auditsearch

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestWindowString(t *testing.T) {
	q := Query{Start: time.Date(2021, 1, 1, 1, 0, 0, 0, time.FixedZone("x", 3600)), End: time.Date(2021, 1, 2, 0, 0, 0, 5, time.UTC)}
	assert.Equal(t, "[2021-01-01T00:00:00Z, 2021-01-02T00:00:00.000000005Z)", q.Window().String())
}
