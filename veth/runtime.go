package veth

import (
	"fmt"
	"strings"

	"netnotes/internal/claims"
)

// V8 on real container runtimes: each runtime found on the machine starts
// two containers on a network of its own, and its test records what the
// runtime wired, read back from the kernel. Each runtime is a part of V8
// of its own (RuntimeFacts.Part), judged by one rule, judgeRuntime.

// The part names of the runtimes.
const (
	PartCNIBridge      = "cni-bridge"      // the CNI bridge plugin, as kubelet or CRI-O call it
	PartPodman         = "podman"          // rootful podman (netavark or CNI)
	PartPodmanRootless = "podman-rootless" // podman as an ordinary user (slirp4netns or pasta)
	PartDocker         = "docker"          // dockerd (and its containerd) on its default bridge, docker0
)

// SeedPodman is the seed's own picture of a podman container's veth, from
// `ip link show` on a host running one (the blog's section 3.1).
const SeedPodman = "4: podman0: <BROADCAST,MULTICAST,UP,LOWER_UP> ... " +
	"5: veth0@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master podman0 state UP ... link-netns netns-1836f023-0e86-8ff4-1416-bfb03e668d95"

// RuntimeFacts is what one container runtime did with two containers it
// started on one network.
type RuntimeFacts struct {
	Part       string // the part of V8 these facts are for: PartCNIBridge, ...
	Runtime    string // the runtime and its version, as found here
	How        string // how the test drove it
	Seed       string `json:",omitempty"` // the seed's picture for this runtime, quoted beside the facts
	Containers []RuntimeContainer
	Pings      []PingSeen // each container to the other
}

// RuntimeContainer is one container's network device and its other end,
// as the kernel reports them.
type RuntimeContainer struct {
	Name        string   // the runtime's name for the container
	Netns       string   // how its network namespace was found (CNI_NETNS, podman inspect's PID)
	Iface       string   // the runtime's device in the container: eth0, tap0
	Kind        string   // its link kind: veth, tun, ...
	Index       int      // its index in the container's namespace
	LinkIndex   int      // IFLA_LINK: the peer's index it names (eth0@if3), 0 for none
	LinkNetnsID int      // its link-netnsid: the peer's namespace as the container sees it (-1: none)
	RuntimeNSID int      // the id the container's namespace gives the runtime's (-1: none)
	Addrs       []string // its IPv4 addresses
	Others      []string // the container's other devices, lo aside: "name (kind)"
	Peer        *RuntimePeer
}

// RuntimePeer is the device in the runtime's ("host") namespace whose index
// the container's device names, nil when there is none.
type RuntimePeer struct {
	Line          string // as `ip -o link show` would print it, shortened
	Name          string
	Kind          string
	Index         int
	LinkIndex     int    // IFLA_LINK: the index it names in turn
	LinkNetnsID   int    // its link-netnsid
	ContainerNSID int    // the id the runtime's namespace gives the container's namespace (-1: none)
	Master        string // its master device, "" for none
	MasterKind    string // bridge, ...
	MasterAddrs   []string
}

// vethPeered reports whether c's device is a veth whose other end is the
// peer found in the runtime's namespace: each names the other's index,
// and the peer names the container's namespace as its link-netnsid.
func (c RuntimeContainer) vethPeered() bool {
	p := c.Peer
	return c.Kind == "veth" && p != nil && p.Kind == "veth" && p.Index == c.LinkIndex && p.LinkIndex == c.Index &&
		c.LinkNetnsID >= 0 && c.LinkNetnsID == c.RuntimeNSID && p.LinkNetnsID >= 0 && p.LinkNetnsID == p.ContainerNSID
}

func (c RuntimeContainer) String() string {
	s := fmt.Sprintf("%s: %s (%s, index %d", c.Name, c.Iface, c.Kind, c.Index)
	if c.LinkIndex > 0 {
		s += fmt.Sprintf(", @if%d link-netnsid %d", c.LinkIndex, c.LinkNetnsID)
	}
	s += fmt.Sprintf(") %s, namespace from %s", strings.Join(c.Addrs, ","), c.Netns)
	if len(c.Others) > 0 {
		s += ", also " + strings.Join(c.Others, ", ")
	}
	switch p := c.Peer; {
	case p != nil:
		master := "no master"
		if p.Master != "" {
			master = fmt.Sprintf("master %s (%s, %s)", p.Master, p.MasterKind, strings.Join(p.MasterAddrs, ","))
		}
		s += fmt.Sprintf("; its peer in the runtime's namespace: %s (%s, index %d, @if%d link-netnsid %d, the container's namespace is id %d there), %s: `%s`",
			p.Name, p.Kind, p.Index, p.LinkIndex, p.LinkNetnsID, p.ContainerNSID, master, p.Line)
	case c.LinkIndex > 0 && c.LinkNetnsID != c.RuntimeNSID:
		s += fmt.Sprintf("; its peer is in a namespace other than the runtime's (link-netnsid %d, the runtime's is %d)", c.LinkNetnsID, c.RuntimeNSID)
	case c.LinkIndex > 0:
		s += fmt.Sprintf("; no device with index %d in the runtime's namespace", c.LinkIndex)
	default:
		s += "; it names no peer"
	}
	return s
}

// judgeRuntime is V8's rule for a real runtime, one part per runtime: the
// runtime gives each container a veth whose other end is in the runtime's
// namespace, naming the container's namespace (link-netnsid), enslaved to
// a bridge, and the containers reach each other across it. A runtime that
// wires its containers with no veth (a tap, as rootless podman's
// slirp4netns and pasta do) refutes the part, and the evidence says what
// it used; a veth with no bridge behind it (a routed setup) refines it.
func judgeRuntime(f RuntimeFacts) claims.Finding {
	return claims.Combine(claims.P(f.Part, judgeRuntimePart(f)))
}

func judgeRuntimePart(f RuntimeFacts) claims.Finding {
	if len(f.Containers) == 0 {
		return claims.SkipPart("%s started no container to look at", f.Runtime)
	}
	var seen []string
	veths, enslaved, answered := 0, 0, 0
	bridges := map[string]bool{}
	for _, c := range f.Containers {
		seen = append(seen, c.String())
		if c.vethPeered() {
			veths++
			if c.Peer.MasterKind == "bridge" {
				enslaved++
				bridges[c.Peer.Master] = true
			}
		}
	}
	var pings []string
	for _, p := range f.Pings {
		pings = append(pings, fmt.Sprintf("%s->%s %s", p.From, p.To, p.Reply))
		if p.Answered {
			answered++
		}
	}
	ev := fmt.Sprintf("%s (%s): %s; %s", f.Runtime, f.How, strings.Join(seen, "; "), strings.Join(pings, ", "))
	if f.Seed != "" {
		ev += "; the seed's picture: " + f.Seed
	}
	n := len(f.Containers)
	switch {
	case veths == 0:
		return claims.Refute("no container got a veth with its other end in the runtime's namespace: %s", ev)
	case veths == n && enslaved == n && len(bridges) == 1 && len(f.Pings) > 0 && answered == len(f.Pings):
		return claims.Confirm("%s", ev)
	case enslaved == 0:
		return claims.Refine("%d of %d containers got a veth, but no host end is a bridge port: %s", veths, n, ev)
	case answered < len(f.Pings) || len(f.Pings) == 0:
		return claims.Refine("veths on a bridge, but only %d of %d pings across it were answered: %s", answered, len(f.Pings), ev)
	}
	return claims.Refine("%d of %d containers got a veth, %d of them on a bridge (%d bridges): %s", veths, n, enslaved, len(bridges), ev)
}
