package main

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// drawChart draws one panel per workload, a bar per contender and
// GOMAXPROCS, of median ns/item on a log scale: the contenders' costs differ
// by orders of magnitude, and a linear axis would flatten the fast ones to
// nothing. The format follows path's extension (.svg or .png). An SVG names
// its fonts (Liberation, metric-compatible with Times and Arial) rather than
// embedding them, so a viewer without them may clip labels; a PNG looks the
// same everywhere. The file is written whole or not at all: it appears under
// its name only once complete.
func drawChart(path string, r *Report) error {
	format := strings.TrimPrefix(filepath.Ext(path), ".")
	const cols = 2
	rows := (len(r.workloads) + cols - 1) / cols
	width, height := 13*vg.Inch, vg.Length(rows)*3.4*vg.Inch+0.5*vg.Inch
	c, err := draw.NewFormattedCanvas(width, height, format)
	if err != nil {
		return fmt.Errorf("chart %s: %v", path, err)
	}
	dc := draw.New(c)
	dc.Max.Y -= 0.5 * vg.Inch // room for the heading
	heading := draw.TextStyle{Color: color.Black, Font: font.From(plot.DefaultFont, 14),
		XAlign: draw.XCenter, YAlign: draw.YBottom, Handler: plot.DefaultTextHandler}
	dc.FillText(heading, vg.Point{X: width / 2, Y: height - 0.35*vg.Inch},
		fmt.Sprintf("fanout and its peers: median ns/item, log scale (%s, %d CPUs)", r.Go, r.NumCPU))

	if cpus := r.cpus(); len(cpus) > 1 {
		l := plot.NewLegend()
		l.Top, l.Left = true, false
		for k, cpu := range cpus {
			l.Add(fmt.Sprintf("GOMAXPROCS=%d", cpu), &logBars{colors: []color.Color{barColor("", k, len(cpus))}})
		}
		l.Draw(draw.Crop(draw.New(c), 0, -0.3*vg.Inch, height-0.5*vg.Inch, -0.05*vg.Inch))
	}

	grid := make([][]*plot.Plot, rows)
	for i := range grid {
		grid[i] = make([]*plot.Plot, cols)
	}
	for i, w := range r.workloads {
		grid[i/cols][i%cols] = r.panel(w.Name, w.Title)
	}
	tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: 0.3 * vg.Inch, PadY: 0.3 * vg.Inch,
		PadLeft: 0.1 * vg.Inch, PadRight: 0.2 * vg.Inch, PadBottom: 0.1 * vg.Inch}
	canvases := plot.Align(grid, tiles, dc)
	for j := range grid {
		for i, p := range grid[j] {
			if p != nil {
				p.Draw(canvases[j][i])
			}
		}
	}

	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if _, err := c.WriteTo(f); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}

// panel plots one workload: a row per contender, the first at the top, and
// within it a bar per GOMAXPROCS.
func (r *Report) panel(workload, title string) *plot.Plot {
	p := plot.New()
	p.Title.Text = workload + ": " + title
	p.Title.TextStyle.Font.Size = 11
	p.X.Label.Text = "time per item (log scale)"
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = decades{}

	n := len(r.contenders)
	names := make([]string, n)
	for i, c := range r.contenders {
		names[n-1-i] = c.Name
	}
	p.NominalY(names...)

	cpus := r.cpus()
	lo, hi := math.Inf(1), 0.0
	band := vg.Length(14) // the height of a row's bars together
	for k, cpu := range cpus {
		bars := &logBars{
			values: make([]float64, n),
			colors: make([]color.Color, n),
			height: band / vg.Length(len(cpus)),
			first:  k == 0,
		}
		bars.offset = band/2 - bars.height*(vg.Length(k)+0.5)
		for i, c := range r.contenders {
			bars.colors[n-1-i] = barColor(c.Name, k, len(cpus))
			x := r.find(cpu, workload, c.Name)
			if x != nil && !x.NA {
				v := x.NsPerItem
				bars.values[n-1-i] = v
				lo, hi = min(lo, v), max(hi, v)
			}
		}
		p.Add(bars)
	}
	if hi == 0 { // nothing ran: an axis all the same
		lo, hi = 1, 10
	}
	// Whole decades at both ends, so that the log axis has labels, and room
	// on the right for the value printed after the longest bar.
	p.X.Min = math.Pow10(int(math.Floor(math.Log10(lo))))
	p.X.Max = math.Pow10(int(math.Ceil(math.Log10(hi * 8))))
	p.Y.Min, p.Y.Max = -0.6, float64(n)-0.4
	return p
}

