package records

import (
	"slices"
	"strings"
)

// Claim is one statement of the notes that a test checks, described once:
// the tests, the verdict report, the README's table, the page and the
// matrix all read it from here.
type Claim struct {
	ID      string // stable: L1, U8, ...; seen.txt, matrix.txt and the recorded facts name claims by it
	Chapter string // the package whose tests check it
	Claim   string // what the notes claim, in a sentence
	Post    Post   // where the post says it, and in its own words

	// Commands are what a reader types to see the claim for themselves,
	// runnable as written (a command that needs a namespace makes it
	// first).
	Commands []string

	// RefutableOnlyBy names, for a claim that no realistic setup can
	// refute, the only thing that could. Its judge's refuting case is that
	// thing's facts, named so ("refutable only by ..."); the README's table
	// says it beside the claim.
	RefutableOnlyBy string

	// Measured: the claim's verdict comes from a timing measurement, or
	// its evidence carries a measured note deciding nothing (L5's speed,
	// U4's cost of a connection). The report runs such tests alone, after
	// the others, so that nothing else of the run shares the CPUs while
	// they measure.
	Measured bool
	// MeasuredParts are the parts judged from a timing measurement, the
	// only verdicts a run's spread may move between decided and
	// undecided.
	MeasuredParts []string
}

// Post is where the post makes a claim: the section (number and heading,
// as the post writes them) and the sentence, in the original and in
// English. A claim beyond the notes names the part of the series it
// follows instead.
type Post struct {
	Section  string // "2.2.2"
	Heading  string // "unlink 和 rm 对比"
	Original string // the post's own sentence, in Chinese
	English  string // its translation
}

