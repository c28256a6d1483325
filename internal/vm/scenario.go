package vm

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Scenario is a host condition a VM runs the notes in, besides its
// kernel: the states readers' machines are really in, which the project
// machine is not. The zero Scenario is the plain run.
type Scenario struct {
	Name      string
	Append    []string // kernel command-line arguments ("ipv6.disable=1")
	Modules   []string // modules loaded before the notes, after the notes' own ("ipip")
	Sysctls   []Sysctl // written in the initial network namespace before the notes, in order
	NoTracefs bool     // the init leaves tracefs unmounted
	// NoNetfilter leaves NetfilterModules out: no nf_tables, nfnetlink or
	// conntrack, as on a kernel built without them or a machine that
	// cannot load modules.
	NoNetfilter bool
	Userland    string // "" (the host's rm and unlink, GNU coreutils) or UserlandBusybox
	Drills      string // also run the drills whose names after TestDrill match this regexp ("N3")
}

// Sysctl is one key (net.ipv4.tcp_congestion_control) and its value.
type Sysctl struct{ Key, Value string }

// Path is the sysctl's file under /proc/sys.
func (s Sysctl) Path() string {
	return "/proc/sys/" + strings.ReplaceAll(s.Key, ".", "/")
}

// UserlandBusybox puts Debian's busybox (the static build, package
// busybox-static, so that no library comes from the host) at /bin/busybox
// with /usr/bin/rm and /usr/bin/unlink linked to it, as Alpine and many
// containers have them, in place of the host's coreutils.
const UserlandBusybox = "busybox"

// BusyboxPackage is the Debian package UserlandBusybox comes from.
const BusyboxPackage = "busybox-static"

// userlandPrograms are the programs a userland replaces: the ones the
// notes run (Payload.Programs).
var userlandPrograms = []string{"rm", "unlink"}

// Plain reports whether s changes nothing.
func (s *Scenario) Plain() bool {
	return s == nil || (len(s.Append) == 0 && len(s.Modules) == 0 && len(s.Sysctls) == 0 &&
		!s.NoTracefs && !s.NoNetfilter && s.Userland == "" && s.Drills == "")
}

// busybox fetches Debian's static busybox (once) and returns its path.
func busybox(ctx context.Context, apt *Apt, cache string) (string, error) {
	deb, err := apt.Download(ctx, BusyboxPackage)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(cache, "userland", strings.TrimSuffix(filepath.Base(deb), ".deb"))
	if err := unpackDeb(ctx, deb, BusyboxPackage, dir); err != nil {
		return "", err
	}
	for _, p := range []string{"bin/busybox", "usr/bin/busybox"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err == nil {
			return filepath.Join(dir, p), nil
		}
	}
	return "", fmt.Errorf("package %s: no bin/busybox in it", BusyboxPackage)
}

// drillArgs turns the test binaries' flags into those of a pass that runs
// only the drills matching re: no -test.skip, no -test.run but its own.
func drillArgs(args []string, re string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-test.skip" || a == "-test.run":
			i++
		case strings.HasPrefix(a, "-test.skip=") || strings.HasPrefix(a, "-test.run="):
		default:
			out = append(out, a)
		}
	}
	return append(out, "-test.run", "^TestDrill(?:"+re+")")
}
