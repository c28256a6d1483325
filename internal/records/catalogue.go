package records

// Claim is one statement of the notes that a test checks.
type Claim struct {
	ID      string // stable: L1, U8, ...
	Chapter string // the package whose tests check it
	Claim   string // what the notes claim, in a sentence
	Note    string // the notes' own words, translated
}

// Catalogue lists every claim of the notes, in reading order. It is the one
// source for the tests, the verdict report and the README's table. IDs are
// stable: seen.txt, matrix.txt and the recorded facts name claims by them.
var Catalogue = []Claim{
	{"L1", "loopback", "Loopback traffic needs no NIC.",
		"Even with the NIC unplugged, communication over loopback is unaffected."},
	{"L2", "loopback", "Loopback traffic passes the whole stack but the NIC; softirq hands the skb to the receive path.",
		"Loopback data still passes every step of cross-host traffic except the NIC hardware; a softirq hands the skb straight to the receiving stack."},
	{"L3", "loopback", "Traffic to the host's own non-loopback address also goes through lo.",
		"All local routes are RTN_LOCAL; route lookup picks the loopback device for them."},
	{"L4", "loopback", "127.0.0.1 is no faster than the host's own address: the same speed, within 10% either way.",
		"Is 127.0.0.1 faster than the host's own IP? No, there is no difference."},
	{"L5", "loopback", "With a sockmap and an sk_msg program, bytes written on one local TCP socket reach another socket without crossing lo.",
		"A sidecar proxy and a local process can skip the kernel's protocol stack through eBPF (figure; \"to be expanded later\")."},

	{"R1", "routing", "Table local holds 127.0.0.0/8, 127.0.0.1 and the 127.255.255.255 broadcast on lo.",
		"local 127.0.0.0/8 dev lo proto kernel scope host src 127.0.0.1 ... broadcast 127.255.255.255 dev lo"},
	{"R2", "routing", "An address A/24 adds a local entry for A and a broadcast entry on its interface.",
		"local 192.168.1.150 dev enp4s0 proto kernel scope host src 192.168.1.150; broadcast 192.168.1.255 dev enp4s0"},
	{"R3", "routing", "The local entry names the NIC, yet a lookup of that address uses lo.",
		"Although it shows enp4s0, every RTN_LOCAL entry still routes through the loopback device."},
	{"R4", "routing", "(beyond the notes) The local table wins over a more specific route in main.",
		"(not in the notes: ip rule priority 0 consults table local first)"},

	{"U1", "uds", "A UDS is addressed by a filesystem path that bind creates; unix:// endpoints name it.",
		"unix:///var/run/containerd/containerd.sock is the file path a UDS binds to."},
	{"U2", "uds", "The notes' demo: the client says hello, the server answers.",
		"Received from client: Hello from client! / Received from server: Hello from server!"},
	{"U3", "uds", "A UDS does not go through the network protocol stack.",
		"UDS does not depend on the network protocol stack; the kernel passes data between processes directly."},
	{"U4", "uds", "No three-way handshake, no half/full connection queues.",
		"No need for a TCP-like three-way handshake, half-open or full connection queues."},
	{"U5", "uds", "The I-Node that netstat/ss show differs from the socket file's inode (the notes' TODO).",
		"The I-Node shown differs from the inode of uds_demo.sock (stat or ls -i)... (TODO)"},
	{"U6", "uds", "Servers unlink the path before bind: a leftover socket file makes bind fail.",
		"The UDS example uses unlink to delete the .sock file."},
	{"U7", "uds", "The path must fit sun_path.",
		"strcpy(serun.sun_path, socket_path)"},
	{"U8", "uds", "For ~100-byte messages UDS is more than 2x as fast as TCP over lo; the gap shrinks with size.",
		"For small packets (e.g. 100 bytes) UDS performs more than twice as well as lo; with large packets the stack's overhead matters less."},
	{"U9", "uds", "UDS is more efficient and more secure.",
		"Compared with TCP/UDP sockets, UDS is more efficient and more secure."},

	{"N1", "unlink", "unlink removes a directory entry and decrements the link count; a fresh file has Links: 1.",
		"unlink removes the directory entry and decrements the file's link count."},
	{"N2", "unlink", "With link count 0 and no process holding it open, the kernel reclaims the space.",
		"When the link count reaches 0 and no process has the file open, the kernel reclaims its disk space."},
	{"N3", "unlink", "The unlink command calls unlink(2); rm calls unlinkat(AT_FDCWD, path, 0).",
		"strace unlink 111: unlink(\"111\") = 0; strace rm -f 111: unlinkat(AT_FDCWD, \"111\", 0) = 0"},
	{"N4", "unlink", "unlinkat acts like unlink, or rmdir with AT_REMOVEDIR, relative to a directory fd.",
		"unlinkat behaves like unlink or rmdir, but resolves a relative path against a directory descriptor."},
	{"N5", "unlink", "unlink takes one file and no directories; rm does more.",
		"unlink deletes one file at a time and cannot delete directories; rm can delete files or directories in bulk."},

	{"V1", "veth", "veth devices come in pairs.",
		"ip link add veth4 type veth peer name veth5: veth devices appear in pairs."},
	{"V2", "veth", "A new pair is DOWN; addresses can be added before up; both up gives UP,LOWER_UP.",
		"veth5@veth4: <BROADCAST,MULTICAST,M-DOWN> ... state DOWN; after ip link set up: <BROADCAST,MULTICAST,UP,LOWER_UP>"},
	{"V3", "veth", "After up each end has an fe80:: address derived from its MAC.",
		"link/ether 9a:2e:ed:06:0c:56 ... inet6 fe80::982e:edff:fe06:c56/64 scope link"},
	{"V4", "veth", "A veth pair carries packets between two network namespaces.",
		"veth simulates a network cable in software."},
	{"V5", "veth", "The notes ping 192.168.5.1 with both ends in one namespace.",
		"ping 192.168.5.1: 64 bytes from 192.168.5.1: icmp_seq=1 ttl=64"},
	{"V6", "veth", "The first ping reaches veth_xmit through ARP: arp_solicit <- neigh_probe <- ip_finish_output2.",
		"veth_xmit <- dev_hard_start_xmit <- __dev_queue_xmit <- arp_solicit <- neigh_probe <- __neigh_event_send <- neigh_resolve_output <- ip_finish_output2"},
	{"V7", "veth", "veth_xmit forwards the skb to the peer through __netif_rx and the per-CPU backlog.",
		"veth_xmit: __dev_forward_skb, then __netif_rx -> netif_rx_internal -> enqueue_to_backlog"},
	{"V8", "veth", "A container's veth: one end in its netns, the other enslaved to a bridge.",
		"veth0@if2: ... master podman0 state UP ... link-netns netns-1836f023-..."},
	{"V9", "veth", "lo is itself a purely software device.",
		"The lo loopback device of local network IO is also a device virtualised in software."},
}

