package main

import (
	"fmt"
	"html"
	"strings"

	"netnotes/internal/records"
)

// The picture of a topology: namespaces as boxes left to right, their
// devices stacked inside, veth pairs as lines between devices (a bracket
// on the right when both ends share a namespace), a bridge's ports joined
// to it by a dashed bracket on the left.
const (
	nsWidth   = 230
	nsGap     = 90
	nsTop     = 10
	nsHeader  = 44
	devHeight = 28
	devGap    = 12
	devInset  = 26
	margin    = 10
)

// deviceColor is the fill of a device box by kind.
var deviceColor = map[string]string{"lo": "#e8e8e8", "veth": "#dcebfa", "bridge": "#dff3e0"}

// topologySVG draws t as an inline SVG element (the page writes its
// caption beneath, as text that wraps).
func topologySVG(id string, t records.Topology) string {
	most := 0
	for _, ns := range t.Namespaces {
		most = max(most, len(ns.Devices))
	}
	boxHeight := nsHeader + most*(devHeight+devGap) + 6
	width := margin*2 + len(t.Namespaces)*nsWidth + (len(t.Namespaces)-1)*nsGap
	height := nsTop + boxHeight + margin
	type place struct{ x, y, w int }
	at := map[string]place{}

	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="topology" role="img" aria-labelledby="topo-%s" viewBox="0 0 %d %d" width="%d" height="%d" xmlns="http://www.w3.org/2000/svg">`,
		id, width, height, width, height)
	fmt.Fprintf(&b, `<title id="topo-%s">%s: the test's network</title>`, id, esc(id))
	for i, ns := range t.Namespaces {
		x := margin + i*(nsWidth+nsGap)
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" rx="10" class="ns"/>`, x, nsTop, nsWidth, boxHeight)
		fmt.Fprintf(&b, `<text x="%d" y="%d" class="ns-name">namespace %s</text>`, x+12, nsTop+18, esc(ns.Name))
		if ns.Role != "" {
			fmt.Fprintf(&b, `<text x="%d" y="%d" class="ns-role">%s</text>`, x+12, nsTop+34, esc(ns.Role))
		}
		for j, d := range ns.Devices {
			dx, dy, dw := x+devInset, nsTop+nsHeader+j*(devHeight+devGap), nsWidth-2*devInset
			at[ns.Name+"/"+d.Name] = place{dx, dy, dw}
			fill := deviceColor[d.Kind]
			if fill == "" {
				fill = "#ffffff"
			}
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" rx="4" fill="%s" class="dev"/>`, dx, dy, dw, devHeight, fill)
			label := d.Name
			if d.Addr != "" {
				label += "  " + d.Addr
			}
			fmt.Fprintf(&b, `<text x="%d" y="%d" class="dev-name">%s</text>`, dx+8, dy+18, esc(label))
		}
	}
	// A bridge's ports: a dashed bracket on the left of the namespace.
	for _, ns := range t.Namespaces {
		for _, d := range ns.Devices {
			if d.Master == "" {
				continue
			}
			p, br := at[ns.Name+"/"+d.Name], at[ns.Name+"/"+d.Master]
			x := p.x - 12
			fmt.Fprintf(&b, `<path d="M%d %d H%d V%d H%d" class="master"/>`, p.x, p.y+devHeight/2, x, br.y+devHeight/2, br.x)
		}
	}
	for _, pair := range t.Pairs {
		a, okA := at[pair[0]]
		c, okC := at[pair[1]]
		if !okA || !okC {
			continue
		}
		if a.x == c.x { // one namespace: a bracket on the right
			x := a.x + a.w + 14
			fmt.Fprintf(&b, `<path d="M%d %d H%d V%d H%d" class="veth"/>`, a.x+a.w, a.y+devHeight/2, x, c.y+devHeight/2, c.x+c.w)
			fmt.Fprintf(&b, `<text x="%d" y="%d" class="veth-label">veth</text>`, x+4, (a.y+c.y)/2+devHeight/2+4)
			continue
		}
		if c.x < a.x {
			a, c = c, a
		}
		y1, y2 := a.y+devHeight/2, c.y+devHeight/2
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" class="veth"/>`, a.x+a.w, y1, c.x, y2)
		fmt.Fprintf(&b, `<text x="%d" y="%d" class="veth-label" text-anchor="middle">veth</text>`, (a.x+a.w+c.x)/2, (y1+y2)/2-6)
	}
	b.WriteString(`</svg>`)
	return b.String()
}

func esc(s string) string { return html.EscapeString(s) }
