// Package chart keeps what a `make bench` sweep measured (Data, written
// as JSON beside the chart) and draws it (SVG, gonum/plot): for each shape
// and placement, msgs/s per transport against message size, and the
// ratio of the compared pair (UDS/TCP) against size with the notes' "2x
// at 100 B" as a reference line. Points are medians of the interleaved
// repeats; error bars span their range (for the ratio, the range of the
// per-pair ratios). It is apart from the engine so that the benchmark
// binaries, whose copies serve as the raw path's peer, do not carry a
// plotting library.
package chart

import (
	"encoding/json"
	"fmt"
	"image/color"
	"io"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"

	"netnotes/internal/bench"
	"netnotes/internal/bench/stats"
	"netnotes/internal/wrap"
)

// Data is one sweep: where it ran, and every repeat's rate per cell.
type Data struct {
	Machine string `json:"machine"` // kernel, architecture, CPU model and count
	Load    string `json:"load"`    // load averages before and after the sweep
	Date    string `json:"date"`    // when it ran, UTC
	Command string `json:"command"` // what regenerates this
	Reps    int    `json:"reps"`    // interleaved repeats per cell
	Each    string `json:"each"`    // length of one timed measurement
	Path    string `json:"path"`    // raw or netconn
	// A and B are the compared pair: Ratio draws A/B.
	A     string `json:"a"`
	B     string `json:"b"`
	Cells []Cell `json:"cells"`
	// Connect is the connection note's measurement (connections a second,
	// UDS against TCP, per placement), drawn as a row of its own.
	Connect *bench.ConnectFacts `json:"connect,omitempty"`
}

// Cell is one shape, placement and size: msgs/s of each repeat per
// transport, in the order measured (the i-th of A and of B ran back to
// back).
type Cell struct {
	Shape     string               `json:"shape"`
	Placement string               `json:"placement"`
	Size      int                  `json:"size"`
	Rates     map[string][]float64 `json:"rates"`
	// CPUns is each repeat's CPU time per message, both peers, timed
	// part (raw path), per transport: the load-independent view.
	CPUns map[string][]float64 `json:"cpu_ns_per_msg,omitempty"`
	// Latency is each repeat's round-trip percentiles per transport
	// (round trips only).
	Latency map[string][]Latency `json:"latency_ns,omitempty"`
}

// Latency is one repeat's round-trip time, ns, at the 50th, 99th and
// 99.9th percentiles.
type Latency struct {
	P50  int64 `json:"p50"`
	P99  int64 `json:"p99"`
	P999 int64 `json:"p99.9"`
}

// percentiles names Latency's fields in order, for the chart.
var percentiles = []struct {
	name string
	of   func(Latency) int64
}{{"p50", func(l Latency) int64 { return l.P50 }}, {"p99", func(l Latency) int64 { return l.P99 }},
	{"p99.9", func(l Latency) int64 { return l.P999 }}}

// FromComparison takes every cell and repeat of a comparison that has run.
func FromComparison(c *bench.Comparison) []Cell {
	var out []Cell
	for _, cell := range c.Cells {
		rates, cpu, lat := map[string][]float64{}, map[string][]float64{}, map[string][]Latency{}
		for _, tr := range append([]bench.Transport{c.A, c.B}, c.Also...) {
			rates[string(tr)] = slices.Clone(c.RatesOf(tr, cell))
			if ns := c.CPUPerMsg(tr, cell); len(ns) > 0 {
				cpu[string(tr)] = slices.Clone(ns)
			}
			for _, l := range c.LatencyOf(tr, cell) {
				lat[string(tr)] = append(lat[string(tr)], Latency{l.P50.Nanoseconds(), l.P99.Nanoseconds(), l.P999.Nanoseconds()})
			}
		}
		if len(cpu) == 0 {
			cpu = nil
		}
		if len(lat) == 0 {
			lat = nil
		}
		out = append(out, Cell{Shape: string(cell.Shape), Placement: string(cell.Placement), Size: cell.Size, Rates: rates, CPUns: cpu, Latency: lat})
	}
	return out
}

// WriteJSON writes d indented, for a file kept under version control.
func (d Data) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(d)
}

// ReadJSON reads what WriteJSON wrote.
func ReadJSON(r io.Reader) (Data, error) {
	var d Data
	if err := json.NewDecoder(r).Decode(&d); err != nil {
		return Data{}, fmt.Errorf("reading bench data: %w", err)
	}
	return d, nil
}

