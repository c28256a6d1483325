//go:build linux && sudo

package records_test

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"netnotes/internal/gate"
	"netnotes/internal/records"
)

// notRunHere are the programs whose commands are checked, not run: they
// fetch images and start daemons (podman, docker), change the host's
// kernel, which no namespace holds (modprobe), or run the notes themselves
// (go, make), which `make test` does anyway. A claim's commands run up to
// the first of them.
var notRunHere = []string{"podman", "docker", "modprobe", "go", "make"}

// prepare makes the world a reader's commands expect, inside the test's
// private namespaces: /run for `ip netns add` (a tmpfs: the host's named
// namespaces are neither seen nor touched), /tmp and a working directory
// of their own, and tracefs for bpftrace.
const prepare = `set -u
exec 2>&1
mount -t tmpfs netnotes-run /run && mkdir -p /run/netns
mount -t tmpfs netnotes-tmp /tmp && mkdir /tmp/work && cd /tmp/work
mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing
`

var stepRE = regexp.MustCompile(`(?m)^@@netnotes-step (\d+) rc (\d+)$`)

// A reader copies a claim's commands one after the other into a root
// shell. Here they run so, as root, in a network, mount and PID namespace
// of their own (unshare): every namespace they add, every device,
// address, route and sysctl they change is in there, and dies with it; a
// command left running in the background is killed with the PID
// namespace. Each command must end with status 0, except one whose
// comment says what refuses it ("# refused: ...", "# no reply: ...").
func TestEveryClaimsCommandsRunAsWritten(t *testing.T) {
	gate.Root(t)
	for _, prog := range []string{"unshare", "mount", "mountpoint", "bash"} {
		gate.Binary(t, prog, "util-linux")
	}
	for _, c := range records.Catalogue {
		t.Run(c.ID, func(t *testing.T) {
			t.Parallel()
			var script strings.Builder
			script.WriteString(prepare)
			var ran []string
			for i, command := range c.Commands {
				calls, err := parseCalls(command)
				if err != nil {
					t.Fatalf("%q: %v", command, err)
				}
				if prog := firstNotRunHere(calls); prog != "" {
					t.Logf("not run from here on (%s is checked, not run): %s", prog, command)
					break
				}
				for _, call := range calls {
					if _, err := exec.LookPath(call.prog); err != nil && !slices.Contains(builtins, call.prog) {
						gate.Skip(t, "%s is not installed (Debian: %s): install it and run again", call.prog, packages[filepath.Base(call.prog)])
					}
				}
				fmt.Fprintf(&script, "( %s\n) </dev/null\necho \"@@netnotes-step %d rc $?\"\n", command, i)
				ran = append(ran, command)
			}
			out := runPrivately(t, script.String())
			steps := stepRE.FindAllStringSubmatchIndex(out, -1)
			if len(steps) != len(ran) {
				t.Fatalf("%d of %d commands reported their status; the output:\n%s", len(steps), len(ran), out)
			}
			start := 0
			for i, m := range steps {
				text := out[start:m[0]]
				start = m[1]
				rc, _ := strconv.Atoi(out[m[4]:m[5]])
				command := ran[i]
				if rc != 0 && !expectsRefusal(command) {
					t.Errorf("$ %s\nexit status %d:\n%s", command, rc, text)
				}
			}
			if testing.Verbose() {
				t.Logf("the commands' output:\n%s", out)
			}
		})
	}
}

// expectsRefusal reports whether a command's comment says it fails on
// purpose (the claim's point: bind refused, no reply).
func expectsRefusal(command string) bool {
	_, comment, ok := strings.Cut(command, " # ")
	return ok && (strings.HasPrefix(comment, "refused") || strings.HasPrefix(comment, "no reply"))
}

func firstNotRunHere(calls []call) string {
	for _, c := range calls {
		if slices.Contains(notRunHere, filepath.Base(c.prog)) {
			return c.prog
		}
	}
	return ""
}

// runPrivately runs a bash script in new network, mount and PID
// namespaces, with a fresh /proc, and returns what it printed.
func runPrivately(t *testing.T, script string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "unshare", "--net", "--mount", "--propagation", "private", "--pid", "--fork", "--mount-proc", "bash", "-c", script)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil && ctx.Err() != nil {
		t.Fatalf("the commands did not finish within 2 minutes:\n%s", out.String())
	}
	return out.String()
}