// Catalogue lists every claim of the notes, in reading order. It is the one
// source for the tests, the verdict report and the README's table. IDs are
// stable: seen.txt, matrix.txt and the recorded facts name claims by them.
var Catalogue = []Claim{
	{
		ID: "L1", Chapter: "loopback",
		Claim: "Loopback traffic needs no NIC.",
		Post:  Post{English: "Even with the NIC unplugged, communication over loopback is unaffected."},
	},
	{
		ID: "L2", Chapter: "loopback",
		Claim:           "Loopback traffic passes the whole stack but the NIC; softirq hands the skb to the receive path.",
		Post:            Post{English: "Loopback data still passes every step of cross-host traffic except the NIC hardware; a softirq hands the skb straight to the receiving stack."},
		RefutableOnlyBy: "a kernel that hands loopback packets to the receive path without the IP output path or a softirq (no Linux kernel does)",
	},
	{
		ID: "L3", Chapter: "loopback",
		Claim: "Traffic to the host's own non-loopback address also goes through lo.",
		Post:  Post{English: "All local routes are RTN_LOCAL; route lookup picks the loopback device for them."},
	},
	{
		ID: "L4", Chapter: "loopback",
		Claim:    "127.0.0.1 is no faster than the host's own address: the same speed, within 10% either way.",
		Post:     Post{English: "Is 127.0.0.1 faster than the host's own IP? No, there is no difference."},
		Measured: true, MeasuredParts: []string{"no-difference"},
	},
	{
		ID: "L5", Chapter: "loopback",
		Claim:    "With a sockmap and an sk_msg program, bytes written on one local TCP socket reach another socket without crossing lo.",
		Post:     Post{English: "A sidecar proxy and a local process can skip the kernel's protocol stack through eBPF (figure; \"to be expanded later\")."},
		Measured: true,
	},

	{
		ID: "R1", Chapter: "routing",
		Claim: "Table local holds 127.0.0.0/8, 127.0.0.1 and the 127.255.255.255 broadcast on lo.",
		Post:  Post{English: "local 127.0.0.0/8 dev lo proto kernel scope host src 127.0.0.1 ... broadcast 127.255.255.255 dev lo"},
	},
	{
		ID: "R2", Chapter: "routing",
		Claim: "An address A/24 adds a local entry for A and a broadcast entry on its interface.",
		Post:  Post{English: "local 192.168.1.150 dev enp4s0 proto kernel scope host src 192.168.1.150; broadcast 192.168.1.255 dev enp4s0"},
	},
	{
		ID: "R3", Chapter: "routing",
		Claim:           "The local entry names the NIC, yet a lookup of that address uses lo.",
		Post:            Post{English: "Although it shows enp4s0, every RTN_LOCAL entry still routes through the loopback device."},
		RefutableOnlyBy: "a kernel that puts an address's local entry on lo and routes the address out of its interface (no Linux kernel does)",
	},
	{
		ID: "R4", Chapter: "routing",
		Claim: "(beyond the notes) The local table wins over a more specific route in main.",
		Post:  Post{English: "(not in the notes: ip rule priority 0 consults table local first)"},
	},

	{
		ID: "U1", Chapter: "uds",
		Claim: "A UDS is addressed by a filesystem path that bind creates; unix:// endpoints name it.",
		Post:  Post{English: "unix:///var/run/containerd/containerd.sock is the file path a UDS binds to."},

		RefutableOnlyBy: "a kernel whose bind(2) to a path makes no file there (no Linux kernel does; the test binds its own listener, so a reader's server on an abstract name never enters it)",
	},
	{
		ID: "U2", Chapter: "uds",
		Claim: "The notes' demo: the client says hello, the server answers.",
		Post:  Post{English: "Received from client: Hello from client! / Received from server: Hello from server!"},
	},
	{
		ID: "U3", Chapter: "uds",
		Claim: "A UDS does not go through the network protocol stack.",
		Post:  Post{English: "UDS does not depend on the network protocol stack; the kernel passes data between processes directly."},
	},
	{
		ID: "U4", Chapter: "uds",
		Claim:    "No three-way handshake, no half/full connection queues.",
		Post:     Post{English: "No need for a TCP-like three-way handshake, half-open or full connection queues."},
		Measured: true,

		RefutableOnlyBy: "a kernel whose UNIX connect waits for the other side, as TCP's does (no Linux kernel's does; the test connects to its own listener, never a reader's busy server)",
	},
	{
		ID: "U5", Chapter: "uds",
		Claim:           "The I-Node that netstat/ss show differs from the socket file's inode (the notes' TODO).",
		Post:            Post{English: "The I-Node shown differs from the inode of uds_demo.sock (stat or ls -i)... (TODO)"},
		RefutableOnlyBy: "a kernel whose sock_diag reports the socket file's inode (no Linux kernel does)",
	},
	{
		ID: "U6", Chapter: "uds",
		Claim: "Servers unlink the path before bind: a leftover socket file makes bind fail.",
		Post:  Post{English: "The UDS example uses unlink to delete the .sock file."},
	},
	{
		ID: "U7", Chapter: "uds",
		Claim:           "The path must fit sun_path.",
		Post:            Post{English: "strcpy(serun.sun_path, socket_path)"},
		RefutableOnlyBy: "a system whose sun_path is not 108 bytes (104 on the BSDs and macOS; every Linux has 108)",
	},
	{
		ID: "U8", Chapter: "uds",
		Claim:    "For ~100-byte messages UDS is more than 2x as fast as TCP over lo; the gap shrinks with size.",
		Post:     Post{English: "For small packets (e.g. 100 bytes) UDS performs more than twice as well as lo; with large packets the stack's overhead matters less."},
		Measured: true, MeasuredParts: []string{"2x-at-100b", "gap-shrinks"},
	},
	{
		ID: "U9", Chapter: "uds",
		Claim:    "UDS is more efficient and more secure.",
		Post:     Post{English: "Compared with TCP/UDP sockets, UDS is more efficient and more secure."},
		Measured: true, MeasuredParts: []string{"more-efficient"},
	},

	{
		ID: "N1", Chapter: "unlink",
		Claim: "unlink removes a directory entry and decrements the link count; a fresh file has Links: 1.",
		Post:  Post{English: "unlink removes the directory entry and decrements the file's link count."},
	},
	{
		ID: "N2", Chapter: "unlink",
		Claim: "With link count 0 and no process holding it open, the kernel reclaims the space.",
		Post:  Post{English: "When the link count reaches 0 and no process has the file open, the kernel reclaims its disk space."},

		RefutableOnlyBy: "a kernel whose tmpfs frees an unlinked file's space while a descriptor holds it, or keeps it after the last close (no Linux kernel's does; the test measures on a private tmpfs, never a reader's btrfs or ZFS with snapshots)",
	},
	{
		ID: "N3", Chapter: "unlink",
		Claim: "The unlink command calls unlink(2); rm calls unlinkat(AT_FDCWD, path, 0).",
		Post:  Post{English: "strace unlink 111: unlink(\"111\") = 0; strace rm -f 111: unlinkat(AT_FDCWD, \"111\", 0) = 0"},
	},
	{
		ID: "N4", Chapter: "unlink",
		Claim:           "unlinkat acts like unlink, or rmdir with AT_REMOVEDIR, relative to a directory fd.",
		Post:            Post{English: "unlinkat behaves like unlink or rmdir, but resolves a relative path against a directory descriptor."},
		RefutableOnlyBy: "a kernel without unlinkat(2) (Linux has had it since 2.6.16)",
	},
	{
		ID: "N5", Chapter: "unlink",
		Claim:           "unlink takes one file and no directories; rm does more.",
		Post:            Post{English: "unlink deletes one file at a time and cannot delete directories; rm can delete files or directories in bulk."},
		RefutableOnlyBy: "a system whose unlink(2) removes directories and whose unlink command takes two operands (neither Linux nor GNU coreutils nor busybox)",
	},

	{
		ID: "V1", Chapter: "veth",
		Claim:           "veth devices come in pairs.",
		Post:            Post{English: "ip link add veth4 type veth peer name veth5: veth devices appear in pairs."},
		RefutableOnlyBy: "a kernel whose veth add makes one device (no Linux kernel does)",
	},
	{
		ID: "V2", Chapter: "veth",
		Claim:           "A new pair is DOWN; addresses can be added before up; both up gives UP,LOWER_UP.",
		Post:            Post{English: "veth5@veth4: <BROADCAST,MULTICAST,M-DOWN> ... state DOWN; after ip link set up: <BROADCAST,MULTICAST,UP,LOWER_UP>"},
		RefutableOnlyBy: "a kernel whose new veth is born up and refuses addresses while down (no Linux kernel does; the V2 drill refutes one part)",
	},
	{
		ID: "V3", Chapter: "veth",
		Claim: "After up each end has an fe80:: address derived from its MAC.",
		Post:  Post{English: "link/ether 9a:2e:ed:06:0c:56 ... inet6 fe80::982e:edff:fe06:c56/64 scope link"},
	},
	{
		ID: "V4", Chapter: "veth",
		Claim: "A veth pair carries packets between two network namespaces.",
		Post:  Post{English: "veth simulates a network cable in software."},
	},
	{
		ID: "V5", Chapter: "veth",
		Claim: "The notes ping 192.168.5.1 with both ends in one namespace.",
		Post:  Post{English: "ping 192.168.5.1: 64 bytes from 192.168.5.1: icmp_seq=1 ttl=64"},
	},
	{
		ID: "V6", Chapter: "veth",
		Claim: "The first ping reaches veth_xmit through ARP: arp_solicit <- neigh_probe <- ip_finish_output2.",
		Post:  Post{English: "veth_xmit <- dev_hard_start_xmit <- __dev_queue_xmit <- arp_solicit <- neigh_probe <- __neigh_event_send <- neigh_resolve_output <- ip_finish_output2"},
	},
	{
		ID: "V7", Chapter: "veth",
		Claim: "veth_xmit forwards the skb to the peer through __netif_rx and the per-CPU backlog.",
		Post:  Post{English: "veth_xmit: __dev_forward_skb, then __netif_rx -> netif_rx_internal -> enqueue_to_backlog"},
	},
	{
		ID: "V8", Chapter: "veth",
		Claim: "A container's veth: one end in its netns, the other enslaved to a bridge.",
		Post:  Post{English: "veth0@if2: ... master podman0 state UP ... link-netns netns-1836f023-..."},
	},
	{
		ID: "V9", Chapter: "veth",
		Claim:           "lo is itself a purely software device.",
		Post:            Post{English: "The lo loopback device of local network IO is also a device virtualised in software."},
		RefutableOnlyBy: "a kernel whose lo is a driver's device on a bus (no Linux kernel has one)",
	},
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

// Measured lists the claims judged from a measurement (Claim.Measured),
// in the catalogue's order.
func Measured() []string {
	var ids []string
	for _, c := range Catalogue {
		if c.Measured {
			ids = append(ids, c.ID)
		}
	}
	return ids
}

// IsMeasured reports whether claim id (or "ID/part") is judged from a
// measurement.
func IsMeasured(id string) bool {
	id, _, _ = strings.Cut(id, "/")
	c, ok := Lookup(id)
	return ok && c.Measured
}

// IsMeasuredPart reports whether key ("ID/part") is a measured part.
func IsMeasuredPart(key string) bool {
	id, part, ok := strings.Cut(key, "/")
	c, found := Lookup(id)
	return ok && found && slices.Contains(c.MeasuredParts, part)
}
