package sandbox

// The rootless mode: without root, the test process re-executes itself once,
// before any test runs, into a user namespace it owns (its own uid mapped to
// 0), with a network namespace and a mount namespace of its own. There it
// holds every capability over the namespaces it makes, so New, NewPair and
// Mount work exactly as they do as root.
//
// The process needs a network namespace of its own, not the host's: a
// thread that Do moves into a test's namespace must be able to move back,
// and setns(2) into the host's namespace, which belongs to the initial user
// namespace, needs CAP_SYS_ADMIN there. So in rootless mode the "host" that
// every test starts from is a private namespace with lo up; the host's own
// network is out of the process's reach altogether (nothing it does can
// listen on, or change, a host address).
//
// Why the whole process, once, and not one re-execution per test (the
// helper-process pattern of Go's own syscall tests, TestCloneNEWUSERAndRemap
// and friends): a Go program is multithreaded from its first instruction,
// and unshare(CLONE_NEWUSER) refuses a multithreaded caller, so a user
// namespace can only be had by starting a process in one. Per test, every
// privileged test would have to start with a re-exec call and its result
// travel back by pipe; for the whole process, nothing in the chapters
// changes, and the namespaces a test makes belong to the test process as
// they do as root. It happens while this package initializes, before any
// test (the roles below, internal/role), only in test binaries built with
// -tags sudo, and only when the process is not root.

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"netnotes/internal/gate"
	"netnotes/internal/osthread"
	"netnotes/internal/role"
)

// Values of role.UserNamespaceEnv.
const (
	usernsInside = "inside" // the test process in the user namespace, and its children: do not re-execute again
	usernsOff    = "off"    // the reader's choice: no user namespace
	usernsRoot   = "root"   // started by a test process that runs as root
)

// reportFD is where a process started in a user namespace says "ok" or
// "refused: why".
const reportFD = 3

// The rootless mode's three roles: the test binary an ordinary user
// started relays to itself in a user namespace (userns-relay), which
// reports and goes on to run the tests (userns-enter); the process
// ProbeUserNamespace starts only reports (userns-probe).
var (
	_         = role.Register(role.Role{Name: "userns-relay", When: wantsUserNamespace, Run: relayToUserNamespace})
	enterRole = role.Register(role.Role{Name: "userns-enter", Run: enterUserNamespace})
	probeRole = role.Register(role.Role{Name: "userns-probe", Run: func([]string) int { return reportUserNamespace() }})
)

// enterUserNamespace is the test process the relay started: it reports,
// and runs the tests there. Where namespaces do not work after all, it
// exits and the relay runs the tests itself, unprivileged.
func enterUserNamespace([]string) int {
	if reportUserNamespace() != 0 {
		return 0
	}
	// Children of this process (a test's helper process, this binary
	// again, say) are inside too, and their descriptor 3 is not ours.
	os.Setenv(role.UserNamespaceEnv, usernsInside)
	return role.Continue
}

// reportUserNamespace runs in a process started inside a user namespace: it
// checks that a network namespace can be made here (an AppArmor policy, say,
// can leave the root of a user namespace without capabilities) and writes
// the outcome to reportFD. It returns 0 when namespaces work.
func reportUserNamespace() int {
	report := os.NewFile(reportFD, "userns report")
	if report == nil {
		return 1
	}
	defer report.Close()
	err := canMakeNetns()
	if err == nil {
		err = loUp()
	}
	if err != nil {
		fmt.Fprintf(report, "refused: %v\n", err)
		return 1
	}
	fmt.Fprintln(report, "ok")
	return 0
}

// canMakeNetns makes a network namespace on a throwaway thread that never
// leaves it: the runtime discards the thread when its goroutine returns
// locked (osthread.Throwaway: never the main thread). The process's own
// threads are untouched.
func canMakeNetns() error {
	if gate.CurrentMode() == gate.Unprivileged {
		return errors.New("no capabilities in the user namespace")
	}
	var err error
	osthread.Throwaway(func() { err = unix.Unshare(unix.CLONE_NEWNET) })
	if err != nil {
		return fmt.Errorf("unshare(CLONE_NEWNET) in the user namespace: %w", err)
	}
	return nil
}

// loUp brings up lo in the process's own network namespace (every thread's,
// as none has moved yet): lo is down in a new namespace.
// equiv: ip link set lo up
func loUp() error {
	h, err := netlink.NewHandle(unix.NETLINK_ROUTE)
	if err != nil {
		return fmt.Errorf("netlink in the user namespace: %w", err)
	}
	defer h.Close()
	lo, err := h.LinkByName("lo")
	if err == nil {
		err = h.LinkSetUp(lo)
	}
	if err != nil {
		return fmt.Errorf("ip link set lo up in the user namespace: %w", err)
	}
	return nil
}