// Summary is a median with the range around it.
type Summary struct{ Median, Min, Max float64 }

func summarize(xs []float64) (Summary, bool) {
	if len(xs) == 0 {
		return Summary{}, false
	}
	return Summary{stats.Median(xs), slices.Min(xs), slices.Max(xs)}, true
}

// Rate summarises one transport's msgs/s in a cell.
func (c Cell) Rate(tr string) (Summary, bool) { return summarize(c.Rates[tr]) }

// Ratio summarises a/b pair by pair (pairs index by index).
func (c Cell) Ratio(a, b string) (Summary, bool) {
	ra, rb := c.Rates[a], c.Rates[b]
	n := min(len(ra), len(rb))
	rs := make([]float64, 0, n)
	for i := range n {
		if rb[i] > 0 {
			rs = append(rs, ra[i]/rb[i])
		}
	}
	return summarize(rs)
}

// CPURatio summarises a/b judged by CPU time per message: b's time over
// a's, pair by pair; none when the cell has no CPU times.
func (c Cell) CPURatio(a, b string) (Summary, bool) {
	ca, cb := c.CPUns[a], c.CPUns[b]
	n := min(len(ca), len(cb))
	rs := make([]float64, 0, n)
	for i := range n {
		if ca[i] > 0 {
			rs = append(rs, cb[i]/ca[i])
		}
	}
	return summarize(rs)
}

// panel is the cells of one shape and placement, in size order.
type panel struct {
	shape, placement string
	cells            []Cell
}

func (d Data) panels() []panel {
	var ps []panel
	for _, c := range d.Cells {
		i := slices.IndexFunc(ps, func(p panel) bool { return p.shape == c.Shape && p.placement == c.Placement })
		if i < 0 {
			ps = append(ps, panel{shape: c.Shape, placement: c.Placement})
			i = len(ps) - 1
		}
		ps[i].cells = append(ps[i].cells, c)
	}
	for _, p := range ps {
		slices.SortFunc(p.cells, func(a, b Cell) int { return a.Size - b.Size })
	}
	return ps
}

// transports lists A, B, then the others by name.
func (d Data) transports() []string {
	var rest []string
	for _, c := range d.Cells {
		for tr := range c.Rates {
			if tr != d.A && tr != d.B && !slices.Contains(rest, tr) {
				rest = append(rest, tr)
			}
		}
	}
	slices.Sort(rest)
	return append([]string{d.A, d.B}, rest...)
}

// NotesRatio is the notes' claim drawn as the reference line: UDS more
// than twice as fast as TCP at about 100 B.
const NotesRatio = 2

// points is a line with vertical error bars.
type points struct {
	plotter.XYs
	plotter.YErrors
}

func (p *points) add(x float64, s Summary) {
	p.XYs = append(p.XYs, plotter.XY{X: x, Y: s.Median})
	p.YErrors = append(p.YErrors, struct{ Low, High float64 }{s.Median - s.Min, s.Max - s.Median})
}

// Plots returns one row per shape and placement: msgs/s, then A/B; then
// a row per placement of round-trip latency (p50, then p99 and p99.9),
// and a row of the connection note (connections a second, then UDS/TCP).
func (d Data) Plots() ([][]*plot.Plot, error) {
	rs, err := d.rows()
	if err != nil {
		return nil, err
	}
	out := make([][]*plot.Plot, len(rs))
	for i, r := range rs {
		out[i] = r.panels
	}
	return out, nil
}

// row is a row of two panels and the most legend entries either has,
// which sizes the legend strip above them.
type row struct {
	panels  []*plot.Plot
	entries int
}

func (d Data) rows() ([]row, error) {
	plots, err := d.ratePlots()
	if err != nil {
		return nil, err
	}
	var rs []row
	for _, p := range plots {
		rs = append(rs, row{panels: p, entries: 4})
	}
	lat, err := d.latencyRows()
	if err != nil {
		return nil, err
	}
	rs = append(rs, lat...)
	if d.Connect != nil && len(d.Connect.Cells) > 0 {
		r, err := d.connectRow()
		if err != nil {
			return nil, err
		}
		rs = append(rs, r)
	}
	return rs, nil
}

