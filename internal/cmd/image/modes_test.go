package main

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"netnotes/internal/records"
	"netnotes/internal/stream"
)

// Mode is a way to run the image that CI checks, and that README.md's
// table of the image's modes promises a number of claims for.
type Mode struct {
	Name   string   // as the README's table names it: "podman-privileged"
	Engine string   // podman or docker
	Flags  []string // the run's flags besides --rm
}

// Modes are the ways CI runs the image: what a reader types, in a
// container with its own PID namespace (the runtimes' default, a pod's
// without hostPID).
var Modes = []Mode{
	{"podman-privileged", "podman", []string{"--privileged"}},
	{"podman-default", "podman", nil},
	{"podman-net-admin", "podman", []string{"--cap-add", "NET_ADMIN"}},
	{"docker-privileged", "docker", []string{"--privileged"}},
}

// promiseRE is a row of the README's table of the image's modes:
// "| `podman-default` | ... | **20** |".
var promiseRE = regexp.MustCompile("(?m)^\\| `([a-z-]+)` \\|.*\\| \\*\\*([0-9]+)\\*\\* \\|\\s*$")

// promises reads, from the README, how many claims each mode gives a
// verdict for.
func promises(readme []byte) map[string]int {
	p := map[string]int{}
	for _, m := range promiseRE.FindAllSubmatch(readme, -1) {
		n, _ := strconv.Atoi(string(m[2]))
		p[string(m[1])] = n
	}
	return p
}

// conditionWords are how a skip names the condition that stopped a note
// in a container: a capability, --privileged, a read-only /proc/sys,
// lockdown, the PID namespace, seccomp, user namespaces, a missing
// program.
var conditionWords = []string{"CAP_", "--privileged", "--cap-add", "read-only", "/proc/sys", "lockdown", "PID namespace",
	"seccomp", "user namespace", "not found", "not installed", "no such file", "install "}

// namesCondition says what is wrong with a skip's reason, "" if nothing:
// it must name the condition, and not tell uid 0 to use sudo.
func namesCondition(reason string) string {
	if strings.Contains(reason, "sudo") {
		return "tells a process that is uid 0 already to use sudo"
	}
	for _, w := range conditionWords {
		if strings.Contains(reason, w) {
			return ""
		}
	}
	return "names no condition (a capability, --privileged, a read-only /proc/sys, lockdown, the PID namespace, seccomp, a missing program)"
}

// judgeRun holds a run of the image to the host's run of the same notes:
// no failed test and no contradiction in its stream; each claim a verdict
// or a skip naming its condition; every verdict the host's, but that a
// part a skip or a measurement's spread left undecided may move its
// claim's word. It returns the number of claims with a decided verdict
// and what breaks the rule.
func judgeRun(host, run *stream.Reader) (decided int, wrong []string) {
	sum := run.Summary()
	for _, f := range sum.Failed {
		wrong = append(wrong, fmt.Sprintf("FAIL %s: %s", f, sum.Why[f]))
	}
	for _, p := range sum.Problems {
		wrong = append(wrong, "the stream contradicts itself: "+p.String())
	}
	hostRows, runRows := byClaim(host.Verdicts()), byClaim(run.Verdicts())
	for _, c := range records.Catalogue {
		hv, rv := hostRows[c.ID], runRows[c.ID]
		if len(rv) == 0 {
			if len(hv) > 0 {
				wrong = append(wrong, fmt.Sprintf("%s: no verdict and no skip (a test that failed or did not run), where the host's was %s", c.ID, words(hv)))
			}
			continue
		}
		any := false
		for _, r := range rv {
			if r.Verdict == records.Skipped {
				if why := namesCondition(r.Evidence); why != "" {
					wrong = append(wrong, fmt.Sprintf("%s: skipped, but its reason %s: %q", c.ID, why, r.Evidence))
				}
				continue
			}
			any = true
			if len(hv) == 0 {
				continue // the host said nothing to hold it to
			}
			wrong = append(wrong, judgeRow(c.ID, hv, r)...)
		}
		if any {
			decided++
		}
	}
	return decided, wrong
}

