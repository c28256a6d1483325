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

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"

	"netnotes/internal/bench"
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
}

// FromComparison takes every cell and repeat of a comparison that has run.
func FromComparison(c *bench.Comparison) []Cell {
	var out []Cell
	for _, cell := range c.Cells {
		rates, cpu := map[string][]float64{}, map[string][]float64{}
		for _, tr := range append([]bench.Transport{c.A, c.B}, c.Also...) {
			rates[string(tr)] = slices.Clone(c.RatesOf(tr, cell))
			if ns := c.CPUPerMsg(tr, cell); len(ns) > 0 {
				cpu[string(tr)] = slices.Clone(ns)
			}
		}
		if len(cpu) == 0 {
			cpu = nil
		}
		out = append(out, Cell{Shape: string(cell.Shape), Placement: string(cell.Placement), Size: cell.Size, Rates: rates, CPUns: cpu})
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
	return Summary{bench.Median(xs), slices.Min(xs), slices.Max(xs)}, true
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

// Plots returns one row per shape and placement: msgs/s, then A/B.
func (d Data) Plots() ([][]*plot.Plot, error) {
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
	lp, sp, err := plotter.NewLinePoints(pts)
	if err != nil {
		return err
	}
	lp.Color, sp.Color, sp.Shape = c, c, g
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

func rateLabel(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%gM", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%gk", v/1e3)
	}
	return fmt.Sprintf("%g", v)
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
	rows, err := d.Plots()
	if err != nil {
		return err
	}
	wd, ht := d.Size(len(rows))
	cv := vgsvg.New(wd, ht)
	d.draw(rows, draw.New(cv))
	_, err = cv.WriteTo(w)
	return err
}

const (
	panelW, panelH = 11 * vg.Centimeter, 8 * vg.Centimeter
	// legendH is the strip above each panel that holds its legend, so
	// that no legend covers a curve, a bar or a reference line: four
	// entries (the most a panel has) of 8 pt text.
	legendH = 1.5 * vg.Centimeter
	// captionLine is the caption's line height, captionPad the space
	// around its lines.
	captionLine, captionPad vg.Length = 12, 6 // points
)

// Size is the chart's size for rows rows of panels.
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
	for _, para := range []string{
		fmt.Sprintf("UDS versus TCP over 127.0.0.1 (%s path): median of %d interleaved repeats of %s; bars: range; by CPU time: %s/%s from CPU time per message", d.Path, d.Reps, d.Each, d.A, d.B),
		d.Machine + ", " + d.Date + ", load " + d.Load,
		"regenerate: " + d.Command,
	} {
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

func (d Data) draw(rows [][]*plot.Plot, dc draw.Canvas) {
	width := dc.Max.X - dc.Min.X
	capH := d.captionHeight(width)
	top := draw.Crop(dc, 0, 0, dc.Max.Y-dc.Min.Y-capH, 0)
	body := draw.Crop(dc, 0, 0, 0, -capH)
	sty := captionStyle()
	for i, l := range d.caption(width) {
		top.FillText(sty, vg.Point{X: top.Min.X + captionPad, Y: top.Max.Y - captionPad - vg.Length(i+1)*captionLine + vg.Points(3)}, l)
	}
	tiles := draw.Tiles{Rows: len(rows), Cols: 2, PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 4,
		PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
	canvases := plot.Align(rows, tiles, body)
	for i := range rows {
		for j, p := range rows[i] {
			c := canvases[i][j]
			// The legend goes in a strip of its own above the panel's
			// title; the panel draws below it with no legend inside.
			// Left-aligned, so that a wider font than the chart's runs
			// into empty space, not into the line samples.
			legend := p.Legend
			legend.Left, legend.Top, legend.YOffs = true, false, vg.Points(4)
			p.Legend = plot.NewLegend()
			legendC := draw.Crop(c, 0, 0, c.Max.Y-c.Min.Y-legendH, 0)
			legend.Draw(legendC)
			p.Draw(draw.Crop(c, 0, 0, 0, -legendH))
		}
	}
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