func (d Data) ratePlots() ([][]*plot.Plot, error) {
	var rows [][]*plot.Plot
	trs := d.transports()
	for _, pn := range d.panels() {
		title := fmt.Sprintf("%s, %s", shapeWords(pn.shape), placementWords(pn.placement))
		rates := newSizePlot(title+": msgs/s", "msgs/s")
		rates.Y.Scale, rates.Y.Tick.Marker = plot.LogScale{}, rateTicks{}
		for i, tr := range trs {
			var pts points
			for _, c := range pn.cells {
				if s, ok := c.Rate(tr); ok && s.Min > 0 {
					pts.add(float64(c.Size), s)
				}
			}
			if len(pts.XYs) == 0 {
				continue
			}
			if err := addLine(rates, &pts, tr, plotutil.Color(i), plotutil.Shape(i)); err != nil {
				return nil, err
			}
		}
		ratio := newSizePlot(fmt.Sprintf("%s: %s/%s", title, d.A, d.B), fmt.Sprintf("%s/%s msgs/s", d.A, d.B))
		var pts points
		for _, c := range pn.cells {
			if s, ok := c.Ratio(d.A, d.B); ok {
				pts.add(float64(c.Size), s)
			}
		}
		if len(pts.XYs) > 0 {
			if err := addLine(ratio, &pts, d.A+"/"+d.B, plotutil.Color(0), plotutil.Shape(0)); err != nil {
				return nil, err
			}
			// The same ratio from CPU time per message (same CPU only):
			// what the rate would be with nothing else running.
			var byCPU points
			for _, c := range pn.cells {
				if s, ok := c.CPURatio(d.A, d.B); ok && pn.placement == string(bench.OneCPU) {
					byCPU.add(float64(c.Size), s)
				}
			}
			if len(byCPU.XYs) > 0 {
				if err := addLine(ratio, &byCPU, d.A+"/"+d.B+" by CPU time", plotutil.Color(3), plotutil.Shape(3)); err != nil {
					return nil, err
				}
			}
			lo, hi := pts.XYs[0].X, pts.XYs[len(pts.XYs)-1].X
			for _, ref := range []struct {
				y    float64
				name string
				dash []vg.Length
			}{{NotesRatio, fmt.Sprintf("the notes: %gx at 100 B", float64(NotesRatio)), []vg.Length{vg.Points(4), vg.Points(2)}},
				{1, "equal", []vg.Length{vg.Points(1), vg.Points(2)}}} {
				l, err := plotter.NewLine(plotter.XYs{{X: lo, Y: ref.y}, {X: hi, Y: ref.y}})
				if err != nil {
					return nil, err
				}
				l.Color, l.Dashes = color.Gray{Y: 100}, ref.dash
				ratio.Add(l)
				ratio.Legend.Add(ref.name, l)
			}
			// Ratios are multiplicative (2x and 0.5x lie as far from 1x):
			// a log scale, which also keeps one wide bar from flattening
			// the rest.
			ratio.Y.Scale, ratio.Y.Tick.Marker = plot.LogScale{}, rateTicks{}
			ratio.Y.Min = math.Min(ratio.Y.Min, 0.9)
			ratio.Y.Max = math.Max(ratio.Y.Max, NotesRatio*1.1)
		}
		rows = append(rows, []*plot.Plot{rates, ratio})
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("chart: no cells to draw")
	}
	return rows, nil
}

func newSizePlot(title, ylabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "message size (bytes)"
	p.Y.Label.Text = ylabel
	p.X.Scale, p.X.Tick.Marker = plot.LogScale{}, sizeTicks{}
	p.Legend.Top = true
	p.Legend.TextStyle.Font.Size = vg.Points(8)
	p.Add(plotter.NewGrid())
	return p
}

func addLine(p *plot.Plot, pts *points, name string, c color.Color, g draw.GlyphDrawer) error {
	return addDashedLine(p, pts, name, c, g, nil)
}

// addDashedLine is addLine with the line dashed (nil: solid).
func addDashedLine(p *plot.Plot, pts *points, name string, c color.Color, g draw.GlyphDrawer, dash []vg.Length) error {
	lp, sp, err := plotter.NewLinePoints(pts)
	if err != nil {
		return err
	}
	lp.Color, sp.Color, sp.Shape, lp.Dashes = c, c, g, dash
	eb, err := plotter.NewYErrorBars(pts)
	if err != nil {
		return err
	}
	eb.Color = c
	p.Add(lp, sp, eb)
	p.Legend.Add(name, lp, sp)
	return nil
}

