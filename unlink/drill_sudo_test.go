//go:build linux && sudo

package unlink

import (
	"testing"

	"netnotes/internal/claims"
	"netnotes/internal/gate"
)

// A refutation drill: N3's own observation, on a system where the
// programs called rm and unlink are not the notes' ones. Here they are
// swapped, as a packager's alternatives could leave them: "rm -f 111" runs
// the unlink program (which refuses -f and removes nothing) and
// "unlink 111" runs rm (which calls unlinkat). Both parts, and the claim,
// must be refuted.
//
// (N1, N2, N4 and N5 get no drill: what they observe is the kernel's own
// rule for names, counts and descriptors, and no set-up of a test's own
// makes a kernel break it. Holding a second descriptor open in N2, say,
// keeps the space, but then the claim's condition "no process has the file
// open" is not met, and the judge, rightly, does not refute.)
func TestDrillN3SwappedCommands(t *testing.T) {
	rm := gate.Binary(t, "rm", "coreutils")
	unlinkCmd := gate.Binary(t, "unlink", "coreutils")
	facts := observeCommandCalls(t, unlinkCmd, rm)
	claims.Drill(t, "N3", facts, judgeCommandCalls, claims.Refuted)
}
