package loopback

import (
	"os"
	"testing"

	"netnotes/internal/claims"
)

// TestMain runs the chapter's tests, then fails a full run in which a
// claim of the chapter has no registered judge, or no refuting case of
// that judge ran (claims.Main).
func TestMain(m *testing.M) { os.Exit(claims.Main(m, "loopback")) }
