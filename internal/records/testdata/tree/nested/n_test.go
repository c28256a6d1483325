package nested

import (
	"testing"

	"example.com/fake/internal/claims"
)

func TestNested(t *testing.T) { claims.Check(t, "Z2") }