// judgeRow holds one decided row of claim id to the host's rows.
func judgeRow(id string, host []stream.Verdict, r stream.Verdict) []string {
	var wrong []string
	hostParts := map[string]records.Verdict{}
	var hostWords records.Verdict
	for _, h := range host {
		hostWords = hostWords.Join(h.Verdict)
		for _, p := range h.Parts {
			hostParts[p.Part] = hostParts[p.Part].Join(p.Verdict)
		}
	}
	moved := false // a part the run could not decide, which may move the claim's word
	for _, p := range r.Parts {
		key := id + "/" + p.Part
		hp := hostParts[p.Part]
		switch {
		case hp.Has(p.Verdict):
		case p.Verdict == records.Skipped:
			moved = true
			if why := namesCondition(p.Evidence); why != "" {
				wrong = append(wrong, fmt.Sprintf("%s: skipped, but its reason %s: %q", key, why, p.Evidence))
			}
		case records.IsMeasuredPart(key) && (p.Verdict == records.Undecided || hp.Has(records.Undecided)):
			moved = true
		case hp == "":
			wrong = append(wrong, fmt.Sprintf("%s: %s here, a part the host's run did not give", key, p.Verdict))
		default:
			wrong = append(wrong, fmt.Sprintf("%s: %s on the host, %s here: %s", key, hp, p.Verdict, p.Evidence))
		}
	}
	if !hostWords.Has(r.Verdict) && (!moved || len(wrong) > 0) {
		wrong = append(wrong, fmt.Sprintf("%s: %s on the host, %s here: %s", id, hostWords, r.Verdict, r.Evidence))
	}
	return wrong
}

func byClaim(vs []stream.Verdict) map[string][]stream.Verdict {
	m := map[string][]stream.Verdict{}
	for _, v := range vs {
		m[v.ID] = append(m[v.ID], v)
	}
	return m
}

func words(vs []stream.Verdict) string {
	var w records.Verdict
	for _, v := range vs {
		w = w.Join(v.Verdict)
	}
	return string(w)
}

// The README promises a number of claims for each mode CI runs.
func TestREADMEPromisesEachMode(t *testing.T) {
	readme, err := os.ReadFile("../../../README.md")
	require.NoError(t, err)
	p := promises(readme)
	for _, m := range Modes {
		assert.Positive(t, p[m.Name], "README.md's table of the image's modes has no row for `%s`", m.Name)
	}
}

func readStream(t *testing.T, lines ...string) *stream.Reader {
	t.Helper()
	r := stream.NewReader()
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l + "\n")
	}
	require.NoError(t, r.Read(strings.NewReader(b.String())))
	return r
}

// row is a test run that logs lines and passes (or, with a skipped claim
// line, skips).
func row(test string, lines ...string) []string {
	const pkg = "netnotes/loopback"
	out := []string{fmt.Sprintf(`{"Action":"run","Package":%q,"Test":%q}`, pkg, test)}
	end := "pass"
	for _, l := range lines {
		out = append(out, fmt.Sprintf(`{"Action":"output","Package":%q,"Test":%q,"Output":%q}`, pkg, test, "    x_test.go:1: "+l+"\n"))
		if head, _, _ := strings.Cut(l, ":"); strings.Contains(l, ": skipped — ") && !strings.Contains(head, "/") {
			end = "skip" // a claim's skip, not a part's
		}
	}
	return append(out, fmt.Sprintf(`{"Action":%q,"Package":%q,"Test":%q}`, end, pkg, test))
}

