//go:build linux && sudo

package unlink

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"netnotes/internal/claims"
	"netnotes/internal/gate"
	"netnotes/internal/role"
	"netnotes/internal/sysrec"
)

// A refutation drill: N3's own observation, on a system where the programs
// called rm and unlink are a trash can (as `alias rm=trash`, safe-rm and
// their kind make them): they move the operand away with rename(2) and
// never call unlink or unlinkat. Both parts, and the claim, must be
// refuted.
//
// The stand-ins are this test binary itself, run under the names rm and
// unlink (trashCan), so that the drill is false by construction whatever
// the reader's userland (GNU coreutils, busybox, uutils) and architecture
// (arm64 has no unlink system call, so its unlink commands call unlinkat).
// Swapping the reader's own rm and unlink, as this drill once did, is not:
// busybox's rm calls unlink(2), and on arm64 rm's unlinkat is what unlink's
// part accepts.
//
// (N1, N2, N4 and N5 get no drill: what they observe is the kernel's own
// rule for names, counts and descriptors, and no set-up of a test's own
// makes a kernel break it. Holding a second descriptor open in N2, say,
// keeps the space, but then the claim's condition "no process has the file
// open" is not met, and the judge, rightly, does not refute.)
//
// equiv: mkdir trash; ln -s TRASHCAN trash/rm; ln -s TRASHCAN trash/unlink; PATH=$PWD/trash:$PATH strace -e trace=unlink,unlinkat rm -f 111
func TestDrillN3TrashCanCommands(t *testing.T) {
	gate.Feature(t, "ptrace of a child process", func() error {
		_, err := sysrec.Run(t.Context(), sysrec.Command{Path: "/proc/self/exe", Args: []string{"-test.run=^$"}})
		return err
	})
	self, err := os.Executable()
	require.NoError(t, err)
	dir := t.TempDir()
	for _, name := range []string{"rm", "unlink"} {
		require.NoError(t, os.Symlink(self, filepath.Join(dir, name)))
	}
	facts := observeCommandCalls(t, filepath.Join(dir, "rm"), filepath.Join(dir, "unlink"))
	claims.Drill(t, "N3", facts, judgeCommandCalls, claims.Refuted)
}

// trashCanVersion is what the stand-ins answer to --version.
const trashCanVersion = "netnotes N3 drill: a trash can (renames, never unlinks)"

// The stand-ins are two roles (internal/role) chosen by the name the
// binary is started under, rm or unlink (a test binary is never called so
// but by the drill's links): each moves its operands into .trash with
// rename(2) and exits, before any test runs. Roles play on the main
// thread, the one sysrec traces.
var (
	_ = role.Register(role.Role{Name: "rm", Run: trashCan})
	_ = role.Register(role.Role{Name: "unlink", Run: trashCan})
)

// trashCan is a stand-in's whole program: --version answers, options are
// taken and ignored, each operand goes into .trash.
func trashCan(args []string) int {
	name := filepath.Base(os.Args[0])
	code := 0
	for _, arg := range args {
		switch {
		case arg == "--version":
			fmt.Printf("%s (%s)\n", name, trashCanVersion)
		case strings.HasPrefix(arg, "-"):
			// -f, -r: a trash can takes everything.
		default:
			err := os.MkdirAll(".trash", 0o755)
			if err == nil {
				err = os.Rename(arg, filepath.Join(".trash", filepath.Base(arg)))
			}
			if err != nil {
				fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
				code = 1
			}
		}
	}
	return code
}
