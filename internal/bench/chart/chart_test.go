package chart

import (
	"bytes"
	"math"
	"os"
	"reflect"
	"strings"
	"testing"

	"netnotes/internal/bench"
	"netnotes/internal/role"
)

// withCPU gives a cell CPU times per message: uds 1000 ns, tcp 3000 ns.
func withCPU(c Cell) Cell {
	c.CPUns = map[string][]float64{"uds": {1000, 1000, 1000}, "tcp": {3000, 2900, 3100}}
	return c
}

// fixed is a small sweep made up for the tests: no kernel involved.
func fixed() Data {
	cell := func(shape string, size int, uds, tcp, pipe []float64) Cell {
		return Cell{Shape: shape, Placement: "onecpu", Size: size,
			Rates: map[string][]float64{"uds": uds, "tcp": tcp, "pipe": pipe}}
	}
	return Data{
		Machine: "Linux 6.18.44 x86_64, test CPU x 2", Load: "0.10 before, 0.20 after", Date: "2026-11-27 06:00 UTC",
		Command: "make bench", Reps: 3, Each: "500ms", Path: "raw", A: "uds", B: "tcp",
		Cells: []Cell{
			// Out of size order on purpose: panels sort by size.
			cell("roundtrip", 65536, []float64{50, 52, 48}, []float64{40, 40, 40}, []float64{60, 61, 59}),
			withCPU(cell("roundtrip", 100, []float64{300, 310, 290}, []float64{100, 100, 100}, []float64{400, 410, 390})),
			cell("stream", 100, []float64{600, 600, 600}, []float64{800, 700, 900}, []float64{2000, 2100, 1900}),
			cell("stream", 65536, []float64{100, 110, 90}, []float64{50, 50, 50}, []float64{200, 200, 200}),
		},
	}
}

func TestRatioIsPairwise(t *testing.T) {
	d := fixed()
	got, ok := d.Cells[1].Ratio("uds", "tcp")
	if !ok || got != (Summary{Median: 3, Min: 2.9, Max: 3.1}) {
		t.Errorf("round trip 100 B uds/tcp = %+v, %v; want median 3, range 2.9-3.1", got, ok)
	}
	// Pairs, not medians of each: 600/800, 600/700, 600/900.
	got, _ = d.Cells[2].Ratio("uds", "tcp")
	if math.Abs(got.Min-600.0/900) > 1e-9 || math.Abs(got.Max-600.0/700) > 1e-9 || math.Abs(got.Median-0.75) > 1e-9 {
		t.Errorf("stream 100 B uds/tcp = %+v; want 0.75 in 0.67-0.86", got)
	}
	if got, ok := d.Cells[1].CPURatio("uds", "tcp"); !ok || got != (Summary{Median: 3, Min: 2.9, Max: 3.1}) {
		t.Errorf("round trip 100 B uds/tcp by CPU = %+v, %v; want 3 in 2.9-3.1", got, ok)
	}
	if _, ok := d.Cells[0].CPURatio("uds", "tcp"); ok {
		t.Error("a CPU ratio from a cell without CPU times; want none")
	}
	if _, ok := d.Cells[0].Ratio("uds", "sctp"); ok {
		t.Error("a ratio with an unmeasured transport; want none")
	}
}

func TestJSONRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	if err := fixed().WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := ReadJSON(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, fixed()) {
		t.Errorf("read back %+v; want %+v", got, fixed())
	}
	if _, err := ReadJSON(strings.NewReader("{")); err == nil {
		t.Error("truncated JSON read without an error")
	}
}

// The chart has one row per shape and placement (rates, ratio), every
// transport in the legend, the notes' reference line and the caption.
// withLatency gives the fixed sweep's round trips percentiles, and the
// sweep a connection measurement.
func withLatency(d Data) Data {
	lat := func(us float64) []Latency {
		ns := int64(us * 1000)
		return []Latency{{ns, 3 * ns, 9 * ns}, {ns * 11 / 10, 3 * ns, 10 * ns}, {ns * 9 / 10, 2 * ns, 8 * ns}}
	}
	for i, c := range d.Cells {
		if c.Shape == "roundtrip" {
			f := float64(c.Size) / 100
			d.Cells[i].Latency = map[string][]Latency{"uds": lat(10 + f/100), "tcp": lat(15 + f/80), "pipe": lat(8 + f/120)}
		}
	}
	d.Connect = &bench.ConnectFacts{Cells: []bench.ConnectCell{
		{Placement: bench.OneCPU, RateUDS: 20602, RateTCP: 8682, Ratios: []float64{2.373, 3.1183, 2.4423, 1.9817, 2.7998}},
		{Placement: bench.Free, RateUDS: 19276, RateTCP: 8935, Ratios: []float64{1.2272, 2.9904, 3.768, 2.827, 1.6465}}}}
	return d
}