// sizeTicks marks powers of two and 100, the sizes of the sweep. 64 lies
// too close to 100 on a log axis for two labels (they ran together as
// "64100"), so it keeps its mark and gives its label to 100, the size the
// notes speak of.
type sizeTicks struct{}

func (sizeTicks) Ticks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	for _, v := range []float64{64, 100, 256, 1024, 4096, 16384, 65536, 262144, 1 << 20} {
		if v >= lo && v <= hi {
			label := sizeLabel(v)
			if v == 64 && hi >= 100 {
				label = ""
			}
			ts = append(ts, plot.Tick{Value: v, Label: label})
		}
	}
	return ts
}

// rateTicks marks 1, 2 and 5 times powers of ten, labelled 0.5, 20k, 1M.
type rateTicks struct{}

func (rateTicks) Ticks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	for p := math.Pow(10, math.Floor(math.Log10(math.Max(lo, 1e-3)))); p <= hi; p *= 10 {
		for _, m := range []float64{1, 2, 5} {
			if v := m * p; v >= lo && v <= hi {
				ts = append(ts, plot.Tick{Value: v, Label: rateLabel(v)})
			}
		}
	}
	return ts
}

func slicesMax(v plotter.Values) float64 {
	if len(v) == 0 {
		return 0
	}
	return slices.Max(v)
}

// linearTicks are gonum's default ticks on a linear axis, labelled as
// rateTicks are (20k, not 20000).
type linearTicks struct{}

func (linearTicks) Ticks(lo, hi float64) []plot.Tick {
	ts := plot.DefaultTicks{}.Ticks(lo, hi)
	for i, t := range ts {
		if t.Label != "" {
			ts[i].Label = rateLabel(t.Value)
		}
	}
	return ts
}

