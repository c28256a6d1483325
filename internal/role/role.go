// Package role lets a netnotes binary play another part than its own: the
// bench's peer process, the notes' client in uds/, the rm and unlink
// stand-ins of N3's drill, a test binary's relay into a user namespace.
// Each of these is this same executable started again, and each is a
// role, registered by name in the package that plays it:
//
//	var peerRole = role.Register(role.Role{Name: "bench-peer", Run: runPeer})
//	...
//	cmd := peerRole.Command(spec) // this binary again, as the bench's peer
//
// Register decides at once whether this process plays the role: when
// NETNOTES_ROLE names it, when the program was started under the role's
// name (a link called rm), or when the role's When says so. It then runs
// the role and exits with its status, before any test runs, any TestMain
// or a tool's main: registrations run while packages initialize, on the
// main thread, which the Go runtime keeps locked to the main goroutine
// until then. A role that returns Continue prepared the process and lets
// it go on as itself (a test binary's tests). So every binary that links
// the package that registers a role can play it, and nothing in a
// chapter's TestMain has to know.
//
// The environment variables that steer the notes are named here too
// (env.go), and read through those names. Every role and every variable
// is listed in CONTRIBUTING.md, "The environment and the binaries'
// roles"; a test of this package fails when one is missing there.
package role

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
)

// Env is the variable that names the role a process is started to play
// (Role.Command sets it). A process that plays its role and continues no
// longer has it, so that its children play none.
const Env = "NETNOTES_ROLE"

// Continue, returned by a role's Run, lets the process go on as itself
// after the role prepared it (the tests of a test binary then run).
const Continue = -1

// A Role is a part a binary can play instead of its own.
type Role struct {
	// Name chooses the role: NETNOTES_ROLE=Name, or a program started
	// under that name (its argv[0], as a link named rm makes it).
	Name string
	// When, if set, chooses the role too, where no role is named: a
	// part the process takes by its own circumstances (a test binary
	// started by an ordinary user relays to a user namespace).
	When func() bool
	// Args, if set, names the arguments Run wants, one each: a process
	// started with another number says so and exits with status 2.
	Args []string
	// Run plays the part with the program's arguments and returns the
	// exit status, or Continue.
	Run func(args []string) int
}

var registry = struct {
	sync.Mutex
	names map[string]bool
}{names: map[string]bool{}}

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)

// Register records r and plays it if this process is to play it (see the
// package doc). Call it once per role, at package level, where the role's
// code lives; it panics on a name used twice or not lower-case words.
func Register(r Role) Role {
	registry.Lock()
	defer registry.Unlock()
	if !nameRE.MatchString(r.Name) || r.Run == nil {
		panic(fmt.Sprintf("role.Register: role %q: a name of lower-case words and a Run", r.Name))
	}
	if registry.names[r.Name] {
		panic(fmt.Sprintf("role.Register: role %q registered twice", r.Name))
	}
	registry.names[r.Name] = true
	if !r.chosen() {
		return r
	}
	os.Unsetenv(Env)
	args := os.Args[1:]
	if r.Args != nil && len(args) != len(r.Args) {
		fmt.Fprintf(os.Stderr, "%s: want %d arguments (%s), got %q\n", r.Name, len(r.Args), strings.Join(r.Args, "; "), args)
		os.Exit(2)
	}
	if code := r.Run(args); code != Continue {
		os.Exit(code)
	}
	return r
}

// chosen reports whether this process is to play r.
func (r Role) chosen() bool {
	switch named := os.Getenv(Env); {
	case named != "":
		return named == r.Name
	case filepath.Base(os.Args[0]) == r.Name:
		return true
	}
	return r.When != nil && r.When()
}

// Command is this program again, with args, playing r. It runs
// /proc/self/exe: the kernel follows that link straight to the file, so
// another user can run it even where `go test` built it in a directory
// only root may enter. The caller adds to its environment, descriptors and
// attributes as it needs.
func (r Role) Command(args ...string) *exec.Cmd {
	cmd := exec.Command("/proc/self/exe", args...)
	cmd.Args[0] = os.Args[0]
	cmd.Env = append(os.Environ(), Env+"="+r.Name)
	return cmd
}
