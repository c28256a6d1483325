package records

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// Line formats a claim's verdict line. Evidence is kept on one line.
func Line(id string, verdict Verdict, evidence string) string {
	return fmt.Sprintf("claim %s: %s — %s", id, verdict, OneLine(evidence))
}

// PartLine formats the verdict line of one part of a claim.
func PartLine(id, part string, verdict Verdict, evidence string) string {
	return fmt.Sprintf("claim %s/%s: %s — %s", id, part, verdict, OneLine(evidence))
}

// OneLine puts evidence on one line: every run of white space, new lines
// too, becomes one space, so that a verdict line stays one line.
func OneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// FactsLine formats the line that carries a claim's facts, as JSON.
func FactsLine(id string, facts []byte) string {
	return fmt.Sprintf("facts %s: %s", id, facts)
}

// VerdictLine is one parsed verdict line: a claim's, or one part's.
type VerdictLine struct {
	ID       string
	Part     string // "" for the claim's own line
	Verdict  Verdict
	Evidence string
}

// A verdict line, as Line and PartLine write it, at the start of a line or
// behind the "file_test.go:12: " prefix the testing package gives t.Log.
var (
	lineRE  = regexp.MustCompile(`^(?:\s*[\w.-]+\.go:\d+: )?claim ([A-Z][0-9]+)(?:/([a-z0-9][a-z0-9-]*))?: ` + verdictWords() + ` — (.*)$`)
	factsRE = regexp.MustCompile(`^(?:\s*[\w.-]+\.go:\d+: )?facts ([A-Z][0-9]+): (\{.*\})$`)
	// logRE is the head of a t.Log message in a -json (or -v) stream:
	// four spaces at any depth of subtests, the file and the line. The
	// message's further lines are indented by eight and have no head.
	logRE = regexp.MustCompile(`^    [\w.-]+\.go:\d+: `)
)

// LogMessage returns the message of a test's log line as `go test -json`
// carries it ("    file_test.go:12: MESSAGE"). The continuation of a
// multi-line message ("        ..."), whatever it says, is not one: a
// verdict written inside another message is not a verdict.
func LogMessage(line string) (string, bool) {
	head := logRE.FindString(line)
	if head == "" {
		return "", false
	}
	return strings.TrimRight(line[len(head):], "\n"), true
}

// ParseLine finds a verdict line (a claim's or a part's) in one line of
// output. The line must start with it, or with the test log's prefix and
// then it: a verdict quoted inside other text is not one.
func ParseLine(output string) (VerdictLine, bool) {
	m := lineRE.FindStringSubmatch(strings.TrimRight(output, "\n"))
	if m == nil {
		return VerdictLine{}, false
	}
	return VerdictLine{ID: m[1], Part: m[2], Verdict: Verdict(m[3]), Evidence: m[4]}, true
}

// ParseLogLine is ParseLine for a line of test output as `go test -json`
// carries it: the verdict must come behind the t.Log prefix
// ("    file_test.go:12: "), where only a test's own log puts it.
func ParseLogLine(output string) (VerdictLine, bool) {
	msg, ok := LogMessage(output)
	if !ok || !strings.HasPrefix(msg, "claim ") {
		return VerdictLine{}, false
	}
	return ParseLine(msg)
}

// ParseFacts finds a facts line (FactsLine) and returns the claim's ID and
// the facts' JSON.
func ParseFacts(output string) (id string, facts json.RawMessage, ok bool) {
	m := factsRE.FindStringSubmatch(strings.TrimRight(output, "\n"))
	if m == nil || !json.Valid([]byte(m[2])) {
		return "", nil, false
	}
	return m[1], json.RawMessage(m[2]), true
}

// ParseLogFacts is ParseFacts for a line of test output as `go test -json`
// carries it: the facts must be a test's own log message (LogMessage).
func ParseLogFacts(output string) (id string, facts json.RawMessage, ok bool) {
	msg, ok := LogMessage(output)
	if !ok || !strings.HasPrefix(msg, "facts ") {
		return "", nil, false
	}
	return ParseFacts(msg)
}

// Where is where a run of the notes ran: the machine, and what the
// process could do there. Each chapter's test binary logs it once, at its
// start (WhereLine), so that a saved `go test -json` stream names the
// machine that made it, and the report read later, or beside other
// machines' streams, labels it from the stream itself.
type Where struct {
	Host      string `json:"host,omitempty"` // the node's name, for a column's label
	Kernel    string `json:"kernel"`         // uname -r
	Arch      string `json:"arch"`           // uname -m
	GoVersion string `json:"go,omitempty"`   // the Go that built the test binary
	// Mode is how the privileged notes ran: "root", "rootless user
	// namespace" or "unprivileged".
	Mode string `json:"mode"`
	// Container names the container the notes ran in ("podman",
	// "docker", "kubernetes", or "container" where the runtime cannot be
	// told); "" on a host.
	Container string `json:"container,omitempty"`
	// PIDNamespace is "host" (the initial PID namespace) or "own" (a
	// container's, a pod's); "" where it cannot be told.
	PIDNamespace string `json:"pid_namespace,omitempty"`
	// MissingCaps lists the capabilities the notes use that the process
	// lacks ("CAP_SYS_ADMIN", ...), in the initial user namespace's
	// terms.
	MissingCaps []string `json:"missing_caps,omitempty"`
	// ProcSysReadOnly: writes under /proc/sys are refused (EROFS), as in
	// a default container.
	ProcSysReadOnly bool `json:"proc_sys_read_only,omitempty"`
	// Lockdown is the kernel's lockdown mode ("none", "integrity",
	// "confidentiality"), "" where it cannot be read.
	Lockdown string `json:"lockdown,omitempty"`
}

// WhereLine formats the line that carries where a run ran, as JSON.
func WhereLine(w Where) string {
	data, _ := json.Marshal(w) // a struct of strings, a bool and a list: always encodes
	return "netnotes where: " + string(data)
}

var whereRE = regexp.MustCompile(`^(?:\s*[\w.-]+\.go:\d+: )?netnotes where: (\{.*\})$`)

// ParseWhere finds a WhereLine in one line of output.
func ParseWhere(output string) (Where, bool) {
	m := whereRE.FindStringSubmatch(strings.TrimRight(output, "\n"))
	if m == nil {
		return Where{}, false
	}
	var w Where
	if err := json.Unmarshal([]byte(m[1]), &w); err != nil || w.Kernel == "" {
		return Where{}, false
	}
	return w, true
}
