package main

import (
	"fmt"
	"strings"

	"netnotes/internal/bench"
)

// threeWay prints UDS, TCP and TCP with the sockmap redirect side by side
// (claim L5): uds and tcp from the U8 comparison, tcp-sockmap from its
// own comparison with TCP. The sockmap/TCP ratio is paired (measured back
// to back); sockmap/UDS divides medians of different pairs.
func threeWay(u8, sm *bench.Comparison) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%-9s %-9s %6s %12s %12s %12s %14s %7s\n", "shape", "placement", "size",
		"uds msg/s", "tcp msg/s", "sockmap msg/s", "sockmap/tcp", "/uds")
	for _, cell := range sm.Cells {
		uds, _ := u8.Rates(cell)
		s, tcp := sm.Rates(cell)
		r := sm.Ratio(cell)
		fmt.Fprintf(&sb, "%-9s %-9s %6d %12.0f %12.0f %12.0f %5.2fx %-6s %6.2fx\n", cell.Shape, cell.Placement, cell.Size,
			uds, tcp, s, r.Median, fmt.Sprintf("%.2f-%.2f", r.Min, r.Max), s/uds)
	}
	fmt.Fprintf(&sb, "sockmap = TCP over 127.0.0.1 with both ends in a sockhash, an sk_msg program redirecting each end's writes to the other's receive queue;\n"+
		"sockmap/tcp: median (range) of %d pairs timed side by side; /uds: ratio of medians (UDS measured beside TCP in U8's pairs)\n", sm.Ratio(sm.Cells[0]).N)
	return sb.String()
}
