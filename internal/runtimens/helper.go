package runtimens

import (
	"regexp"
	"strings"
	"testing"

	"netnotes/internal/gate"
)

// A runtime whose helper programs are not installed (an image without
// netavark or iptables, say) fails with a message that names the program:
// podman's "Error: netavark: No such file or directory (os error 2)",
// "could not find a working conmon binary", a CNI plugin's
// `exec: "iptables": executable file not found in $PATH`, dockerd's
// "failed to start daemon: ... Iptables not found". Only the lines that
// say why the runtime failed are read: dockerd also logs, as information,
// programs it can do without (modprobe).
var (
	failureLineRE = regexp.MustCompile(`(?i)(^|\s)error:|failed to start daemon|level=(fatal|error)`)
	helperRE      = []*regexp.Regexp{
		regexp.MustCompile(`exec: "([\w.+-]+)": executable file not found`),
		regexp.MustCompile(`(?i)\b([a-z][\w.+-]*): no such file or directory \(os error 2\)`),
		regexp.MustCompile(`could not find a working ([\w.+-]+) binary`),
		regexp.MustCompile(`OCI runtime "([\w.+-]+)" not found`),
		regexp.MustCompile(`(?i)\b(iptables|ip6tables|nft|conmon|netavark|aardvark-dns|slirp4netns|pasta) not found`),
	}
)

// MissingHelper finds in what a runtime said when it failed the helper
// program it could not find, "" when it names none.
func MissingHelper(said string) string {
	for _, line := range strings.Split(said, "\n") {
		if !failureLineRE.MatchString(line) {
			continue
		}
		for _, re := range helperRE {
			if m := re.FindStringSubmatch(line); m != nil {
				return strings.ToLower(m[1])
			}
		}
	}
	return ""
}

// helperPackages names the Debian package of each helper.
var helperPackages = map[string]string{
	"iptables": "iptables", "ip6tables": "iptables", "nft": "nftables", "conmon": "conmon", "netavark": "netavark",
	"aardvark-dns": "aardvark-dns", "runc": "runc", "crun": "crun", "slirp4netns": "slirp4netns", "pasta": "passt",
	"containerd": "containerd", "containerd-shim-runc-v2": "containerd",
}

// SkipIfHelperMissing skips the test when said (what runtime said as it
// failed) names a helper program that is not installed here, naming it
// and its package.
func SkipIfHelperMissing(t testing.TB, runtime, said string) {
	t.Helper()
	helper := MissingHelper(said)
	if helper == "" {
		return
	}
	pkg := helperPackages[helper]
	if pkg == "" {
		pkg = "the package that has " + helper
	}
	gate.Skip(t, "%s needs %s, which is not installed here (%s said: %s): install %s and run again",
		runtime, helper, runtime, firstFailure(said), pkg)
}

// firstFailure is the first line of said that says why the runtime failed.
func firstFailure(said string) string {
	for _, line := range strings.Split(said, "\n") {
		if failureLineRE.MatchString(line) {
			return strings.TrimSpace(line)
		}
	}
	return strings.TrimSpace(said)
}
