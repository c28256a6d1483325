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
	// Reference, beyond the notes, is the series' article the claim
	// follows: one of those the post's §1 lists as the series' next parts
	// (Section "1", Heading "引言"), by its title.
	Reference string
}

// The post the notes check: part one of a series on container networking,
// on the author's blog (xiaodongq.github.io).
const (
	PostTitle        = "容器网络（一） -- 本机网络通信 和 容器网络基础-veth"
	PostTitleEnglish = "Container networking (1): communication within one machine, and veth, the basis of container networking"
	PostAuthor       = "xiaodongQ"
	PostSite         = "xiaodongq.github.io"
)

// Section is a section of the post, numbered and titled as the post writes
// them.
type Section struct {
	Number  string // "2.2.2"
	Heading string // "unlink 和 rm 对比"
}

// Sections are the post's sections, in its order.
var Sections = []Section{
	{"1", "引言"},
	{"2", "本机网络通信方式说明"},
	{"2.1", "跨主机通信 和 loopback回环网络通信"},
	{"2.2", "Unix Domain Socket"},
	{"2.2.1", "编程方式"},
	{"2.2.2", "unlink 和 rm 对比"},
	{"2.3", "性能对比"},
	{"3", "容器网络虚拟化基础 -- veth"},
	{"3.1", "查看当前podman的veth"},
	{"3.2", "实验：手动添加veth"},
	{"3.3", "bpftrace追踪veth接口交互"},
	{"4", "小结"},
	{"5", "参考"},
}

// heading is the heading of the post's section number, "" for a number
// the post does not have (the catalogue's test names it).
func heading(number string) string {
	for _, s := range Sections {
		if s.Number == number {
			return s.Heading
		}
	}
	return ""
}

// post is where the post says a claim: its section (the heading from
// Sections), its sentence as the post writes it (without the Markdown
// marks; " … " joins the pieces of a sentence the post spreads over lines)
// and in English.
func post(section, original, english string) Post {
	return Post{Section: section, Heading: heading(section), Original: original, English: english}
}

// BeyondTheNotes reports whether the claim goes beyond what the post says
// (R4, and the series' next parts): its Post names the section it follows
// and says so in English, with no sentence of the post's own.
func (c Claim) BeyondTheNotes() bool {
	return strings.Contains(strings.ToLower(c.Claim+" "+c.Post.English), "beyond the notes")
}

// Commands that several claims share: the setting up of a veth pair
// between two namespaces and its removal (V4, V6, V7), and a namespace
// whose own address sits on a veth (L3, R3, R4).
var (
	// A container, its host and a machine beyond the host (R5-R8): ctr on
	// the host's bridge br0, the host's uplink up0 to out.
	containerHostOutside = []string{
		"ip netns add ctr; ip netns add host; ip netns add out",
		"ip -n host link add br0 type bridge; ip -n host addr add 198.18.13.1/24 dev br0; ip -n host link set br0 up",
		"ip -n host link add p0 type veth peer name eth0 netns ctr; ip -n host link set p0 master br0 up",
		"ip -n ctr addr add 198.18.13.2/24 dev eth0; ip -n ctr link set eth0 up; ip -n ctr link set lo up; ip -n ctr route add default via 198.18.13.1",
		"ip -n host link add up0 type veth peer name eth0 netns out; ip -n host addr add 198.18.14.1/24 dev up0; ip -n host link set up0 up",
		"ip -n out addr add 198.18.14.2/24 dev eth0; ip -n out link set eth0 up",
	}
	vethBetweenNamespaces = []string{
		"ip netns add nn1",
		"ip netns add nn2",
		"ip -n nn1 link add veth4 type veth peer name veth5 netns nn2",
		"ip -n nn1 addr add 198.18.0.1/24 dev veth4",
		"ip -n nn2 addr add 198.18.0.2/24 dev veth5",
		"ip -n nn1 link set veth4 up",
		"ip -n nn2 link set veth5 up",
	}
	deleteBothNamespaces = []string{
		"ip netns del nn1",
		"ip netns del nn2",
	}
	ownAddressOnVeth = []string{
		"ip netns add nn1",
		"ip -n nn1 link set lo up",
		"ip -n nn1 link add veth4 type veth peer name veth5",
		"ip -n nn1 addr add 198.18.0.1/24 dev veth4",
		"ip -n nn1 link set veth4 up",
	}
)

// commands joins lists of commands into a claim's Commands.
func commands(lists ...[]string) []string { return slices.Concat(lists...) }