func TestJudgeRunHoldsTheImageToTheHost(t *testing.T) {
	host := readStream(t, slices.Concat(
		row("TestL1", "claim L1: confirmed — lo only"),
		row("TestL2", "claim L2/xmit: confirmed — xmit", "claim L2/softirq: confirmed — softirq", "claim L2: confirmed — parts"),
		row("TestL4", "claim L4/no-difference: confirmed — 0.98x", "claim L4: confirmed — parts"),
		row("TestV8A", "claim V8: confirmed — bridge"),
		row("TestV8C", "claim V8/podman: confirmed — podman0", "claim V8: confirmed — parts"),
	)...)
	for _, c := range []struct {
		name    string
		run     []string
		decided int
		wrong   []string
	}{
		{"the host's verdicts", slices.Concat(
			row("TestL1", "claim L1: confirmed — lo only"),
			row("TestL2", "claim L2/xmit: confirmed — x", "claim L2/softirq: confirmed — s", "claim L2: confirmed — parts"),
			row("TestL4", "claim L4/no-difference: undecided — 0.88-1.05x straddles", "claim L4: refined — parts"),
			row("TestV8A", "claim V8: confirmed — bridge"),
			row("TestV8C", `claim V8: skipped — needs the "podman" program, not found on PATH: install podman and run again`),
		), 4, nil},
		{"a part the PID namespace got wrong", slices.Concat(
			row("TestL2", "claim L2/xmit: refuted — no xmit of the test's", "claim L2/softirq: confirmed — s", "claim L2: refined — parts"),
		), 1, []string{
			"L1: no verdict and no skip (a test that failed or did not run), where the host's was confirmed",
			"L2/xmit: confirmed on the host, refuted here: no xmit of the test's",
			"L2: confirmed on the host, refined here: parts",
			"L4: no verdict and no skip (a test that failed or did not run), where the host's was confirmed",
			"V8: no verdict and no skip (a test that failed or did not run), where the host's was confirmed",
		}},
		{"skips that name nothing, or tell root to use sudo", slices.Concat(
			row("TestL1", "claim L1: skipped — needs root: run `sudo make notes`"),
			row("TestL2", "claim L2/xmit: skipped — could not", "claim L2/softirq: confirmed — s", "claim L2: confirmed — parts"),
			row("TestL4", "claim L4: skipped — read-only file system: /proc/sys is read-only here"),
			row("TestV8A", "claim V8: skipped — needs CAP_NET_ADMIN: run the container with --cap-add NET_ADMIN"),
		), 1, []string{
			"L1: skipped, but its reason tells a process that is uid 0 already to use sudo: \"needs root: run `sudo make notes`\"",
			"L2/xmit: skipped, but its reason names no condition (a capability, --privileged, a read-only /proc/sys, lockdown, the PID namespace, seccomp, a missing program): \"could not\"",
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			decided, wrong := judgeRun(host, readStream(t, c.run...))
			assert.Equal(t, c.decided, decided)
			assert.Equal(t, c.wrong, wrong)
		})
	}

	failed := readStream(t, `{"Action":"run","Package":"netnotes/loopback","Test":"TestL1"}`,
		`{"Action":"output","Package":"netnotes/loopback","Test":"TestL1","Output":"    x_test.go:3: setting sysctl: read-only file system\n"}`,
		`{"Action":"fail","Package":"netnotes/loopback","Test":"TestL1"}`)
	_, wrong := judgeRun(host, failed)
	assert.Contains(t, wrong, "FAIL netnotes/loopback TestL1: setting sysctl: read-only file system")
}

func TestPromisesReadTheTable(t *testing.T) {
	readme := "| Mode | Command | Claims |\n|---|---|---|\n| `podman-privileged` | `podman run --rm --privileged netnotes` | **32** |\n| `podman-default` | `podman run --rm netnotes` | **20** |\n"
	assert.Equal(t, map[string]int{"podman-privileged": 32, "podman-default": 20}, promises([]byte(readme)))
}

// The Job that runs the image on every node runs it as one of CI's modes
// (privileged, in the pod's own PID and network namespaces), saves the
// run on stdout, and names the image make image makes.
func TestJobRunsTheImageInAModeCIRuns(t *testing.T) {
	data, err := os.ReadFile("netnotes-job.yaml")
	require.NoError(t, err)
	var job struct {
		Kind string
		Spec struct {
			CompletionMode string `yaml:"completionMode"`
			Template       struct {
				Spec struct {
					HostPID     bool `yaml:"hostPID"`
					HostNetwork bool `yaml:"hostNetwork"`
					Containers  []struct {
						Image           string
						Args            []string
						SecurityContext struct {
							Privileged bool
						} `yaml:"securityContext"`
					}
				}
			}
		}
	}
	require.NoError(t, yaml.Unmarshal(data, &job))
	assert.Equal(t, "Job", job.Kind)
	assert.Equal(t, "Indexed", job.Spec.CompletionMode)
	pod := job.Spec.Template.Spec
	assert.False(t, pod.HostPID, "CI runs the image in its own PID namespace")
	assert.False(t, pod.HostNetwork, "nor in the node's network namespace")
	require.Len(t, pod.Containers, 1)
	c := pod.Containers[0]
	assert.True(t, c.SecurityContext.Privileged, "the mode podman-privileged, as CI runs it")
	assert.Contains(t, Modes, Mode{"podman-privileged", "podman", []string{"--privileged"}})
	assert.Equal(t, "localhost/"+DefaultTag+":latest", c.Image)
	assert.Equal(t, []string{"-save", "-"}, c.Args)
}
