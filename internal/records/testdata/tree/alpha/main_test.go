package alpha_test

import (
	"os"
	"testing"

	"example.com/fake/internal/claims"
)

func TestMain(m *testing.M) { os.Exit(claims.Main(m, "alpha")) }