func TestWriteSVGDrawsLatencyAndConnections(t *testing.T) {
	d := withLatency(fixed())
	rows, err := d.Plots()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 {
		t.Fatalf("%d rows; want 4 (round trip, stream, latency, connections)", len(rows))
	}
	var buf bytes.Buffer
	if err := d.WriteSVG(&buf); err != nil {
		t.Fatal(err)
	}
	svg := buf.String()
	for _, want := range []string{"round trip, same CPU: p50 latency", "round trip, same CPU: p99, p99.9", "uds p99.9", "tcp p50",
		"connections: rate", "connections: uds/tcp", "free placement", "HdrHistogram"} {
		if !strings.Contains(svg, want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
	if out := os.Getenv(role.ChartOutEnv); out != "" {
		if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestWriteSVGDrawsEveryPanel(t *testing.T) {
	d := fixed()
	rows, err := d.Plots()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || len(rows[0]) != 2 {
		t.Fatalf("%d rows; want 2 (round trip, stream) of 2 panels", len(rows))
	}
	var buf bytes.Buffer
	if err := d.WriteSVG(&buf); err != nil {
		t.Fatal(err)
	}
	svg := buf.String()
	for _, want := range []string{"<svg", "round trip, same CPU: msgs/s", "stream, same CPU: uds/tcp",
		"the notes: 2x at 100 B", "uds/tcp by CPU time", ">pipe<", ">tcp<", "Linux 6.18.44", "regenerate: make bench", "64K"} {
		if !strings.Contains(svg, want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
}

func TestWriteSVGRefusesNoData(t *testing.T) {
	if err := (Data{A: "uds", B: "tcp"}).WriteSVG(&bytes.Buffer{}); err == nil {
		t.Error("drew a chart of nothing; want an error")
	}
}

func TestRateTicksLabelEveryDecadeInRange(t *testing.T) {
	var labels []string
	for _, tk := range (rateTicks{}).Ticks(30e3, 2.5e6) {
		labels = append(labels, tk.Label)
	}
	if got, want := strings.Join(labels, " "), "50k 100k 200k 500k 1M 2M"; got != want {
		t.Errorf("ticks %q; want %q", got, want)
	}
}

func TestRateTicksBelowOne(t *testing.T) {
	var labels []string
	for _, tk := range (rateTicks{}).Ticks(0.3, 3) {
		labels = append(labels, tk.Label)
	}
	if got, want := strings.Join(labels, " "), "0.5 1 2"; got != want {
		t.Errorf("ticks %q; want %q", got, want)
	}
}

func TestSizeTicksDoNotRunTogether(t *testing.T) {
	var labels []string
	for _, tk := range (sizeTicks{}).Ticks(64, 65536) {
		labels = append(labels, tk.Label)
	}
	// 64 keeps its mark but not its label: beside 100 it read "64100".
	if got, want := strings.Join(labels, " "), " 100 256 1K 4K 16K 64K"; got != want {
		t.Errorf("ticks %q; want %q", got, want)
	}
	if got := (sizeTicks{}).Ticks(64, 90); len(got) != 1 || got[0].Label != "64" {
		t.Errorf("ticks without 100 in range: %+v; want 64 labelled", got)
	}
}

func TestCaptionWrapsInsideTheChart(t *testing.T) {
	d := fixed()
	d.Machine = strings.Repeat("a long machine description, ", 12)
	w, _ := d.Size(2)
	sty := captionStyle()
	lines := d.caption(w)
	if len(lines) < 4 {
		t.Fatalf("caption of %d lines; want the long machine line wrapped", len(lines))
	}
	for _, l := range lines {
		if sty.Width(l) > w-2*captionPad {
			t.Errorf("caption line wider than the chart: %q", l)
		}
	}
}
