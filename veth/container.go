package veth

import (
	"fmt"
	"strings"

	"netnotes/internal/claims"
)

// PortSeen is a container's host-side veth end, as the bridge's namespace
// reports it.
type PortSeen struct {
	Name           string
	MasterIsBridge bool
	PeerIndex      int // IFLA_LINK: the index it names as its peer
	ContainerEth   int // the container end's index, in the container's namespace
	NetnsID        int // its link-netnsid
	ContainerNSID  int // the id the bridge's namespace gives the container's
	FdbLearnt      bool
}

// PingSeen is one echo request and what came of it.
type PingSeen struct {
	From, To string
	Answered bool
	Reply    string // who answered, or the error
}

// ContainerFacts is what V8's test saw in a podman-like network built in
// private namespaces: a bridge with a gateway address, containers plugged
// in by veth pairs; the ports, pings between them, and a control with one
// port out of the bridge.
type ContainerFacts struct {
	Bridge        string
	Gateway       string
	Ports         []PortSeen
	Pings         []PingSeen // each container to the other and to the gateway
	OutsideVia    string     // gateway of a container's route to 198.19.0.1
	ControlPort   string     // the port taken out of the bridge (nomaster) for the control
	ControlPing   PingSeen   // between the containers afterwards
	ControlMaster bool       // the port still had a master after nomaster

	// Runtime is set, alone, by the test of a real container runtime
	// (runtime.go): one part of V8 per runtime.
	Runtime *RuntimeFacts `json:",omitempty"`
}

// judgeContainer is V8's rule, in three parts: each container's host-side
// end names its peer in the container's namespace (link-netnsid); it is a
// port of the bridge (master); and the bridge carries the containers'
// traffic (they reach each other and the gateway, the bridge learnt their
// MACs, and with a port taken out they lose each other).
func judgeContainer(f ContainerFacts) claims.Finding {
	if f.Runtime != nil {
		return judgeRuntime(*f.Runtime)
	}
	var ports []string
	peersOK, enslaved := len(f.Ports) > 0, 0
	for _, p := range f.Ports {
		ports = append(ports, fmt.Sprintf("%s@if%d link-netnsid %d (container's netns id %d, its end if%d), master bridge %t, fdb learnt %t",
			p.Name, p.PeerIndex, p.NetnsID, p.ContainerNSID, p.ContainerEth, p.MasterIsBridge, p.FdbLearnt))
		peersOK = peersOK && p.PeerIndex == p.ContainerEth && p.NetnsID == p.ContainerNSID && p.NetnsID >= 0
		if p.MasterIsBridge {
			enslaved++
		}
	}
	portSeen := strings.Join(ports, "; ")
	peer := claims.Confirm("%s", portSeen)
	if !peersOK {
		peer = claims.Refute("a host end does not name its peer in the container's namespace: %s", portSeen)
	}
	var port claims.Finding
	switch enslaved {
	case len(f.Ports):
		if len(f.Ports) == 0 {
			// Nothing was observed: no part may confirm, or refute, on that.
			peer = claims.SkipPart("no host end was seen")
			port = claims.SkipPart("no host end was seen")
			break
		}
		port = claims.Confirm("every host end is a port of %s", f.Bridge)
	case 0:
		port = claims.Refute("no host end is a port of %s: %s", f.Bridge, portSeen)
	default:
		port = claims.Refine("%d of %d host ends are ports of %s: %s", enslaved, len(f.Ports), f.Bridge, portSeen)
	}

	var pings []string
	answered, learnt := 0, 0
	for _, p := range f.Pings {
		pings = append(pings, fmt.Sprintf("%s->%s %s", p.From, p.To, p.Reply))
		if p.Answered {
			answered++
		}
	}
	for _, p := range f.Ports {
		if p.FdbLearnt {
			learnt++
		}
	}
	control := fmt.Sprintf("control: %s out of the bridge (nomaster; a master still set: %t), %s->%s %s",
		f.ControlPort, f.ControlMaster, f.ControlPing.From, f.ControlPing.To, f.ControlPing.Reply)
	seen := fmt.Sprintf("bridge %s, gateway %s: %s; fdb learnt %d of %d; 198.19.0.1 via %s; %s",
		f.Bridge, f.Gateway, strings.Join(pings, ", "), learnt, len(f.Ports), f.OutsideVia, control)
	var carries claims.Finding
	switch {
	case len(f.Pings) == 0:
		carries = claims.SkipPart("no ping between the containers was tried: %s", seen)
	case answered == 0:
		carries = claims.Refute("the containers reach neither each other nor the gateway: %s", seen)
	case answered < len(f.Pings) || learnt < len(f.Ports):
		carries = claims.Refine("only part of the traffic went through: %s", seen)
	case f.ControlPing.Answered:
		carries = claims.Refine("the containers still reached each other with a port out of the bridge, so the bridge is not what joins them: %s", seen)
	default:
		carries = claims.Confirm("%s", seen)
	}
	return claims.Combine(claims.P("peer-in-container", peer), claims.P("bridge-port", port), claims.P("bridge-carries", carries))
}

var _ = claims.Register("V8", judgeContainer, "198.19.0.1")
