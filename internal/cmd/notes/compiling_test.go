package main

import (
	"bytes"
	"strings"
	"testing"

	"netnotes/internal/stream"
)

// The reader is told at once that compiling comes first, and when the
// first test binary starts; a second start says nothing more.
func TestCompilingNoticeEndsAtTheFirstStart(t *testing.T) {
	var w bytes.Buffer
	c := startCompiling(&w, false)
	col := stream.NewReader()
	col.OnStart = c.done
	col.Add(stream.Event{Action: "start", Package: "netnotes/veth"})
	col.Add(stream.Event{Action: "start", Package: "netnotes/uds"})
	c.stop()
	lines := strings.Split(strings.TrimSpace(w.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "notes: compiling the notes' tests") || !strings.HasPrefix(lines[1], "notes: the first tests run after") {
		t.Errorf("stderr:\n%s", w.String())
	}
}

// go test ending before any test binary ran (a build failure everywhere)
// ends the notice without a word about tests running.
func TestCompilingNoticeStopsSilently(t *testing.T) {
	var w bytes.Buffer
	c := startCompiling(&w, true)
	c.stop()
	c.done()
	if strings.Contains(w.String(), "first tests run") {
		t.Errorf("stderr: %q", w.String())
	}
}
