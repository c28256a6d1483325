package veth

import (
	"fmt"
	"slices"
	"strings"

	"netnotes/internal/claims"
)

// V12 — a bridge floods, learns, then forwards to one port.

// FrameSeen is one Ethernet frame sent into the bridge from a container,
// and which containers' ends received it.
type FrameSeen struct {
	From, To string   // the containers' names ("c1"), by the frame's source and destination MAC
	DstMAC   string   // its destination MAC
	Known    bool     // the bridge's fdb held DstMAC before the frame went in
	SeenBy   []string // the containers whose end's packet socket received it
	// PortsTx is what each bridge port (the containers' host ends, in
	// Ports' order) transmitted meanwhile, less the broadcast frame that
	// closes each step (see the test).
	PortsTx []int64
}

func (s FrameSeen) String() string {
	known := "not in the fdb"
	if s.Known {
		known = "in the fdb"
	}
	return fmt.Sprintf("%s to %s's MAC %s (%s): received by %s, ports tx %v", s.From, s.To, s.DstMAC, known, listOrNone(s.SeenBy), s.PortsTx)
}

// FdbEntry is a MAC the bridge learnt, as `bridge fdb show` lists it.
type FdbEntry struct {
	MAC  string
	Port string // the port it was learnt on
}

// FloodFacts is what V12's test saw on a bridge with three containers'
// ports: a frame from c1 to c2's MAC before the bridge knew it, c2's
// answer, and the same frame again.
type FloodFacts struct {
	Bridge     string
	AgeingTime uint32   // the bridge's ageing_time, in centiseconds (0: never learn)
	Ports      []string // the bridge ports of c1, c2, c3
	Learning   []bool   // each port's learning flag
	MACs       []string // c1's, c2's and c3's MACs
	First      FrameSeen
	Answer     FrameSeen  // c2 to c1, which teaches the bridge c2's MAC
	Fdb        []FdbEntry // the learnt entries after the answer
	Second     FrameSeen  // c1 to c2 again
}

// judgeFlood is V12's rule. The frame to a MAC the bridge does not know
// must reach every port but the sender's (c2 and c3); after c2 answered,
// the same frame must reach c2 only. A first frame that misses c3 (no
// flood), or a second one that still reaches c3 (no learning: a hub), or
// one that misses c2, refutes. Forwarding to one port without an fdb
// entry for c2's MAC on c2's port, or a first frame whose destination was
// already known, refines: then the picture is not the one the claim
// draws.
func judgeFlood(f FloodFacts) claims.Finding {
	if len(f.Ports) < 3 || len(f.MACs) < 3 {
		return claims.SkipPart("the bridge had %d ports, not 3", len(f.Ports))
	}
	var fdb []string
	learntOn := ""
	for _, e := range f.Fdb {
		fdb = append(fdb, e.MAC+" on "+e.Port)
		if e.MAC == f.MACs[1] {
			learntOn = e.Port
		}
	}
	seen := fmt.Sprintf("bridge %s (ageing_time %d, learning %v), ports %s; first, %v; answer, %v; fdb %s; second, %v",
		f.Bridge, f.AgeingTime, f.Learning, strings.Join(f.Ports, ", "), f.First, f.Answer, listOrNone(fdb), f.Second)
	reached := func(s FrameSeen, c string) bool { return slices.Contains(s.SeenBy, c) }
	switch {
	case !reached(f.First, "c2") || !reached(f.Second, "c2"):
		return claims.Refute("a frame did not reach its destination: %s", seen)
	case !reached(f.First, "c3"):
		return claims.Refute("the frame for an unknown MAC was not flooded to the third port: %s", seen)
	case reached(f.Second, "c3"):
		return claims.Refute("the bridge kept flooding after c2 answered: %s", seen)
	case f.First.Known:
		return claims.Refine("forwarded to one port after the answer, but c2's MAC was known before the first frame: %s", seen)
	case learntOn != f.Ports[1]:
		return claims.Refine("forwarded to one port after the answer, but the fdb does not hold c2's MAC on its port: %s", seen)
	}
	return claims.Confirm("%s", seen)
}

var _ = claims.Register("V12", judgeFlood)