// RefutableOnlyBy names, for each claim that no realistic setup can
// refute, the only thing that could. Its judge's refuting case is that
// thing's facts, named so; the README's table says it beside the claim.
var RefutableOnlyBy = map[string]string{
	"L2": "a kernel that hands loopback packets to the receive path without the IP output path or a softirq (no Linux kernel does)",
	"R3": "a kernel that puts an address's local entry on lo and routes the address out of its interface (no Linux kernel does)",
	"U5": "a kernel whose sock_diag reports the socket file's inode (no Linux kernel does)",
	"U7": "a system whose sun_path is not 108 bytes (104 on the BSDs and macOS; every Linux has 108)",
	"N4": "a kernel without unlinkat(2) (Linux has had it since 2.6.16)",
	"N5": "a system whose unlink(2) removes directories and whose unlink command takes two operands (neither Linux nor GNU coreutils nor busybox)",
	"V1": "a kernel whose veth add makes one device (no Linux kernel does)",
	"V2": "a kernel whose new veth is born up and refuses addresses while down (no Linux kernel does; the V2 drill refutes one part)",
	"V9": "a kernel whose lo is a driver's device on a bus (no Linux kernel has one)",
}

// Lookup returns the claim with the given ID.
func Lookup(id string) (Claim, bool) {
	for _, c := range Catalogue {
		if c.ID == id {
			return c, true
		}
	}
	return Claim{}, false
}
