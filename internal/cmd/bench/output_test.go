package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"netnotes/internal/bench"
	"netnotes/internal/bench/chart"
)

func TestTCPModeFromSegmentsPerMessage(t *testing.T) {
	for _, tc := range []struct {
		msgs, segs int64
		want       string
	}{
		{1000, 25, "merged"},
		{1000, 990, "one segment per write"},
		{1000, 0, "?"}, // not counted
	} {
		r := bench.Result{Msgs: tc.msgs, Counts: bench.Counts{TCPDataSegments: tc.segs}}
		if got := tcpMode(r); got != tc.want {
			t.Errorf("%d segments for %d messages: %q; want %q", tc.segs, tc.msgs, got, tc.want)
		}
	}
}

// -redraw draws the SVG beside the JSON a sweep wrote, without measuring.
func TestRedrawWritesTheSVGBesideTheData(t *testing.T) {
	dir := t.TempDir()
	d := chart.Data{Machine: "test machine", Date: "today", Command: "make bench", Reps: 1, Each: "1s", Path: "raw",
		A: "uds", B: "tcp", Cells: []chart.Cell{{Shape: "stream", Placement: "onecpu", Size: 100,
			Rates: map[string][]float64{"uds": {2}, "tcp": {1}, "pipe": {4}}}}}
	prefix := filepath.Join(dir, "bench")
	if err := writeChart(prefix, d); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(prefix + ".svg"); err != nil {
		t.Fatal(err)
	}
	if err := redraw(prefix + ".json"); err != nil {
		t.Fatal(err)
	}
	svg, err := os.ReadFile(prefix + ".svg")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(svg), "test machine") {
		t.Error("redrawn SVG lacks the data's caption")
	}
	if err := redraw(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("redraw of a missing file: no error")
	}
}