// userNamespaceCommand is this program again, args and all, playing r in
// a new user namespace (this uid and gid mapped to 0) with new network and
// mount namespaces. It dies with the thread that starts it.
func userNamespaceCommand(r role.Role) (*exec.Cmd, *os.File, error) {
	report, w, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	cmd := r.Command(os.Args[1:]...)
	cmd.ExtraFiles = []*os.File{w} // reportFD
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags:  syscall.CLONE_NEWUSER | syscall.CLONE_NEWNET | syscall.CLONE_NEWNS,
		UidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Geteuid(), Size: 1}},
		GidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getegid(), Size: 1}},
		// Unprivileged, the gid map needs setgroups denied.
		GidMappingsEnableSetgroups: false,
		Pdeathsig:                  syscall.SIGKILL,
	}
	return cmd, report, nil
}

// start starts cmd and reads its report: "" when it runs in a working user
// namespace, else why not.
func start(cmd *exec.Cmd, report *os.File) (refused string) {
	defer report.Close()
	err := cmd.Start()
	cmd.ExtraFiles[0].Close() // the child's copy is the only writer left
	if err != nil {
		return fmt.Sprintf("clone(CLONE_NEWUSER|CLONE_NEWNET|CLONE_NEWNS): %v", unwrapStart(err))
	}
	line, _ := bufio.NewReader(report).ReadString('\n')
	line = strings.TrimSpace(line)
	if line == "ok" {
		return ""
	}
	_ = cmd.Wait()
	if line == "" {
		return "the process started in a user namespace said nothing"
	}
	return strings.TrimPrefix(line, "refused: ")
}

// unwrapStart strips os/exec's "fork/exec /proc/self/exe:" from err.
func unwrapStart(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// ProbeUserNamespace reports whether this user can run the privileged notes
// in a user namespace of its own, as a test binary built with -tags sudo
// would: nil when it can, else why not. It starts this program again inside
// one, which exits at once (so the program must import this package).
func ProbeUserNamespace() error {
	if os.Getenv(role.UserNamespaceEnv) == usernsOff {
		return errors.New(role.UserNamespaceEnv + "=off")
	}
	cmd, report, err := userNamespaceCommand(probeRole)
	if err != nil {
		return err
	}
	if why := start(cmd, report); why != "" {
		return errors.New(why)
	}
	return cmd.Wait()
}

// wantsUserNamespace chooses the relay: a test binary built with -tags
// sudo (sudoBuild), not inside a user namespace of the sandbox's already
// (nor started by root's test process, nor told to stay out).
func wantsUserNamespace() bool {
	return sudoBuild && testing.Testing() && os.Getenv(role.UserNamespaceEnv) == ""
}

// relayToUserNamespace is the rootless mode's switch: not root, it runs
// this test binary again in a user namespace, relays signals to it, and
// exits with its status; the tests run there. As root, or where the
// kernel refuses, the tests run here (the reason left in the environment
// for gate's skip texts).
func relayToUserNamespace([]string) int {
	if gate.IsRoot() {
		// A test may start this binary again as another user on purpose
		// (U9's client as uid 65534): that one must stay what it was made.
		os.Setenv(role.UserNamespaceEnv, usernsRoot)
		return role.Continue
	}
	// Roles play while packages initialize, on the main thread, locked:
	// Pdeathsig is bound to the thread that starts the child, and this one
	// lives as long as the process.
	cmd, report, err := userNamespaceCommand(enterRole)
	if err != nil {
		os.Setenv(role.UserNamespaceEnv, "refused: "+err.Error())
		return role.Continue
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, unix.SIGINT, unix.SIGTERM, unix.SIGHUP, unix.SIGQUIT)
	if why := start(cmd, report); why != "" {
		signal.Stop(signals)
		os.Setenv(role.UserNamespaceEnv, "refused: "+why)
		return role.Continue
	}
	go func() {
		for sig := range signals {
			_ = cmd.Process.Signal(sig)
		}
	}()
	return exitStatus(cmd.Wait())
}

// exitStatus turns the child's end into this process's exit status, as a
// shell would: its code, or 128 plus the signal that killed it.
func exitStatus(err error) int {
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		if err != nil {
			fmt.Fprintln(os.Stderr, "netnotes: the test process in the user namespace:", err)
			return 1
		}
		return 0
	}
	if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return exit.ExitCode()
}