// decades marks a log axis at every power of ten, labelled as a duration
// (the axis is in nanoseconds), with unlabelled marks at 2 to 9 times each.
type decades struct{}

// Ticks implements plot.Ticker.
func (decades) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	// The small slack keeps rounding in Log10 from losing an end decade.
	for e := math.Floor(math.Log10(lo) + 1e-9); e <= math.Ceil(math.Log10(hi)-1e-9); e++ {
		v := math.Pow10(int(e))
		ticks = append(ticks, plot.Tick{Value: v, Label: duration(v)})
		for m := 2.0; m < 10 && v*m <= hi; m++ {
			ticks = append(ticks, plot.Tick{Value: v * m})
		}
	}
	return ticks
}

// duration formats a number of nanoseconds that is a power of ten.
func duration(ns float64) string {
	for _, u := range []struct {
		name string
		size float64
	}{{"s", 1e9}, {"ms", 1e6}, {"µs", 1e3}} {
		if ns >= u.size {
			return strconv.FormatFloat(ns/u.size, 'f', -1, 64) + " " + u.name
		}
	}
	return strconv.FormatFloat(ns, 'f', -1, 64) + " ns"
}

// barColor returns the colour of a contender's bar for the k-th of several
// GOMAXPROCS: with one, fanout stands out and the reference is grey; with
// several, each GOMAXPROCS has its colour, shown in the legend.
func barColor(contender string, k, cpus int) color.Color {
	switch {
	case cpus > 1:
		return plotutil.Color(k)
	case contender == "fanout":
		return color.RGBA{R: 230, G: 120, B: 20, A: 255}
	case contender == "reference":
		return color.Gray{Y: 150}
	}
	return color.RGBA{R: 70, G: 110, B: 170, A: 255}
}

// logBars draws horizontal bars from the left edge of a log axis to each
// value, with the value printed after the bar, and "n/a" in rows with no
// value (0).
type logBars struct {
	values []float64 // by row
	offset vg.Length // from the row's centre to this series' bars
	height vg.Length
	colors []color.Color // by row
	first  bool          // whether this series prints the rows' "n/a"
}

// Plot implements plot.Plotter.
func (b *logBars) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	x0 := trX(p.X.Min)
	label := draw.TextStyle{Color: color.Gray{Y: 60}, Font: font.From(plot.DefaultFont, 7),
		XAlign: draw.XLeft, YAlign: -0.5, Handler: plot.DefaultTextHandler}
	for row, v := range b.values {
		y := trY(float64(row)) + b.offset
		if v <= 0 {
			if b.first {
				c.FillText(label, vg.Point{X: x0 + 3, Y: trY(float64(row))}, "n/a")
			}
			continue
		}
		x1 := trX(v)
		c.FillPolygon(b.colors[row], c.ClipPolygonXY([]vg.Point{
			{X: x0, Y: y - b.height/2}, {X: x1, Y: y - b.height/2},
			{X: x1, Y: y + b.height/2}, {X: x0, Y: y + b.height/2},
		}))
		c.FillText(label, vg.Point{X: x1 + 2, Y: y}, num(v))
	}
}

// Thumbnail implements plot.Thumbnailer, for the legend.
func (b *logBars) Thumbnail(c *draw.Canvas) {
	c.FillPolygon(b.colors[0], []vg.Point{
		{X: c.Min.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Min.Y},
		{X: c.Max.X, Y: c.Max.Y}, {X: c.Min.X, Y: c.Max.Y},
	})
}