func rateLabel(v float64) string {
	switch {
	case v >= 1e6:
		return strconv.FormatFloat(v/1e6, 'g', 3, 64) + "M"
	case v >= 1e3:
		return strconv.FormatFloat(v/1e3, 'g', 3, 64) + "k"
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

func sizeLabel(v float64) string {
	if v >= 1024 && math.Mod(v, 1024) == 0 {
		return fmt.Sprintf("%gK", v/1024)
	}
	return fmt.Sprintf("%g", v)
}

// WriteSVG draws the chart: a caption (machine, date, repeats), then the
// panels, two per row, each with its legend in a strip above it.
func (d Data) WriteSVG(w io.Writer) error {
	rows, err := d.rows()
	if err != nil {
		return err
	}
	wd := 2 * panelW
	ht := d.captionHeight(wd)
	for _, r := range rows {
		ht += panelH + legendHeight(r.entries)
	}
	cv := vgsvg.New(wd, ht)
	d.draw(rows, draw.New(cv))
	_, err = cv.WriteTo(w)
	return err
}

const (
	panelW, panelH = 11 * vg.Centimeter, 8 * vg.Centimeter
	// legendH is the strip above each panel that holds its legend, so
	// that no legend covers a curve, a bar or a reference line: four
	// entries (the most a rate panel has) of 8 pt text. A row whose
	// panels have more entries gets legendEntryH more for each.
	legendH      = 1.5 * vg.Centimeter
	legendEntryH = 0.36 * vg.Centimeter
	// captionLine is the caption's line height, captionPad the space
	// around its lines.
	captionLine, captionPad vg.Length = 12, 6 // points
)

// legendHeight is the legend strip of a row whose panels have at most
// entries legend entries.
func legendHeight(entries int) vg.Length {
	return legendH + vg.Length(max(entries-4, 0))*legendEntryH
}

// Size is the chart's size for rows rows of panels with legends of up
// to four entries (the rate rows).
func (d Data) Size(rows int) (w, h vg.Length) {
	w = 2 * panelW
	return w, vg.Length(rows)*(panelH+legendH) + d.captionHeight(w)
}

// captionStyle is the caption's text: smaller than the panels' titles.
func captionStyle() draw.TextStyle {
	font := plot.DefaultFont
	font.Size = vg.Points(9)
	return draw.TextStyle{Color: color.Black, Font: font, Handler: plot.DefaultTextHandler}
}

// caption is what the chart says about itself, wrapped to width.
func (d Data) caption(width vg.Length) []string {
	sty := captionStyle()
	var lines []string
	paras := []string{
		fmt.Sprintf("UDS versus TCP over 127.0.0.1 (%s path): median of %d pairs, the two timed side by side in alternating chunks, %s each (the pipe alone); bars: range; by CPU time: %s/%s from CPU time per message", d.Path, d.Reps, d.Each, d.A, d.B),
	}
	if d.hasLatency() {
		paras = append(paras, "Latency: one round trip's time at the 50th, 99th and 99.9th percentiles of every round trip timed (HdrHistogram), median over the repeats; bars: range")
	}
	if d.Connect != nil {
		paras = append(paras, "Connections: connect + accept + first byte + close, one at a time, client and server threads of one process (go doc netnotes/internal/bench.MeasureConnect)")
	}
	paras = append(paras, d.Machine+", "+d.Date+", load "+d.Load, "regenerate: "+d.Command)
	for _, para := range paras {
		// Wrapped well short of the width: a viewer without the
		// chart's font draws it with a wider one.
		lines = append(lines, wrap.Words(para, func(line string) bool {
			return sty.Width(line) <= (width-2*captionPad)*3/4
		})...)
	}
	return lines
}

func (d Data) captionHeight(width vg.Length) vg.Length {
	return vg.Length(len(d.caption(width)))*captionLine + 2*captionPad
}

func (d Data) draw(rows []row, dc draw.Canvas) {
	width := dc.Max.X - dc.Min.X
	capH := d.captionHeight(width)
	top := draw.Crop(dc, 0, 0, dc.Max.Y-dc.Min.Y-capH, 0)
	body := draw.Crop(dc, 0, 0, 0, -capH)
	sty := captionStyle()
	for i, l := range d.caption(width) {
		top.FillText(sty, vg.Point{X: top.Min.X + captionPad, Y: top.Max.Y - captionPad - vg.Length(i+1)*captionLine + vg.Points(3)}, l)
	}
	// Rows of their own heights, top to bottom; the panels of one row
	// are aligned with each other (plot.Align) within it.
	y := body.Max.Y
	for _, r := range rows {
		lh := legendHeight(r.entries)
		h := panelH + lh
		rc := draw.Canvas{Canvas: body.Canvas, Rectangle: vg.Rectangle{Min: vg.Point{X: body.Min.X, Y: y - h}, Max: vg.Point{X: body.Max.X, Y: y}}}
		y -= h
		tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 4,
			PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
		canvases := plot.Align([][]*plot.Plot{r.panels}, tiles, rc)
		for j, p := range r.panels {
			c := canvases[0][j]
			// The legend goes in a strip of its own above the panel's
			// title; the panel draws below it with no legend inside.
			// Left-aligned, so that a wider font than the chart's runs
			// into empty space, not into the line samples.
			legend := p.Legend
			legend.Left, legend.Top, legend.YOffs = true, false, vg.Points(4)
			p.Legend = plot.NewLegend()
			legendC := draw.Crop(c, 0, 0, c.Max.Y-c.Min.Y-lh, 0)
			legend.Draw(legendC)
			p.Draw(draw.Crop(c, 0, 0, 0, -lh))
		}
	}
}

func (d Data) hasLatency() bool {
	for _, c := range d.Cells {
		if len(c.Latency) > 0 {
			return true
		}
	}
	return false
}

// latencyRows draws, per placement with round-trip percentiles, a row:
// p50 per transport, then p99 (solid) and p99.9 (dashed) per transport,
// in µs against message size.
func (d Data) latencyRows() ([]row, error) {
	var rows []row
	trs := d.transports()
	for _, pn := range d.panels() {
		if pn.shape != string(bench.RoundTrip) {
			continue
		}
		has := false
		for _, c := range pn.cells {
			has = has || len(c.Latency) > 0
		}
		if !has {
			continue
		}
		title := "round trip, " + placementWords(pn.placement)
		left := newSizePlot(title+": p50 latency", "µs per round trip")
		right := newSizePlot(title+": p99, p99.9", "µs per round trip")
		entries := [2]int{}
		for i, tr := range trs {
			for k, pc := range percentiles {
				var pts points
				for _, c := range pn.cells {
					var us []float64
					for _, l := range c.Latency[tr] {
						us = append(us, float64(pc.of(l))/1e3)
					}
					if s, ok := summarize(us); ok && s.Min > 0 {
						pts.add(float64(c.Size), s)
					}
				}
				if len(pts.XYs) == 0 {
					continue
				}
				p, side := left, 0
				if k > 0 {
					p, side = right, 1
				}
				name := tr + " " + pc.name
				var dash []vg.Length
				if k == 2 {
					dash = []vg.Length{vg.Points(4), vg.Points(2)}
				}
				if err := addDashedLine(p, &pts, name, plotutil.Color(i), plotutil.Shape(i), dash); err != nil {
					return nil, err
				}
				entries[side]++
			}
		}
		for _, p := range []*plot.Plot{left, right} {
			p.Y.Scale, p.Y.Tick.Marker = plot.LogScale{}, rateTicks{}
		}
		rows = append(rows, row{panels: []*plot.Plot{left, right}, entries: max(entries[0], entries[1])})
	}
	return rows, nil
}

// connectRow draws the connection note: connections a second of UDS and
// TCP per placement (bars: the medians; error bars: the range of the
// pairs' ratios is on the right), then UDS/TCP per placement with the
// range of the pairs' ratios and the "equal" line.
func (d Data) connectRow() (row, error) {
	cells := d.Connect.Cells
	names := make([]string, len(cells))
	uds, tcp := make(plotter.Values, len(cells)), make(plotter.Values, len(cells))
	var ratio points
	for i, c := range cells {
		names[i] = placementWords(string(c.Placement))
		uds[i], tcp[i] = c.RateUDS, c.RateTCP
		if s, ok := summarize(c.Ratios); ok {
			ratio.add(float64(i), s)
		}
	}
	left := plot.New()
	left.Title.Text = "connections: rate"
	left.Y.Label.Text = "connections/s"
	left.Legend.TextStyle.Font.Size = vg.Points(8)
	left.Add(plotter.NewGrid())
	w := vg.Points(18)
	for i, v := range []struct {
		name string
		vals plotter.Values
	}{{"uds", uds}, {"tcp", tcp}} {
		b, err := plotter.NewBarChart(v.vals, w)
		if err != nil {
			return row{}, err
		}
		b.Color, b.LineStyle.Width = plotutil.Color(i), 0
		b.Offset = vg.Length(2*i-1) * w / 2
		left.Add(b)
		left.Legend.Add(v.name, b)
	}
	left.NominalX(names...)
	left.X.Min, left.X.Max = -0.6, float64(len(cells))-0.4
	left.Y.Min = 0
	left.Y.Max = 1.1 * math.Max(slicesMax(uds), slicesMax(tcp))
	left.Y.Tick.Marker = linearTicks{}

	right := plot.New()
	right.Title.Text = "connections: uds/tcp"
	right.Y.Label.Text = "uds/tcp connections/s"
	right.Y.Label.Text = "uds/tcp connections/s"
	right.Legend.TextStyle.Font.Size = vg.Points(8)
	right.Add(plotter.NewGrid())
	if len(ratio.XYs) > 0 {
		// Points and bars, no line: the placements are categories.
		sp, err := plotter.NewScatter(ratio.XYs)
		if err != nil {
			return row{}, err
		}
		sp.Color, sp.Shape = plotutil.Color(0), plotutil.Shape(0)
		eb, err := plotter.NewYErrorBars(&ratio)
		if err != nil {
			return row{}, err
		}
		eb.Color = plotutil.Color(0)
		right.Add(sp, eb)
		right.Legend.Add("uds/tcp: median of the pairs, bars: range", sp)
		eq, err := plotter.NewLine(plotter.XYs{{X: -0.5, Y: 1}, {X: float64(len(cells)) - 0.5, Y: 1}})
		if err != nil {
			return row{}, err
		}
		eq.Color, eq.Dashes = color.Gray{Y: 100}, []vg.Length{vg.Points(1), vg.Points(2)}
		right.Add(eq)
		right.Legend.Add("equal", eq)
	}
	right.NominalX(names...)
	right.X.Min, right.X.Max = -0.5, float64(len(cells))-0.5
	right.Y.Min = math.Min(right.Y.Min, 0.9)
	right.Y.Max *= 1.05
	right.Y.Tick.Marker = linearTicks{}
	return row{panels: []*plot.Plot{left, right}, entries: 2}, nil
}

func shapeWords(s string) string {
	if s == string(bench.RoundTrip) {
		return "round trip"
	}
	return s
}

func placementWords(p string) string {
	if p == string(bench.OneCPU) {
		return "same CPU"
	}
	return "free placement"
}
