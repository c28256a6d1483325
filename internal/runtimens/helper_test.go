package runtimens

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// What podman and dockerd said in containers whose image lacked their
// helpers (podman 4.3.1, dockerd 20.10.24), and what they say when all is
// there but something else failed.
func TestMissingHelperNamesTheProgram(t *testing.T) {
	for _, c := range []struct{ said, helper string }{
		{"Error: netavark: No such file or directory (os error 2)", "netavark"},
		{`time="2026-12-07T09:25:45Z" level=warning msg="Failed to load cached network config: network podman not found in CNI cache, falling back to loading network podman from disk"
Error: plugin type="bridge" failed (add): cni plugin bridge failed: failed to locate iptables: exec: "iptables": executable file not found in $PATH`, "iptables"},
		{`time="2026-12-07T09:25:44.723188921Z" level=info msg="skip loading plugin \"io.containerd.snapshotter.v1.aufs\"..." error="aufs is not supported (modprobe aufs failed: exec: \"modprobe\": executable file not found in $PATH \"\"): skip plugin"
time="2026-12-07T09:25:46.223133805Z" level=warning msg="failed to find iptables" error="exec: \"iptables\": executable file not found in $PATH"
failed to start daemon: Error initializing network controller: error obtaining controller instance: failed to create NAT chain DOCKER: Iptables not found`, "iptables"},
		{"Error: could not find a working conmon binary (configured options: [/usr/libexec/podman/conmon /usr/bin/conmon]): invalid argument", "conmon"},
		{`Error: default OCI runtime "runc" not found: invalid argument`, "runc"},
		// Not a missing helper: no name, or only on a line that is no failure.
		{`level=info msg="skip loading plugin" error="modprobe aufs failed: exec: \"modprobe\": executable file not found in $PATH"`, ""},
		{"Error: open /proc/sys/net/ipv4/ip_forward: read-only file system", ""},
		{"Error: crun: creating cgroup directory: No such file or directory: OCI runtime attempted to invoke a command that was not found", ""},
	} {
		assert.Equal(t, c.helper, MissingHelper(c.said), c.said)
	}
}
