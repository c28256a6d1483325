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
		ID: "R5", Chapter: "routing",
		Claim: "(beyond the notes) With net.ipv4.ip_forward=0 a container's packets to beyond the host are dropped; with 1 they are forwarded.",
		Post: Post{
			Section:  "1",
			Heading:  "天天讲路由，那 Linux 路由到底咋实现的！？",
			Original: "（笔记之外，系列后续：路由）宿主机上 net.ipv4.ip_forward=0 时，容器发往宿主机之外的包被丢弃；设为 1 后才会被转发。",
			English:  "(beyond the notes; the series' next part, routing) With net.ipv4.ip_forward=0 on the host, a container's packets to beyond the host are dropped; set to 1, they are forwarded.",
		},
		Commands: []string{
			"ip netns add ctr; ip netns add host; ip netns add out",
			"ip -n host link add br0 type bridge; ip -n host addr add 198.18.13.1/24 dev br0; ip -n host link set br0 up",
			"ip -n host link add p0 type veth peer name eth0 netns ctr; ip -n host link set p0 master br0 up",
			"ip -n ctr addr add 198.18.13.2/24 dev eth0; ip -n ctr link set eth0 up; ip -n ctr link set lo up; ip -n ctr route add default via 198.18.13.1",
			"ip -n host link add up0 type veth peer name eth0 netns out; ip -n host addr add 198.18.14.1/24 dev up0; ip -n host link set up0 up",
			"ip -n out addr add 198.18.14.2/24 dev eth0; ip -n out link set eth0 up",
			"ip -n out route add 198.18.13.0/24 via 198.18.14.1   # the outside routes the container's subnet back, as a LAN's router would",
			"ip netns exec host sysctl -w net.ipv4.ip_forward=0; ip netns exec ctr bash -c 'echo hi > /dev/udp/198.18.14.2/7007'; ip netns exec host nstat -az IpForwDatagrams IpInAddrErrors; ip -n out -s link show eth0",
			"ip netns exec host sysctl -w net.ipv4.ip_forward=1; ip netns exec out timeout 2 nc -lu 7007 & ip netns exec ctr bash -c 'echo hi > /dev/udp/198.18.14.2/7007'; ip netns exec host nstat -az IpForwDatagrams",
		},
	},
	{
		ID: "R6", Chapter: "routing",
		Claim: "(beyond the notes) MASQUERADE rewrites a container's source address to the host's outgoing address; conntrack keeps the mapping and rewrites the replies back.",
		Post: Post{
			Section:  "1",
			Heading:  "手工模拟实现 Docker 容器网络！",
			Original: "（笔记之外，系列后续：容器网络）iptables 的 MASQUERADE 把容器的源地址改写成宿主机出口网卡的地址；conntrack 记住这个映射，并把回包改写回容器。",
			English:  "(beyond the notes; the series' next part, Docker's network by hand) iptables' MASQUERADE rewrites a container's source address to the host's outgoing address; conntrack remembers the mapping and rewrites the replies back to the container.",
		},
		Commands: []string{
			"# the namespaces ctr, host and out of R5's commands, without the outside's route back (ip -n out route del 198.18.13.0/24), then:",
			"ip netns exec host sysctl -w net.ipv4.ip_forward=1",
			"ip netns exec host nft add table ip nat; ip netns exec host nft add chain ip nat postrouting '{ type nat hook postrouting priority 100; }'",
			"ip netns exec host nft add rule ip nat postrouting ip saddr 198.18.13.0/24 oifname != br0 counter masquerade",
			"ip netns exec out nc -lu 7007 & ip netns exec ctr nc -u 198.18.14.2 7007   # type a line in each",
			"ip netns exec host conntrack -L; ip netns exec host nft list ruleset",
		},
	},
	{
		ID: "R7", Chapter: "routing",
		Claim: "(beyond the notes) A published port (-p 8080:80) is a DNAT rule; from another namespace it is DNATed in PREROUTING, from the host itself another way (OUTPUT's DNAT, or docker-proxy's userland copy).",
		Post: Post{
			Section:  "1",
			Heading:  "手工模拟实现 Docker 容器网络！",
			Original: "（笔记之外，系列后续：容器网络）-p 8080:80 发布端口就是一条 DNAT 规则：从别的网络命名空间来的连接在 PREROUTING 被 DNAT，宿主机自己发起的连接走另一条路（OUTPUT 链的 DNAT，或 docker-proxy 在用户态转发）。",
			English:  "(beyond the notes; the series' next part, Docker's network by hand) Publishing a port with -p 8080:80 is a DNAT rule: a connection from another network namespace is DNATed in PREROUTING, one the host makes itself takes another way (OUTPUT's DNAT, or docker-proxy copying it in user space).",
		},
		Commands: []string{
			"docker run -d -p 8080:80 --name web IMAGE; iptables-save -c -t nat; ps -C docker-proxy -o pid,args",
			"podman run -d -p 8080:80 --name web IMAGE; iptables-save -c -t nat",
			"# from another namespace (R5's out, its route via the host): nc 198.18.14.1 8080; from the host itself: nc 198.18.14.1 8080; nc 127.0.0.1 8080; then iptables-save -c -t nat again",
		},
	},
	{
		ID: "R8", Chapter: "routing",
		Claim: "(beyond the notes) Docker's network built by hand (namespace, veth, bridge, ip_forward, MASQUERADE, DNAT) behaves like docker's own.",
		Post: Post{
			Section:  "1",
			Heading:  "手工模拟实现 Docker 容器网络！",
			Original: "（笔记之外，系列后续：容器网络）用 namespace、veth、bridge、ip_forward、MASQUERADE 和 DNAT 手工搭出的网络，和 Docker 自己的容器网络表现一样。",
			English:  "(beyond the notes; the series' next part, Docker's network by hand) A network built by hand from a namespace, a veth pair, a bridge, ip_forward, MASQUERADE and DNAT behaves like Docker's own container network.",
		},
		Commands: []string{
			"# R5's namespaces ctr, host and out (without the outside's route back), R6's masquerade rule, then the published port:",
			"ip netns exec host nft add chain ip nat prerouting '{ type nat hook prerouting priority -100; }'",
			"ip netns exec host nft add rule ip nat prerouting ip daddr 198.18.14.1 tcp dport 8080 counter dnat to 198.18.13.2:80",
			"ip netns exec ctr nc -l 80 & ip netns exec out nc 198.18.14.1 8080",
			"# beside docker's: docker run -d -p 8080:80 IMAGE; ip link; ip addr; ip route; ip rule; iptables-save -t nat",
		},
	},

	{
		ID: "U1", Chapter: "uds",
		Claim: "A UDS is addressed by a filesystem path that bind creates; unix:// endpoints name it.",
		Post:  Post{English: "unix:///var/run/containerd/containerd.sock is the file path a UDS binds to."},
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
	{
		ID: "V10", Chapter: "veth",
		Claim: "(beyond the notes) A new network namespace holds only lo, down, with no routes, no rules beyond the defaults and no firewall rules.",
		Post: Post{
			Section: "1", Heading: "彻底弄懂 Linux 网络命名空间",
			Original: "（不在本篇中：系列参考文章）新建的网络命名空间里只有一个 lo 设备，且处于 DOWN 状态；没有路由，没有默认之外的路由规则，也没有防火墙规则。",
			English:  "(not in the notes: the series' reference) A new network namespace holds only an lo device, and it is DOWN; no routes, no rules beyond the defaults, no firewall rules.",
		},
		Commands: []string{
			"ip netns add x",
			"ip -n x -d link show; ip -n x addr",
			"ip -n x route show table all; ip -n x -6 route show table all",
			"ip -n x rule; ip -n x -6 rule",
			"ip netns exec x nft list ruleset; ip netns exec x iptables-legacy-save",
			"ip netns del x",
		},
	},
	{
		ID: "V11", Chapter: "veth",
		Claim: "(beyond the notes) Moving a device into another namespace takes away its addresses and leaves it down.",
		Post: Post{
			Section: "1", Heading: "彻底弄懂 Linux 网络命名空间",
			Original: "（不在本篇中：系列参考文章）把设备移到另一个网络命名空间后，它原来的 IP 地址都没有了，设备也处于 DOWN 状态，需要在新的命名空间里重新配置。",
			English:  "(not in the notes: the series' reference) A device moved into another network namespace has lost its IP addresses and is down: it is configured again in the new namespace.",
		},
		Commands: []string{
			"ip netns add x",
			"ip link add v1 type veth peer name v2",
			"ip addr add 198.18.11.1/24 dev v1; ip link set v1 up; ip link set v2 up; ip addr show v1",
			"ip link set v1 netns x; ip -n x addr show v1",
			"ip netns del x",
		},
	},
	{
		ID: "V12", Chapter: "veth",
		Claim: "(beyond the notes) A bridge floods a frame for an unknown destination MAC to every port, then forwards by the learnt MAC to one port only.",
		Post: Post{
			Section: "1", Heading: "聊聊 Linux 上软件实现的“交换机” - Bridge",
			Original: "（不在本篇中：系列参考文章）Bridge 像交换机一样工作：目的 MAC 未知的帧会被泛洪到所有端口；从源 MAC 学习到地址所在端口后，再发往该 MAC 的帧只从这一个端口转发。",
			English:  "(not in the notes: the series' reference) A bridge works like a switch: a frame for an unknown destination MAC is flooded to every port; once it has learnt the port from the source MAC, frames for that MAC leave by that one port only.",
		},
		Commands: []string{
			"ip netns add c1; ip netns add c2; ip netns add c3; ip netns add h",
			"ip -n h link add br0 type bridge; ip -n h link set br0 up",
			"for c in c1 c2 c3; do ip -n h link add $c-p type veth peer name eth0 netns $c; ip -n h link set $c-p master br0 up; ip -n $c link set eth0 up; ip -n $c addr add 198.18.12.1${c#c}/24 dev eth0; done",
			"ip netns exec c3 tcpdump -leni eth0 &",
			"ip -n c1 neigh add 198.18.12.99 lladdr 02:00:00:00:00:99 dev eth0; ip netns exec c1 ping -c1 -W1 198.18.12.99  # a MAC nobody has: c3 sees the frame (flooded)",
			"ip netns exec c1 ping -c3 198.18.12.12  # the bridge knows c2's MAC (from its ARP reply, or its IPv6 chatter when eth0 came up): c3 sees the ARP broadcast, not the echoes",
			"bridge -n h fdb show br br0 dynamic",
			"for n in c1 c2 c3 h; do ip netns del $n; done",
		},
	},
	{
		ID: "V13", Chapter: "veth",
		Claim: "(beyond the notes) Bridged IPv4 traffic passes the iptables FORWARD chain only with br_netfilter loaded and net.bridge.bridge-nf-call-iptables=1.",
		Post: Post{
			Section:  "1",
			Heading:  "聊聊 Linux 上软件实现的“交换机” - Bridge！",
			Original: "（笔记之外，系列后续：Bridge）经网桥转发的 IPv4 流量只有在加载了 br_netfilter 且 net.bridge.bridge-nf-call-iptables=1 时才会经过 iptables 的 FORWARD 链。",
			English:  "(beyond the notes; the series' next part, the bridge) IPv4 traffic forwarded by a bridge passes iptables' FORWARD chain only when br_netfilter is loaded and net.bridge.bridge-nf-call-iptables=1.",
		},
		Commands: []string{
			"ip netns add host; ip netns add c1; ip netns add c2",
			"ip -n host link add br0 type bridge; ip -n host link set br0 up",
			"ip -n host link add p1 type veth peer name eth0 netns c1; ip -n host link set p1 master br0 up; ip -n c1 addr add 198.18.15.2/24 dev eth0; ip -n c1 link set eth0 up",
			"ip -n host link add p2 type veth peer name eth0 netns c2; ip -n host link set p2 master br0 up; ip -n c2 addr add 198.18.15.3/24 dev eth0; ip -n c2 link set eth0 up",
			"ip netns exec host nft add table ip filter; ip netns exec host nft add chain ip filter FORWARD '{ type filter hook forward priority 0; }'; ip netns exec host nft add rule ip filter FORWARD ip daddr 198.18.15.3 counter accept",
			"ls /proc/sys/net/bridge   # br_netfilter loaded? (modprobe br_netfilter)",
			"ip netns exec host sysctl -w net.bridge.bridge-nf-call-iptables=0; ip netns exec c1 bash -c 'echo hi > /dev/udp/198.18.15.3/7007'; ip netns exec host iptables -vL FORWARD",
			"ip netns exec host sysctl -w net.bridge.bridge-nf-call-iptables=1; ip netns exec c1 bash -c 'echo hi > /dev/udp/198.18.15.3/7007'; ip netns exec host nft list chain ip filter FORWARD",
		},
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
