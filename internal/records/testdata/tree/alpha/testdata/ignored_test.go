package ignored

import (
	"testing"

	"example.com/fake/internal/claims"
)

func TestIgnored(t *testing.T) { claims.Check(t, "Z1") }
