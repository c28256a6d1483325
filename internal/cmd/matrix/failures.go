package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
)

// logLine is a test's own message ("    x_test.go:30: ..."), the head of
// a testify report included.
var logLine = regexp.MustCompile(`^\s+[\w.-]+\.go:\d+: ?(.*)$`)

// testifyKeep are the lines of a testify report that say what was wrong
// (not where: the trace; not how to read it: the diff).
var testifyKeep = regexp.MustCompile(`^\s+(Error|expected|actual|Messages)\s*:\s*(.*)$`)

// failureReasons reads what each failed top-level test said ("netnotes/veth
// TestV3" -> its messages, joined), so that a failure under a scenario is
// shown with its cause next to the table.
func failureReasons(stream []byte) map[string]string {
	said := map[string][]string{}
	failed := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(stream))
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for sc.Scan() {
		var e struct{ Action, Package, Test, Output string }
		if json.Unmarshal(sc.Bytes(), &e) != nil || e.Test == "" {
			continue
		}
		top, _, _ := strings.Cut(e.Test, "/")
		key := e.Package + " " + top
		switch e.Action {
		case "fail":
			failed[key] = true
		case "output":
			for _, l := range strings.Split(strings.TrimRight(e.Output, "\n"), "\n") {
				if m := logLine.FindStringSubmatch(l); m != nil {
					msg := strings.TrimSpace(m[1])
					// Verdicts and facts are not why a test failed.
					if msg != "" && !strings.HasPrefix(msg, "claim ") && !strings.HasPrefix(msg, "facts ") && !strings.Contains(msg, ": facts {") {
						said[key] = append(said[key], msg)
					}
				} else if m := testifyKeep.FindStringSubmatch(l); m != nil && m[2] != "" {
					said[key] = append(said[key], m[1]+": "+strings.TrimSpace(m[2]))
				}
			}
		}
	}
	why := map[string]string{}
	for key := range failed {
		// A test fails at its end: its last words are the cause.
		msg := strings.Join(said[key], " | ")
		if len(msg) > 400 {
			msg = "..." + msg[len(msg)-400:]
		}
		why[key] = msg
	}
	return why
}
