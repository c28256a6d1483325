//go:build ignore

package beta

import (
	"os"
	"testing"

	. "example.com/fake/internal/claims"
)

func TestMain(m *testing.M) { os.Exit(Main(m, "beta")) }