// Catalogue lists every claim of the notes, in reading order. It is the one
// source for the tests, the verdict report and the README's table. IDs are
// stable: seen.txt, matrix.txt and the recorded facts name claims by them.
var Catalogue = []Claim{
	{
		ID: "L1", Chapter: "loopback",
		Claim: "Loopback traffic needs no NIC.",
		Post: post("2.1",
			"127.0.0.1本机回环网络通信时，数据不需要经过网卡，因此即使拔掉网卡，也不影响本机上通过loopback通信",
			"Over 127.0.0.1 the data does not pass through the NIC, so even with the NIC unplugged, communication over loopback on this machine is unaffected."),
		Commands: []string{
			"ip netns add nn1",
			"ip -n nn1 link set lo up",
			"ip -n nn1 -br link",
			"ip netns exec nn1 ping -c 2 127.0.0.1",
			"ip netns exec nn1 sh -c 'socat -u TCP-LISTEN:9000,bind=127.0.0.1 - & sleep 1; echo hello over lo | socat -u - TCP:127.0.0.1:9000; wait'",
			"ip netns del nn1",
		},
	},
	{
		ID: "L2", Chapter: "loopback",
		Claim: "Loopback traffic passes the whole stack but the NIC; softirq hands the skb to the receive path.",
		Post: post("2.1",
			"本机回环网络数据流向：还是 需要经过跨机通信一样（除了网卡硬件）的各流程处理，只是数据不需要经过网卡的RingBuffer队列，而是通过软中断直接把skb传给接收协议栈（本机回环的驱动程序也是一个纯软件的虚拟程序）。",
			"Loopback data still passes every processing step that traffic between two machines passes (except the NIC hardware); only it does not go through the NIC's RingBuffer queue: a softirq hands the skb straight to the receiving protocol stack (loopback's driver is itself a purely software, virtual program)."),
		Commands: []string{
			"ip netns add nn1",
			"ip -n nn1 link set lo up",
			`bpftrace -e 'tracepoint:net:net_dev_xmit,tracepoint:net:netif_rx /str(args->name) == "lo" && comm == "ping"/ { printf("%s\n", kstack); }' -c '/sbin/ip netns exec nn1 ping -c 1 127.0.0.1'`,
			"ip netns del nn1",
		},
		RefutableOnlyBy: "a kernel that hands loopback packets to the receive path without the IP output path or a softirq (no Linux kernel does)",
	},
	{
		ID: "L3", Chapter: "loopback",
		Claim: "Traffic to the host's own non-loopback address also goes through lo.",
		Post: post("2.1",
			"所有local路由表项内核都会标识为RTN_LOCAL，查找路由表时（__ip_route_output_key），都会路由选择loopback虚拟设备",
			"The kernel marks every local route entry RTN_LOCAL; when it looks up the routing table (__ip_route_output_key), it routes all of them to the loopback virtual device."),
		Commands: commands(ownAddressOnVeth, []string{
			"ip -n nn1 route get 198.18.0.1",
			"ip netns exec nn1 ping -c 3 198.18.0.1",
			"ip -n nn1 -s link show lo",
			"ip -n nn1 -s link show veth4",
			"ip netns del nn1",
		}),
	},
	{
		ID: "L4", Chapter: "loopback",
		Claim: "127.0.0.1 is no faster than the host's own address: the same speed, within 10% either way.",
		Post: post("2.1",
			"问题：访问本机Server时，使用127.0.0.1能比使用本机ip（例如192.168.x.x）更快吗？ … 结论：两种使用方法在性能上没有啥差别",
			"Question: to reach a server on this machine, is 127.0.0.1 faster than the machine's own IP (192.168.x.x, say)? Conclusion: the two perform no differently."),
		Commands: []string{
			"go test -count=1 -run '^TestL4' -v ./loopback",
			"go test -run '^$' -bench . ./loopback",
		},
		Measured: true, MeasuredParts: []string{"no-difference"},
	},
	{
		ID: "L5", Chapter: "loopback",
		Claim: "With a sockmap and an sk_msg program, bytes written on one local TCP socket reach another socket without crossing lo.",
		Post: post("2.1",
			"这里也贴下参考链接中提到的，在 边车（sidecar）代理程序 和 本地进程 间通信时，通过eBPF来绕开内核协议栈的开销（后续再梳理展开）",
			"Here is also the reference's figure: between a sidecar proxy and a local process, eBPF is used to get around the kernel protocol stack's overhead (to be expanded later)."),
		Commands: []string{
			"go test -tags sudo -count=1 -run '^TestL5' -v ./loopback",
			"go test -tags sudo -run '^$' -bench Sockmap ./loopback",
		},
		Measured: true,
	},

	{
		ID: "R1", Chapter: "routing",
		Claim: "Table local holds 127.0.0.0/8, 127.0.0.1 and the 127.255.255.255 broadcast on lo.",
		Post: post("2.1",
			"比如我的环境中的local路由表： … local 127.0.0.0/8 dev lo proto kernel scope host src 127.0.0.1 … local 127.0.0.1 dev lo proto kernel scope host src 127.0.0.1 … broadcast 127.255.255.255 dev lo proto kernel scope link src 127.0.0.1",
			"For example, the local routing table on my machine: local 127.0.0.0/8 dev lo ..., local 127.0.0.1 dev lo ..., broadcast 127.255.255.255 dev lo ..."),
		Commands: []string{
			"ip netns add nn1",
			"ip -n nn1 link set lo up",
			"ip -n nn1 route show table local",
			"ip netns del nn1",
		},
	},
	{
		ID: "R2", Chapter: "routing",
		Claim: "An address A/24 adds a local entry for A and a broadcast entry on its interface.",
		Post: post("2.1",
			"local 192.168.1.150 dev enp4s0 proto kernel scope host src 192.168.1.150 … broadcast 192.168.1.255 dev enp4s0 proto kernel scope link src 192.168.1.150",
			"(the same table) local 192.168.1.150 dev enp4s0 ... scope host; broadcast 192.168.1.255 dev enp4s0 ... scope link"),
		Commands: []string{
			"ip netns add nn1",
			"ip -n nn1 link add veth4 type veth peer name veth5",
			"ip -n nn1 addr add 198.18.0.1/24 dev veth4",
			"ip -n nn1 route show table local",
			"ip -n nn1 link set veth4 up",
			"ip -n nn1 route show table local",
			"ip -n nn1 addr del 198.18.0.1/24 dev veth4",
			"ip -n nn1 route show table local",
			"ip netns del nn1",
		},
	},
	{
		ID: "R3", Chapter: "routing",
		Claim: "The local entry names the NIC, yet a lookup of that address uses lo.",
		Post: post("2.1",
			"虽然显示enp4s0，实际上所有的RTN_LOCAL项，路由还是会选择loopback 虚拟设备",
			"Although it shows enp4s0, for every RTN_LOCAL entry the route still picks the loopback virtual device."),
		Commands: commands(ownAddressOnVeth, []string{
			"ip -n nn1 route show table local dev veth4",
			"ip -n nn1 route get 198.18.0.1",
			"ip -n nn1 route get 198.18.0.2",
			"ip netns del nn1",
		}),
		RefutableOnlyBy: "a kernel that puts an address's local entry on lo and routes the address out of its interface (no Linux kernel does)",
	},
	{
		ID: "R4", Chapter: "routing",
		Claim: "(beyond the notes) The local table wins over a more specific route in main.",
		Post: Post{Section: "2.1", Heading: heading("2.1"),
			English: "Beyond the notes: the post does not say why its RTN_LOCAL entries win; ip rule priority 0 consults table local before main."},
		Commands: commands(ownAddressOnVeth, []string{
			"ip -n nn1 route add 198.18.0.1/32 dev veth4",
			"ip -n nn1 rule",
			"ip -n nn1 route get 198.18.0.1",
			"ip -n nn1 rule add pref 40000 lookup local",
			"ip -n nn1 rule del pref 0",
			"ip -n nn1 route get 198.18.0.1",
			"ip netns del nn1",
		}),
	},
	{
		ID: "R5", Chapter: "routing",
		Claim: "(beyond the notes) With net.ipv4.ip_forward=0 a container's packets to beyond the host are dropped; with 1 they are forwarded.",
		Post: Post{
			Section:   "1",
			Heading:   "引言",
			Reference: "天天讲路由，那 Linux 路由到底咋实现的！？",
			English:   "(beyond the notes; the series' next part, routing) With net.ipv4.ip_forward=0 on the host, a container's packets to beyond the host are dropped; set to 1, they are forwarded.",
		},
		Commands: commands(containerHostOutside, []string{
			"ip -n out route add 198.18.13.0/24 via 198.18.14.1   # the outside routes the container's subnet back, as a LAN's router would",
			"ip netns exec host sysctl -w net.ipv4.ip_forward=0; ip netns exec ctr bash -c 'echo hi > /dev/udp/198.18.14.2/7007'; ip netns exec host nstat -az IpForwDatagrams IpInAddrErrors; ip -n out -s link show eth0",
			"ip netns exec host sysctl -w net.ipv4.ip_forward=1; ip netns exec out timeout 2 socat -u UDP-RECV:7007 - & ip netns exec ctr bash -c 'echo hi > /dev/udp/198.18.14.2/7007'; ip netns exec host nstat -az IpForwDatagrams",
			"for n in ctr host out; do ip netns del $n; done",
		}),
	},
	{
		ID: "R6", Chapter: "routing",
		Claim: "(beyond the notes) MASQUERADE rewrites a container's source address to the host's outgoing address; conntrack keeps the mapping and rewrites the replies back.",
		Post: Post{
			Section:   "1",
			Heading:   "引言",
			Reference: "手工模拟实现 Docker 容器网络！",
			English:   "(beyond the notes; the series' next part, Docker's network by hand) iptables' MASQUERADE rewrites a container's source address to the host's outgoing address; conntrack remembers the mapping and rewrites the replies back to the container.",
		},
		Commands: commands(containerHostOutside, []string{
			"ip netns exec host sysctl -w net.ipv4.ip_forward=1",
			"ip netns exec host nft add table ip nat; ip netns exec host nft add chain ip nat postrouting '{ type nat hook postrouting priority 100; }'",
			"ip netns exec host nft add rule ip nat postrouting ip saddr 198.18.13.0/24 oifname != br0 counter masquerade",
			"ip netns exec out timeout 5 socat UDP-RECVFROM:7007 SYSTEM:'echo from out; echo peer $SOCAT_PEERADDR >&2' &   # the outside answers, and says whom it saw",
			"sleep 1; ip netns exec ctr sh -c 'echo hi | socat -t 2 - UDP:198.18.14.2:7007'   # the answer comes back to the container (out has no route to 198.18.13.0/24)",
			"ip netns exec host conntrack -L; ip netns exec host nft list ruleset",
			"for n in ctr host out; do ip netns del $n; done",
		}),
	},
	{
		ID: "R7", Chapter: "routing",
		Claim: "(beyond the notes) A published port (-p 8080:80) is a DNAT rule; from another namespace it is DNATed in PREROUTING, from the host itself another way (OUTPUT's DNAT, or docker-proxy's userland copy).",
		Post: Post{
			Section:   "1",
			Heading:   "引言",
			Reference: "手工模拟实现 Docker 容器网络！",
			English:   "(beyond the notes; the series' next part, Docker's network by hand) Publishing a port with -p 8080:80 is a DNAT rule: a connection from another network namespace is DNATed in PREROUTING, one the host makes itself takes another way (OUTPUT's DNAT, or docker-proxy copying it in user space).",
		},
		Commands: commands(containerHostOutside, []string{
			"ip netns exec host sysctl -w net.ipv4.ip_forward=1; ip -n out route add 198.18.13.0/24 via 198.18.14.1",
			"ip netns exec host nft add table ip nat; ip netns exec host nft add chain ip nat prerouting '{ type nat hook prerouting priority -100; }'; ip netns exec host nft add chain ip nat output '{ type nat hook output priority -100; }'",
			"ip netns exec host nft add rule ip nat prerouting ip daddr 198.18.14.1 tcp dport 8080 counter dnat to 198.18.13.2:80",
			"ip netns exec ctr timeout 30 socat TCP-LISTEN:80,fork SYSTEM:'echo served' &",
			"sleep 1; ip netns exec out socat -t 2 - TCP:198.18.14.1:8080,connect-timeout=2 </dev/null   # from outside: DNATed in PREROUTING",
			"ip netns exec host socat -t 2 - TCP:198.18.14.1:8080,connect-timeout=2 </dev/null   # refused or timed out: the host's own connection is not DNATed by PREROUTING's rule",
			"ip netns exec host nft add rule ip nat output ip daddr 198.18.14.1 tcp dport 8080 counter dnat to 198.18.13.2:80; ip netns exec host socat -t 2 - TCP:198.18.14.1:8080,connect-timeout=2 </dev/null   # now OUTPUT's rule DNATs it",
			"ip netns exec host nft list table ip nat   # each rule's counter: one connection each",
			"for n in ctr host out; do ip netns del $n; done",
			"docker run -d -p 8080:80 --name web IMAGE; iptables-save -c -t nat; ps -C docker-proxy -o pid,args   # docker's own: its DOCKER chain and docker-proxy",
			"podman run -d -p 8080:80 --name web IMAGE; iptables-save -c -t nat   # podman's (netavark)",
		}),
	},
	{
		ID: "R8", Chapter: "routing",
		Claim: "(beyond the notes) Docker's network built by hand (namespace, veth, bridge, ip_forward, MASQUERADE, DNAT) behaves like docker's own.",
		Post: Post{
			Section:   "1",
			Heading:   "引言",
			Reference: "手工模拟实现 Docker 容器网络！",
			English:   "(beyond the notes; the series' next part, Docker's network by hand) A network built by hand from a namespace, a veth pair, a bridge, ip_forward, MASQUERADE and DNAT behaves like Docker's own container network.",
		},
		Commands: commands(containerHostOutside, []string{
			"ip netns exec host sysctl -w net.ipv4.ip_forward=1",
			"ip netns exec host nft add table ip nat; ip netns exec host nft add chain ip nat postrouting '{ type nat hook postrouting priority 100; }'; ip netns exec host nft add chain ip nat prerouting '{ type nat hook prerouting priority -100; }'",
			"ip netns exec host nft add rule ip nat postrouting ip saddr 198.18.13.0/24 oifname != br0 counter masquerade",
			"ip netns exec host nft add rule ip nat prerouting ip daddr 198.18.14.1 tcp dport 8080 counter dnat to 198.18.13.2:80",
			"ip netns exec ctr timeout 10 socat TCP-LISTEN:80,fork SYSTEM:'echo served' &",
			"sleep 1; ip netns exec out socat -t 2 - TCP:198.18.14.1:8080 </dev/null   # in: answered through the DNAT",
			"ip netns exec out timeout 5 socat TCP-LISTEN:9000 SYSTEM:'echo peer $SOCAT_PEERADDR' &",
			"sleep 1; ip netns exec ctr socat -t 2 - TCP:198.18.14.2:9000 </dev/null   # out: the outside saw the host's address",
			"for n in ctr host out; do ip -n $n link; ip -n $n addr; ip -n $n route; ip -n $n rule; done; ip netns exec host nft list table ip nat",
			"for n in ctr host out; do ip netns del $n; done",
			"docker run -d -p 8080:80 IMAGE; ip link; ip addr; ip route; ip rule; iptables-save -t nat   # docker's own, to set beside it",
		}),
	},

	{
		ID: "U1", Chapter: "uds",
		Claim: "A UDS is addressed by a filesystem path that bind creates; unix:// endpoints name it.",
		Post: post("2",
			"其中指定了Unix Domain Socket（UDS）的通信地址：unix:///var/run/containerd/containerd.sock，这里就是指定UDS进行bind时需要用到的文件路径。",
			"It names the Unix Domain Socket (UDS) address unix:///var/run/containerd/containerd.sock: the file path the UDS binds to."),
		Commands: []string{
			`python3 -c 'import socket; socket.socket(socket.AF_UNIX).bind("uds_demo.sock")'`,
			"stat -c '%F %i %n' uds_demo.sock",
			"rm uds_demo.sock",
		},
		RefutableOnlyBy: "a kernel whose bind(2) to a path makes no file there (no Linux kernel does; the test binds its own listener, so a reader's server on an abstract name never enters it)",
	},
	{
		ID: "U2", Chapter: "uds",
		Claim: "The notes' demo: the client says hello, the server answers.",
		Post: post("2.2.1",
			"客户端执行 … Received from server: Hello from server! … 服务端执行 … Received from client: Hello from client!",
			"Running the client: Received from server: Hello from server! Running the server: Received from client: Hello from client!"),
		Commands: []string{
			"socat UNIX-LISTEN:uds_demo.sock SYSTEM:'head -c 18 >&2; echo >&2; echo Hello from server!' &",
			"sleep 1; echo 'Hello from client!' | socat - UNIX-CONNECT:uds_demo.sock",
		},
	},
	{
		ID: "U3", Chapter: "uds",
		Claim: "A UDS does not go through the network protocol stack.",
		Post: post("2.2",
			"Unix Domain Socket（UDS）是一种用于同一主机上进程间通信（IPC）的机制，它不依赖网络协议栈，而是直接通过内核实现进程间的数据传递。",
			"A Unix Domain Socket (UDS) is a mechanism for communication between processes (IPC) on one host; it does not depend on the network protocol stack, the kernel passes the data between the processes directly."),
		Commands: []string{
			"ip netns add nn1",
			"ip -n nn1 link set lo up",
			"ip netns exec nn1 sh -c 'socat -u UNIX-LISTEN:big.sock OPEN:/dev/null & sleep 1; head -c 10000000 /dev/zero | socat -u - UNIX-CONNECT:big.sock; wait'",
			"ip -n nn1 -s link show lo",
			"ip netns exec nn1 sh -c 'socat -u TCP-LISTEN:9000,bind=127.0.0.1 OPEN:/dev/null & sleep 1; head -c 10000000 /dev/zero | socat -u - TCP:127.0.0.1:9000; wait'",
			"ip -n nn1 -s link show lo",
			"ip netns del nn1",
		},
	},
	{
		ID: "U4", Chapter: "uds",
		Claim: "No three-way handshake, no half/full connection queues.",
		Post: post("2.2",
			"不需要经过网络协议栈，无需像TCP那样的三次握手、全连接半连接等过程",
			"It does not pass through the network protocol stack: no three-way handshake as in TCP, no full and half connection queues."),
		Commands: []string{
			`python3 -c 'import socket; s = socket.socket(socket.AF_UNIX); s.bind("q.sock"); s.listen(1); cs = [socket.socket(socket.AF_UNIX) for i in range(3)]; [c.setblocking(False) for c in cs]; print("connect:", [c.connect_ex("q.sock") for c in cs], "(0: connected, nobody accepted; 11: EAGAIN, the queue is full)")'`,
			"rm q.sock",
		},
		Measured: true,

		RefutableOnlyBy: "a kernel whose UNIX connect waits for the other side, as TCP's does (no Linux kernel's does; the test connects to its own listener, never a reader's busy server)",
	},
	{
		ID: "U5", Chapter: "uds",
		Claim: "The I-Node that netstat/ss show differs from the socket file's inode (the notes' TODO).",
		Post: post("2.2.1",
			"查看下面的 I-Node，和 uds_demo.sock 文件的inode号(stat或者ls -i查看)并不相同，多次执行用的还是旧文件的引用？但是重启后发现还是不同，代码里尝试用绝对路径也不同（TODO）",
			"The I-Node below is not the inode number of the uds_demo.sock file (as stat or ls -i show it). Do repeated runs keep a reference to an old file? After a reboot they still differ, and with an absolute path in the code too (TODO)."),
		Commands: []string{
			`python3 -c 'import os, socket; s = socket.socket(socket.AF_UNIX); s.bind("uds_demo.sock"); s.listen(5); os.system(f"ss -xlpe | grep uds_demo; stat -c %i uds_demo.sock; ls -l /proc/{os.getpid()}/fd/{s.fileno()}")'`,
			"rm uds_demo.sock",
		},
		RefutableOnlyBy: "a kernel whose sock_diag reports the socket file's inode (no Linux kernel does)",
	},
	{
		ID: "U6", Chapter: "uds",
		Claim: "Servers unlink the path before bind: a leftover socket file makes bind fail.",
		Post: post("2.2.2",
			"上面UDS的示例中，使用unlink进行文件删除，这里对其做下说明。",
			"The UDS example above deletes the file with unlink; here is what that does."),
		Commands: []string{
			`python3 -c 'import socket; socket.socket(socket.AF_UNIX).bind("uds_demo.sock")'`,
			`python3 -c 'import socket; socket.socket(socket.AF_UNIX).bind("uds_demo.sock")'  # refused: Address already in use`,
			"ls -l uds_demo.sock",
			"unlink uds_demo.sock",
			`python3 -c 'import socket; socket.socket(socket.AF_UNIX).bind("uds_demo.sock")'`,
			"rm uds_demo.sock",
		},
	},
	{
		ID: "U7", Chapter: "uds",
		Claim: "The path must fit sun_path.",
		Post: post("2.2.1",
			"2）需要指定一个系统文件路径用于通信 … strcpy(serun.sun_path, socket_path);",
			"2) A file system path must be given for the communication: strcpy(serun.sun_path, socket_path);"),
		Commands: []string{
			`python3 -c 'import socket; socket.socket(socket.AF_UNIX).bind("s" * 107)'`,
			`python3 -c 'import socket; socket.socket(socket.AF_UNIX).bind("s" * 108)'  # refused: AF_UNIX path too long (Python's check; the kernel takes 108 bytes)`,
			`python3 -c 'import os, socket; s = socket.socket(socket.AF_UNIX); s.bind("\0uds_demo"); s.listen(); os.system("ss -xl | grep uds_demo")'`,
			"rm sssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssss",
		},
		RefutableOnlyBy: "a system whose sun_path is not 108 bytes (104 on the BSDs and macOS; every Linux has 108)",
	},
	{
		ID: "U8", Chapter: "uds",
		Claim: "For ~100-byte messages UDS is more than 2x as fast as TCP over lo; the gap shrinks with size.",
		Post: post("2.3",
			"Unix Domain Socket相比lo本地回环少了网络协议栈的交互，小包（e.g. 100字节）传输性能基本是lo的2倍多（参考链接中的实验场景），当包足够大的时候，网络协议栈上的开销就显得没那么明显了。",
			"Unix Domain Socket skips the network protocol stack that lo loopback goes through: for small packets (e.g. 100 bytes) it performs more than twice as well as lo (in the reference's experiment); when the packets are big enough, the protocol stack's overhead matters less."),
		Commands: []string{
			"go test -count=1 -run '^TestU8' -v ./uds",
			"go test -run '^$' -bench . ./uds",
			"make bench",
		},
		Measured: true, MeasuredParts: []string{"2x-at-100b", "gap-shrinks"},
	},
	{
		ID: "U9", Chapter: "uds",
		Claim: "UDS is more efficient and more secure.",
		Post: post("2.2",
			"相比基于 TCP/UDP的网络Socket，UDS更高效、更安全，是本地进程通信的优选方案之一。",
			"Compared with network sockets over TCP/UDP, UDS is more efficient and more secure, one of the preferred ways for local processes to communicate."),
		Commands: []string{
			"socat UNIX-LISTEN:/tmp/uds_demo.sock,mode=600 - &",
			"sleep 1; setpriv --reuid 65534 --regid 65534 --clear-groups socat - UNIX-CONNECT:/tmp/uds_demo.sock  # refused: Permission denied",
			"go test -tags sudo -count=1 -run '^TestU9' -v ./uds",
		},
		Measured: true, MeasuredParts: []string{"more-efficient"},
	},

	{
		ID: "N1", Chapter: "unlink",
		Claim: "unlink removes a directory entry and decrements the link count; a fresh file has Links: 1.",
		Post: post("2.2.2",
			"它的核心作用是移除文件系统中的目录项（directory entry），并减少文件的链接计数（link count）。 … 刚touch的文件（未创建soft/hard链接）：Links: 1",
			"Its core job is to remove a directory entry from the file system and decrement the file's link count. A file just touched (no soft or hard links made): Links: 1."),
		Commands: []string{
			"touch 111",
			"stat -c 'Links: %h' 111",
			"ln 111 222",
			"stat -c '%n inode %i Links: %h' 111 222",
			"unlink 111",
			"stat -c '%n inode %i Links: %h' 222",
			"rm 222",
		},
	},
	{
		ID: "N2", Chapter: "unlink",
		Claim: "With link count 0 and no process holding it open, the kernel reclaims the space.",
		Post: post("2.2.2",
			"当文件的链接计数变为 0 且没有进程打开该文件时，文件所占用的磁盘空间会被内核回收。",
			"When the file's link count drops to 0 and no process has the file open, the kernel reclaims the disk space it took."),
		Commands: []string{
			"sh -c 'dd if=/dev/zero of=big bs=1M count=100 status=none; exec 3<big; rm big; df -k .; ls -l /proc/self/fd/3; exec 3<&-; df -k .'",
		},
		RefutableOnlyBy: "a kernel whose tmpfs frees an unlinked file's space while a descriptor holds it, or keeps it after the last close (no Linux kernel's does; the test measures on a private tmpfs, never a reader's btrfs or ZFS with snapshots)",
	},
	{
		ID: "N3", Chapter: "unlink",
		Claim: "The unlink command calls unlink(2); rm calls unlinkat(AT_FDCWD, path, 0).",
		Post: post("2.2.2",
			"1）unlink命令，调用到unlink接口（int unlink(const char *pathname);）： … 2）rm命令，调用到unlinkat接口（int unlinkat(int dirfd, const char *pathname, int flags);）：",
			"1) The unlink command calls the unlink interface (int unlink(const char *pathname);). 2) The rm command calls the unlinkat interface (int unlinkat(int dirfd, const char *pathname, int flags);)."),
		Commands: []string{
			"touch 111",
			"strace -e trace=unlink,unlinkat unlink 111",
			"touch 111",
			"strace -e trace=unlink,unlinkat rm -f 111",
		},
	},
	{
		ID: "N4", Chapter: "unlink",
		Claim: "unlinkat acts like unlink, or rmdir with AT_REMOVEDIR, relative to a directory fd.",
		Post: post("2.2.2",
			"调用unlinkat接口的操作表现，和unlink或rmdir接口是一样的，但功能更强。 … 是unlink的扩展，支持通过相对路径+目录描述符处理路径，更适合在多线程环境或需要动态切换目录的场景中使用。",
			"unlinkat behaves like the unlink or rmdir interface, but does more: an extension of unlink that resolves a relative path against a directory descriptor, better suited to multithreaded programs or to those that change directories as they go."),
		Commands: []string{
			"mkdir -p dir/sub; touch dir/f1",
			`strace -e trace=unlinkat -e signal=none python3 -c 'import os; fd = os.open("dir", os.O_RDONLY); os.rename("dir", "moved"); os.unlink("f1", dir_fd=fd); os.rmdir("sub", dir_fd=fd)'`,
			"ls -A moved",
			"rmdir moved",
		},
		RefutableOnlyBy: "a kernel without unlinkat(2) (Linux has had it since 2.6.16)",
	},
	{
		ID: "N5", Chapter: "unlink",
		Claim: "unlink takes one file and no directories; rm does more.",
		Post: post("2.2.2",
			"unlink一次只能删除一个文件，且不能删除目录；rm可批量删除文件或目录。",
			"unlink deletes one file at a time and cannot delete directories; rm can delete files or directories in bulk."),
		Commands: []string{
			"mkdir dir; touch dir/f a b",
			"unlink dir  # refused: Is a directory",
			"unlink a b  # refused: extra operand",
			"rm -r a b dir",
		},
		RefutableOnlyBy: "a system whose unlink(2) removes directories and whose unlink command takes two operands (neither Linux nor GNU coreutils nor busybox)",
	},

	{
		ID: "V1", Chapter: "veth",
		Claim: "veth devices come in pairs.",
		Post: post("3.2",
			"创建veth：ip link add veth4 type veth peer name veth5，ip a可看到veth是成对出现的：",
			"Create a veth: ip link add veth4 type veth peer name veth5; ip a shows that veth devices come in pairs."),
		Commands: []string{
			"ip netns add nn1",
			"ip -n nn1 link add veth4 type veth peer name veth5",
			"ip -n nn1 link show",
			"ip -n nn1 link del veth5",
			"ip -n nn1 link show",
			"ip netns del nn1",
		},
		RefutableOnlyBy: "a kernel whose veth add makes one device (no Linux kernel does)",
	},
	{
		ID: "V2", Chapter: "veth",
		Claim: "A new pair is DOWN; addresses can be added before up; both up gives UP,LOWER_UP.",
		Post: post("3.2",
			"为设备添加ip并启动： … 3、启动设备 … 4、2个网口设备已启动",
			"Give the devices addresses and start them: (3) bring the devices up; (4) both ports are up: <BROADCAST,MULTICAST,UP,LOWER_UP> ... state UP."),
		Commands: []string{
			"ip netns add nn1",
			"ip -n nn1 link add veth4 type veth peer name veth5",
			"ip -n nn1 addr add 198.18.5.1/24 dev veth4",
			"ip -n nn1 addr add 198.18.5.2/24 dev veth5",
			"ip -n nn1 addr show",
			"ip -n nn1 link set veth4 up",
			"ip -n nn1 link show veth4",
			"ip -n nn1 link set veth5 up",
			"ip -n nn1 link show",
			"ip netns del nn1",
		},
		RefutableOnlyBy: "a kernel whose new veth is born up and refuses addresses while down (no Linux kernel does; the V2 drill refutes one part)",
	},
	{
		ID: "V3", Chapter: "veth",
		Claim: "After up each end has an fe80:: address derived from its MAC.",
		Post: post("3.2",
			"link/ether 9a:2e:ed:06:0c:56 brd ff:ff:ff:ff:ff:ff … inet6 fe80::982e:edff:fe06:c56/64 scope link",
			"(veth5 once up) link/ether 9a:2e:ed:06:0c:56 ... inet6 fe80::982e:edff:fe06:c56/64 scope link"),
		Commands: []string{
			"ip netns add nn1",
			"ip -n nn1 link add veth4 type veth peer name veth5",
			"ip -n nn1 link set veth5 address 9a:2e:ed:06:0c:56",
			"ip -n nn1 link set veth4 up",
			"ip -n nn1 link set veth5 up",
			"ip -n nn1 -6 addr show dev veth5",
			"ip netns del nn1",
		},
	},
	{
		ID: "V4", Chapter: "veth",
		Claim: "A veth pair carries packets between two network namespaces.",
		Post: post("3",
			"网络虚拟化：用软件来模拟真实网线的连接，实现数据交互。",
			"Network virtualisation: software simulates the connection of a real network cable, so that data is exchanged."),
		Commands: commands(vethBetweenNamespaces, []string{
			"ip netns exec nn1 ping -c 3 198.18.0.2",
			"ip -n nn2 -s link show veth5",
		}, deleteBothNamespaces),
	},
	{
		ID: "V5", Chapter: "veth",
		Claim: "The notes ping 192.168.5.1 with both ends in one namespace.",
		Post: post("3.2",
			"ping 192.168.5.1 … 64 bytes from 192.168.5.1: icmp_seq=1 ttl=64 time=0.115 ms",
			"(with veth4 192.168.5.1/24 and veth5 192.168.5.2/24, both on the host) ping 192.168.5.1: 64 bytes from 192.168.5.1: icmp_seq=1 ttl=64"),
		Commands: []string{
			"ip netns add nn1",
			"ip -n nn1 link set lo up",
			"ip -n nn1 link add veth4 type veth peer name veth5",
			"ip -n nn1 addr add 198.18.5.1/24 dev veth4",
			"ip -n nn1 addr add 198.18.5.2/24 dev veth5",
			"ip -n nn1 link set veth4 up",
			"ip -n nn1 link set veth5 up",
			"ip -n nn1 route get 198.18.5.1",
			"ip netns exec nn1 ping -c 3 198.18.5.1",
			"ip -n nn1 -s link show lo",
			"ip -n nn1 -s link show veth4",
			"ip netns exec nn1 ping -c 3 -W 1 -I veth4 198.18.5.2  # no reply: veth5 drops a packet from an address of its own host",
			"ip netns exec nn1 sysctl -w net.ipv4.conf.veth5.accept_local=1 net.ipv4.conf.veth5.rp_filter=2",
			"ip netns exec nn1 ping -c 3 -I veth4 198.18.5.2",
			"ip netns del nn1",
		},
	},
	{
		ID: "V6", Chapter: "veth",
		Claim: "The first ping reaches veth_xmit through ARP: arp_solicit <- neigh_probe <- ip_finish_output2.",
		Post: post("3.3",
			"如下跟踪kprobe，通过ping 192.168.5.2 -I veth4来用veth4向veth5进行发包，可追踪到调用栈： … 调用veth_xmit之前的调用栈（谁调用到veth_xmit）：",
			"Tracing the kprobe as below while ping 192.168.5.2 -I veth4 sends from veth4 to veth5 gives the call stack before veth_xmit (who calls veth_xmit): veth_xmit <- dev_hard_start_xmit <- __dev_queue_xmit <- arp_solicit <- neigh_probe <- __neigh_event_send <- neigh_resolve_output <- ip_finish_output2"),
		Commands: commands(vethBetweenNamespaces, []string{
			`bpftrace -e 'tracepoint:net:net_dev_xmit /str(args->name) == "veth4" && comm == "ping"/ { printf("%s\n", kstack); }' -c '/sbin/ip netns exec nn1 ping -c 2 198.18.0.2'`,
			"bpftrace -l 'kprobe:veth_xmit'",
		}, deleteBothNamespaces),
	},
	{
		ID: "V7", Chapter: "veth",
		Claim: "veth_xmit forwards the skb to the peer through __netif_rx and the per-CPU backlog.",
		Post: post("3.3",
			"调用veth_xmit之后的调用栈，即veth_xmit中的实现流程：",
			"The calls after veth_xmit, i.e. what veth_xmit does: __dev_forward_skb, then __netif_rx -> netif_rx_internal -> enqueue_to_backlog"),
		Commands: commands(vethBetweenNamespaces, []string{
			`bpftrace -e 'tracepoint:net:netif_rx /str(args->name) == "veth5"/ { printf("%s\n", kstack); }' -c '/sbin/ip netns exec nn1 ping -c 2 198.18.0.2'`,
		}, deleteBothNamespaces),
	},
	{
		ID: "V8", Chapter: "veth",
		Claim: "A container's veth: one end in its netns, the other enslaved to a bridge.",
		Post: post("3.1",
			"自己环境里目前安装了K8s和podman，之前的容器都停掉了，启动一下之前的MySQL容器，而后可看到多出来了4和5对应的虚拟接口。",
			"K8s and podman are installed here, every container stopped; start the old MySQL container and two more interfaces appear, 4 and 5: podman0, and veth0@if2 ... master podman0 ... link-netns netns-1836f023-..."),
		Commands: []string{
			"ip netns add host1",
			"ip netns add ctr1",
			"ip -n host1 link add br0 type bridge",
			"ip -n host1 link add veth0 type veth peer name eth0 netns ctr1",
			"ip -n host1 link set veth0 master br0",
			"ip -n host1 addr add 198.18.8.1/24 dev br0",
			"ip -n ctr1 addr add 198.18.8.2/24 dev eth0",
			"ip -n host1 link set br0 up",
			"ip -n host1 link set veth0 up",
			"ip -n ctr1 link set eth0 up",
			"ip -n host1 link show master br0",
			"ip netns exec ctr1 ping -c 2 198.18.8.1",
			"ip netns del ctr1",
			"ip netns del host1",
			"podman run -d --name nn1-ctr docker.io/library/alpine sleep 300",
			"ip link show master podman0",
			"podman rm -f nn1-ctr",
		},
	},
	{
		ID: "V9", Chapter: "veth",
		Claim: "lo is itself a purely software device.",
		Post: post("3",
			"本机网络IO里的 lo回环设备 也是一个用软件虚拟出来的设备",
			"The lo loopback device of local network IO is also a device made in software."),
		Commands: []string{
			"ip netns add nn1",
			"ip -n nn1 link set lo up",
			"ip -n nn1 -d link show lo",
			"ip netns exec nn1 readlink /sys/class/net/lo",
			"ip netns exec nn1 tc qdisc show dev lo",
			"ip netns del nn1",
		},
		RefutableOnlyBy: "a kernel whose lo is a driver's device on a bus (no Linux kernel has one)",
	},
	{
		ID: "V10", Chapter: "veth",
		Claim: "(beyond the notes) A new network namespace holds only lo, down, with no routes, no rules beyond the defaults and no firewall rules.",
		Post: Post{
			Section: "1", Heading: "引言", Reference: "彻底弄懂 Linux 网络命名空间",
			English: "(beyond the notes; the series' reference) A new network namespace holds only an lo device, and it is DOWN; no routes, no rules beyond the defaults, no firewall rules.",
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
			Section: "1", Heading: "引言", Reference: "彻底弄懂 Linux 网络命名空间",
			English: "(beyond the notes; the series' reference) A device moved into another network namespace has lost its IP addresses and is down: it is configured again in the new namespace.",
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
			Section: "1", Heading: "引言", Reference: "聊聊 Linux 上软件实现的“交换机” - Bridge！",
			English: "(beyond the notes; the series' reference) A bridge works like a switch: a frame for an unknown destination MAC is flooded to every port; once it has learnt the port from the source MAC, frames for that MAC leave by that one port only.",
		},
		Commands: []string{
			"ip netns add c1; ip netns add c2; ip netns add c3; ip netns add h",
			"ip -n h link add br0 type bridge; ip -n h link set br0 up",
			"for c in c1 c2 c3; do ip -n h link add $c-p type veth peer name eth0 netns $c; ip -n h link set $c-p master br0 up; ip -n $c link set eth0 up; ip -n $c addr add 198.18.12.1${c#c}/24 dev eth0; done",
			"ip netns exec c3 tcpdump -leni eth0 &",
			"ip -n c1 neigh add 198.18.12.99 lladdr 02:00:00:00:00:99 dev eth0; ip netns exec c1 ping -c1 -W1 198.18.12.99  # no reply (a MAC nobody has): c3 sees the frame, flooded",
			"ip netns exec c1 ping -c 3 198.18.12.12  # the bridge knows c2's MAC (from its ARP reply, or its IPv6 chatter when eth0 came up): c3 sees the ARP broadcast, not the echoes",
			"bridge -n h fdb show br br0 dynamic",
			"for n in c1 c2 c3 h; do ip netns del $n; done",
		},
	},
	{
		ID: "V13", Chapter: "veth",
		Claim: "(beyond the notes) Bridged IPv4 traffic passes the iptables FORWARD chain only with br_netfilter loaded and net.bridge.bridge-nf-call-iptables=1.",
		Post: Post{
			Section:   "1",
			Heading:   "引言",
			Reference: "聊聊 Linux 上软件实现的“交换机” - Bridge！",
			English:   "(beyond the notes; the series' next part, the bridge) IPv4 traffic forwarded by a bridge passes iptables' FORWARD chain only when br_netfilter is loaded and net.bridge.bridge-nf-call-iptables=1.",
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
