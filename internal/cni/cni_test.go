package cni

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFindWantsThePluginAndItsDelegatesInOneDirectory(t *testing.T) {
	only, both := t.TempDir(), t.TempDir()
	for _, f := range []string{filepath.Join(only, "bridge"), filepath.Join(both, "bridge"), filepath.Join(both, "host-local")} {
		if err := os.WriteFile(f, []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	saved := Dirs
	t.Cleanup(func() { Dirs = saved })
	Dirs = nil
	t.Setenv("CNI_PATH", only+string(os.PathListSeparator)+both)
	p, err := Find("bridge", "host-local")
	if err != nil || p.Dir != both || p.Path != filepath.Join(both, "bridge") {
		t.Fatalf("Find = %+v, %v; want bridge in %s, the directory with host-local too", p, err, both)
	}
	t.Setenv("CNI_PATH", only)
	if _, err := Find("bridge", "host-local"); err == nil || !strings.Contains(err.Error(), only) {
		t.Fatalf("Find without host-local = %v; want an error naming where it looked", err)
	}
}

func TestEnvNamesTheCallAsTheSpecificationDoes(t *testing.T) {
	p := Plugin{Name: "bridge", Path: "/usr/lib/cni/bridge", Dir: "/usr/lib/cni"}
	got := strings.Join(p.Env(Call{Command: "ADD", ContainerID: "c1", Netns: "/proc/1/fd/3", IfName: "eth0"}), " ")
	want := "CNI_COMMAND=ADD CNI_CONTAINERID=c1 CNI_NETNS=/proc/1/fd/3 CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni"
	if got != want {
		t.Fatalf("Env = %q, want %q", got, want)
	}
}

// Where /proc/sys is read-only, the bridge plugin says so in its error
// JSON; the line is found and the errno's text left to the refusal.
func TestLineWithFindsThePluginsMessage(t *testing.T) {
	said := `CNI_COMMAND=ADD /usr/lib/cni/bridge: exit status 1: {
    "code": 999,
    "msg": "failed to enable forwarding: open /proc/sys/net/ipv4/ip_forward: read-only file system"
}`
	if got, want := lineWith(said, "read-only file system"), "failed to enable forwarding: open /proc/sys/net/ipv4/ip_forward"; got != want {
		t.Errorf("got %q; want %q", got, want)
	}
	if got := lineWith(said, "permission denied"); got != "" {
		t.Errorf("got %q for a text the message does not hold", got)
	}
}
