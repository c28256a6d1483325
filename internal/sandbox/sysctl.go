package sandbox

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
// every sysctl it depends on.
func (ns *NS) SetSysctl(t testing.TB, key, value string) {
	t.Helper()
	if err := ns.Do(func() error {
		return os.WriteFile(sysctlPath(key), []byte(value), 0o644)
	}); err != nil {
		t.Fatalf("setting sysctl %s=%s in %v: %v", key, value, ns, err)
	}
}

// DisableIPv6 turns IPv6 off for every device made in the namespace from now
// on, so router solicitations and MLD reports do not move packet counters.
func (ns *NS) DisableIPv6(t testing.TB) {
	t.Helper()
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
