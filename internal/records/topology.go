package records

// Topology is the network a claim's test builds, for a picture (the
// page draws it as SVG): its namespaces left to right, the devices in each
// top to bottom, and the veth pairs between devices. The addresses are
// the test's own (a test's ASCII drawing shows the same; a test checks
// that it names them).
type Topology struct {
	Namespaces []Namespace
	Pairs      [][2]string // veth pairs, each end as "namespace/device"
	Caption    string      // what the test sends, and what it watches
}

// Namespace is one network namespace of a Topology.
type Namespace struct {
	Name    string // as the test's drawing names it: "A", "host"
	Role    string // what it stands for: "the host", "container 1"
	Devices []Device
}

// Device is a network device in a namespace.
type Device struct {
	Name   string
	Addr   string // its address with prefix, "" for none
	Kind   string // "lo", "veth", "bridge"
	Master string // the bridge it is a port of, "" for none
}

// Topologies are the networks the claims' tests build, by claim ID.
var Topologies = map[string]Topology{
	"L1": {
		Namespaces: []Namespace{
			{Name: "A", Role: "no NIC at all", Devices: []Device{{Name: "lo", Addr: "127.0.0.1/8", Kind: "lo"}}},
			{Name: "B", Role: "a NIC without carrier", Devices: []Device{
				{Name: "lo", Addr: "127.0.0.1/8", Kind: "lo"},
				{Name: "IF", Addr: "198.18.0.1/24", Kind: "veth"},
			}},
			{Name: "OTHER", Role: "the cable's far end, down", Devices: []Device{{Name: "PEER", Kind: "veth"}}},
		},
		Pairs:   [][2]string{{"B/IF", "OTHER/PEER"}},
		Caption: "TCP and UDP over 127.0.0.1 in A and in B: delivered; the control takes lo down",
	},
	"L3": {
		Namespaces: hostAndNeighbour("the host"),
		Pairs:      [][2]string{{"A/a", "B/b"}},
		Caption:    "A sends to 198.18.0.1, its own address: lo carries it, not a; to 198.18.0.2 (the control), a does",
	},
	"R3": {
		Namespaces: hostAndNeighbour("the host"),
		Pairs:      [][2]string{{"A/a", "B/b"}},
		Caption:    "table local: local 198.18.0.1 dev a; ip route get 198.18.0.1 in A: local, dev lo",
	},
	"R4": {
		Namespaces: hostAndNeighbour("rules: 0 local, 32766 main"),
		Pairs:      [][2]string{{"A/a", "B/b"}},
		Caption:    "table main: 198.18.0.1/32 dev a, the more specific route; ip route get 198.18.0.1 in A still says local, dev lo",
	},
	"V4": {
		Namespaces: []Namespace{
			{Name: "A", Devices: []Device{{Name: "a", Addr: "198.18.0.1/24", Kind: "veth"}}},
			{Name: "B", Devices: []Device{{Name: "b", Addr: "198.18.0.2/24", Kind: "veth"}}},
		},
		Pairs:   [][2]string{{"A/a", "B/b"}},
		Caption: "ICMP echo from A to 198.18.0.2: a's tx and b's rx counters, B's InEchos and OutEchoReps",
	},
	"V5": {
		Namespaces: []Namespace{
			{Name: "host", Role: "one namespace, as the notes' host", Devices: []Device{
				{Name: "lo", Addr: "127.0.0.1/8", Kind: "lo"},
				{Name: "A", Addr: "198.18.5.1/24", Kind: "veth"},
				{Name: "B", Addr: "198.18.5.2/24", Kind: "veth"},
			}},
		},
		Pairs:   [][2]string{{"host/A", "host/B"}},
		Caption: "ping 198.18.5.1 and 198.18.5.2: both are this namespace's own, so lo carries them; the veth only when bound to A",
	},
	"V8": {
		Namespaces: []Namespace{
			{Name: "ctr1", Role: "container 1", Devices: []Device{{Name: "C1", Addr: "198.18.8.2/24", Kind: "veth"}}},
			{Name: "host", Role: "the host", Devices: []Device{
				{Name: "H1", Kind: "veth", Master: "br"},
				{Name: "br", Addr: "198.18.8.1/24", Kind: "bridge"},
				{Name: "H2", Kind: "veth", Master: "br"},
			}},
			{Name: "ctr2", Role: "container 2", Devices: []Device{{Name: "C2", Addr: "198.18.8.3/24", Kind: "veth"}}},
		},
		Pairs:   [][2]string{{"ctr1/C1", "host/H1"}, {"host/H2", "ctr2/C2"}},
		Caption: "C1 pings C2 and the gateway; then H1 leaves the bridge (nomaster) and C1 pings C2 again",
	},
}

func init() {
	// V6 and V7 trace the same pair as V4.
	Topologies["V6"] = withCaption(Topologies["V4"], "the first ping from A to a new neighbour: its ARP request's stack, then the echo's; later pings")
	Topologies["V7"] = withCaption(Topologies["V4"], "netif_rx fires for b, with veth_xmit in its stack")
}

// hostAndNeighbour is the pair of namespaces of L3, R3 and R4: A, whose
// own address 198.18.0.1 sits on a veth end, and B at the other end.
func hostAndNeighbour(role string) []Namespace {
	return []Namespace{
		{Name: "A", Role: role, Devices: []Device{
			{Name: "lo", Addr: "127.0.0.1/8", Kind: "lo"},
			{Name: "a", Addr: "198.18.0.1/24", Kind: "veth"},
		}},
		{Name: "B", Role: "the neighbour", Devices: []Device{{Name: "b", Addr: "198.18.0.2/24", Kind: "veth"}}},
	}
}

func withCaption(t Topology, caption string) Topology {
	t.Caption = caption
	return t
}
