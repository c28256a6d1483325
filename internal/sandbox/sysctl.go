package sandbox

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"netnotes/internal/gate"
)

// Sysctl reads a sysctl inside the namespace. key is written as for sysctl(8),
// "net.ipv4.conf.all.rp_filter", or as a path under /proc/sys.
func (ns *NS) Sysctl(t testing.TB, key string) string {
	t.Helper()
	var value string
	err := ns.Do(func() error {
		b, err := os.ReadFile(sysctlPath(key))
		value = strings.TrimSpace(string(b))
		return err
	})
	if err != nil {
		t.Fatalf("reading sysctl %s in %v: %v", key, ns, err)
	}
	return value
}

// SetSysctl writes a sysctl inside the namespace. A fresh namespace copies
// some values from the host (IPv4 conf/all and conf/default), so a note sets
// every sysctl it depends on. Where /proc/sys is read-only (a default
// container: EROFS in every namespace), the test skips, saying so.
func (ns *NS) SetSysctl(t testing.TB, key, value string) {
	t.Helper()
	err := ns.Do(func() error {
		return os.WriteFile(sysctlPath(key), []byte(value), 0o644)
	})
	if errors.Is(err, unix.EROFS) {
		why, _ := gate.Refusal(err)
		gate.Skip(t, "needs to set sysctl %s=%s in a network namespace of its own: %s", key, value, why)
	}
	if err != nil {
		t.Fatalf("setting sysctl %s=%s in %v: %v", key, value, ns, err)
	}
}

// HasIPv6 reports whether the kernel runs IPv6 in the namespace: whether
// its sysctls exist (/proc/sys/net/ipv6). A kernel booted with
// ipv6.disable=1, or whose ipv6 module is not loaded, has none.
func (ns *NS) HasIPv6(t testing.TB) bool {
	t.Helper()
	var has bool
	if err := ns.Do(func() error {
		_, err := os.Stat(sysctlPath("net.ipv6"))
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		has = err == nil
		return err
	}); err != nil {
		t.Fatalf("looking for IPv6's sysctls in %v: %v", ns, err)
	}
	return has
}

// DisableIPv6 turns IPv6 off for every device made in the namespace from now
// on, so router solicitations and MLD reports do not move packet counters.
// Where the kernel has no IPv6 (HasIPv6) it is off already: nothing to do.
func (ns *NS) DisableIPv6(t testing.TB) {
	t.Helper()
	if !ns.HasIPv6(t) {
		return
	}
	ns.SetSysctl(t, "net.ipv6.conf.all.disable_ipv6", "1")
	ns.SetSysctl(t, "net.ipv6.conf.default.disable_ipv6", "1")
}

// sysctlPath maps "net.ipv4.ip_forward" to /proc/sys/net/ipv4/ip_forward.
// Device names made by this package hold no dots, so the mapping is exact.
func sysctlPath(key string) string {
	if strings.HasPrefix(key, "/") {
		return key
	}
	return filepath.Join("/proc/sys", strings.ReplaceAll(key, ".", "/"))
}
