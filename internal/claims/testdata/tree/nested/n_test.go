package nested

import "example.com/fake/internal/claims"

func TestNested(t *testing.T) { claims.Check(t, "Z2") }
