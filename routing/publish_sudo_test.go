//go:build linux && sudo

package routing

import (
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"netnotes/internal/claims"
	"netnotes/internal/docker"
	"netnotes/internal/firewall"
	"netnotes/internal/gate"
	"netnotes/internal/podman"
	"netnotes/internal/role"
	"netnotes/internal/runtimens"
	"netnotes/internal/sandbox"
)

// Beyond the notes (the series' next part, Docker's network by hand):
// "A published port (-p 8080:80) is a DNAT rule; from another namespace
// it is DNATed in PREROUTING, from the host itself another way (OUTPUT's
// DNAT, or docker-proxy's userland copy)." First on the test's own path
// (path_sudo_test.go), with the rules docker and netavark make, written
// as nftables rules; then on docker's and podman's own, in their private
// namespaces, quoting the rules they wrote.

// The published port and the container's.
const (
	hostPort = 8080
	ctrPort  = 80
)

// The kernel's part: a DNAT rule in PREROUTING for the host's address and
// port 8080, to the container's port 80. The outside's connection goes
// through it. The host's own first connection finds nothing there
// (PREROUTING never sees what the host sends); with the same rule in
// OUTPUT, its second one reaches the container.
//
// equiv: nft add rule ip nat prerouting ip daddr 198.18.14.1 tcp dport 8080 counter dnat to 198.18.13.2:80
// equiv: ip netns exec out socat -u - TCP:198.18.14.1:8080 </dev/null; ip netns exec host socat -u - TCP:198.18.14.1:8080 </dev/null
// equiv: nft add rule ip nat output ip daddr 198.18.14.1 tcp dport 8080 counter dnat to 198.18.13.2:80; ip netns exec host socat -u - TCP:198.18.14.1:8080 </dev/null
func TestR7APublishedPortIsDNATedInPreroutingFromOutsideOnly(t *testing.T) {
	v := claims.Check(t, "R7")
	p := newPath(t)
	claims.Judge(v, observeKernelPublish(t, p, false), judgePublish)
}

// Drill: the port published by a userland proxy alone (docker's
// --iptables=false, or rootless podman's rootlessport), with no DNAT
// rule: the outside's connection reaches the container as the proxy's,
// not through PREROUTING.
func TestDrillR7APublishedPortWithoutDNAT(t *testing.T) {
	p := newPath(t)
	f := claims.Drill(t, "R7", observeKernelPublish(t, p, true), judgePublish, claims.Refuted) // in part: the other parts hold
	for _, name := range []string{"kernel-dnat-rule", "kernel-from-outside"} {
		part, _ := f.Part(name)
		assert.Equal(t, claims.Refuted, part.Verdict, "part %s: %s", name, part.Evidence)
	}
}

// observeKernelPublish publishes the host's port 8080 as the container's
// port 80, by DNAT rules (or, for the drill, by a userland proxy), and
// connects from the outside and from the host.
func observeKernelPublish(t *testing.T, p *path, proxyOnly bool) PublishFacts {
	t.Helper()
	host := p.Bridge.Host
	host.SetSysctl(t, "net.ipv4.ip_forward", "1")
	ctr := netip.AddrPortFrom(p.Ctr.Addr.Addr(), ctrPort)
	published := netip.AddrPortFrom(p.HostOut.Addr(), hostPort)
	f := PublishFacts{Part: PublishKernel, Runtime: "the test's own rules (nftables)",
		Published: fmt.Sprintf("host port %d -> %s", hostPort, ctr)}
	landed := listenIn(t, p.Ctr.NS, ctrPort)

	nft := firewall.Open(t, host)
	var pre, out []*firewall.Rule
	counted := func() (uint64, uint64) { return packets(t, pre), packets(t, out) }
	if proxyOnly {
		f.Runtime = "a userland proxy in the host, and no NAT rule"
		proxy(t, host, published, ctr)
	} else {
		// equiv: nft add rule ip nat prerouting ip daddr HOSTOUT tcp dport 8080 counter dnat to CTR:80
		pre = append(pre, nft.Chain(t, "nat", "prerouting", firewall.Prerouting).Add(t,
			firewall.DstNet(netip.PrefixFrom(published.Addr(), 32)), firewall.DstPort("tcp", hostPort), firewall.DNAT(ctr)))
	}
	f.Conns = append(f.Conns, connect(t, "outside", p.Outside, published, landed, counted, true))
	f.Conns = append(f.Conns, connect(t, "host", host, published, landed, counted, proxyOnly))
	if !proxyOnly {
		// equiv: nft add rule ip nat output ip daddr HOSTOUT tcp dport 8080 counter dnat to CTR:80
		out = append(out, nft.Chain(t, "nat", "output", firewall.Output).Add(t,
			firewall.DstNet(netip.PrefixFrom(published.Addr(), 32)), firewall.DstPort("tcp", hostPort), firewall.DNAT(ctr)))
		f.Conns = append(f.Conns, connect(t, "host", host, published, landed, counted, true))
	}
	for _, r := range pre {
		f.Rules = append(f.Rules, "prerouting: "+r.Read(t).Text)
	}
	for _, r := range out {
		f.Rules = append(f.Rules, "output: "+r.Read(t).Text)
	}
	return f
}

// packets sums the counters of rules.
func packets(t *testing.T, rules []*firewall.Rule) uint64 {
	var n uint64
	for _, r := range rules {
		n += r.Read(t).Packets
	}
	return n
}

// listenIn listens on port in ns (the container) and reports the peer of
// each connection it accepts.
func listenIn(t *testing.T, ns *sandbox.NS, port int) <-chan string {
	t.Helper()
	ln := ns.Listen(t, "tcp4", fmt.Sprintf("0.0.0.0:%d", port))
	peers := make(chan string, 16)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			peers <- c.RemoteAddr().String()
			c.Close()
		}
	}()
	return peers
}

// connect makes one connection from ns to dialed and notes where it
// landed (the peer the container's listener saw, if it saw one) and how
// many packets the NAT rules of PREROUTING and OUTPUT counted meanwhile.
func connect(t *testing.T, from string, ns *sandbox.NS, dialed netip.AddrPort, landed <-chan string, counted func() (uint64, uint64), outputRule bool) PortConn {
	t.Helper()
	c := PortConn{From: from, Dialed: dialed.String(), OutputRule: outputRule}
	pre0, out0 := counted()
	var conn net.Conn
	err := ns.Do(func() (err error) {
		conn, err = net.DialTimeout("tcp4", dialed.String(), 3*time.Second)
		return err
	})
	if err != nil {
		c.Err = err.Error()
	} else {
		c.Client = conn.LocalAddr().String()
		select {
		case c.Landed = <-landed:
		case <-time.After(3 * time.Second):
			c.Err = "connected, but nothing reached the container's listener within 3s"
		}
		conn.Close()
	}
	pre1, out1 := counted()
	c.Prerouting, c.Output = pre1-pre0, out1-out0
	return c
}

// proxy copies connections to listen on in ns to target, as a userland
// proxy does (docker-proxy, rootlessport). It stops at cleanup.
func proxy(t *testing.T, ns *sandbox.NS, listen, target netip.AddrPort) {
	t.Helper()
	ln := ns.Listen(t, "tcp4", fmt.Sprintf("0.0.0.0:%d", listen.Port()))
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				var b net.Conn
				if ns.Do(func() (err error) { b, err = net.DialTimeout("tcp4", target.String(), 3*time.Second); return err }) != nil {
					return
				}
				defer b.Close()
				go func() { _, _ = io.Copy(b, c) }()
				_, _ = io.Copy(c, b)
			}()
		}
	}()
}

// The runtimes' parts: the container listens on 80 (the test's socket,
// made in the container's namespace), the runtime publishes it as the
// host's 8080, and connections come from an outside namespace joined to
// the runtime's, and from the runtime's namespace itself (its own
// address, and 127.0.0.1). Counters are the runtime's own rules', read
// with iptables-save.
//
//	   runtime's private "host" namespace                 outside
//	+-----------------------------------------------+  +-----------------+
//	| docker0/podman0 ---- veth ---- [eth0] container |  |                 |
//	| up 198.18.12.1/24 [veth]=========================|==| 198.18.12.2/24  |
//	| iptables: the runtime's nat PREROUTING/OUTPUT   |  +-----------------+
//	+-----------------------------------------------+

var (
	runtimeHostOut = netip.MustParsePrefix("198.18.12.1/24")
	runtimeOutside = netip.MustParsePrefix("198.18.12.2/24")
)

// equiv: docker run -d -p 8080:80 IMAGE; iptables-save -c -t nat; socat -u - TCP:198.18.12.1:8080 </dev/null  # from outside, then the host; and to 127.0.0.1:8080
func TestR7DockerPublishesAPortWithDNATAndDockerProxy(t *testing.T) {
	gate.SkipInVM(t, "docker")
	t.Parallel()
	v := claims.Check(t, "R7")
	if why := whyNoDocker(); why != "" {
		gate.Skip(t, "%s", why)
	}
	d, c, server := publishedDocker(t)
	claims.Judge(v, observeRuntimePublish(t, PublishDocker, "dockerd "+server, d.Holder, c), judgePublish)
}

// whyNoDocker says why docker cannot run here ("" when it can).
func whyNoDocker() string {
	if vm := os.Getenv(role.VMEnv); vm != "" {
		return "inside the matrix's virtual machine (" + vm + "), which holds no docker: docker's side runs on the machine itself"
	}
	if err := docker.Find(); err != nil {
		return fmt.Sprintf("docker's part runs where dockerd is installed: %v (Debian, Ubuntu), and run again", err)
	}
	for _, b := range []string{"unshare", "nsenter"} {
		if _, err := exec.LookPath(b); err != nil {
			return fmt.Sprintf("docker's part needs %s (util-linux): %v", b, err)
		}
	}
	if !gate.IsRealRoot() {
		return fmt.Sprintf("dockerd needs real root (it runs runc as root and makes cgroups in the host's hierarchies; %s): run %s", gate.CurrentMode(), gate.RunAsRoot)
	}
	return ""
}

// publishedDocker starts dockerd in its private namespaces and a
// container from the test's rootfs publishing 8080 as its 80; it returns
// the daemon, the container and dockerd's version.
// equiv: docker run -d -p 8080:80 --name web IMAGE /sleeper
func publishedDocker(t *testing.T) (*docker.Daemon, runtimens.Container, string) {
	t.Helper()
	built := runtimens.Rootfs(t)
	d := docker.Start(t)
	const image = "netnotes/sleeper"
	if err := d.Import(built, image); err != nil {
		t.Fatal(err)
	}
	c, err := d.RunWith([]string{"-p", fmt.Sprintf("%d:%d", hostPort, ctrPort)}, "web", image, "/sleeper")
	if err != nil {
		t.Fatalf("%v\n%s", err, d.Logs())
	}
	info, err := d.Info()
	if err != nil {
		t.Fatal(err)
	}
	return d, c, info.Server
}

// equiv: podman run -d -p 8080:80 --rootfs DIR /sleeper; iptables-save -c -t nat; socat -u - TCP:198.18.12.1:8080 </dev/null  # from outside, then the host; and to 127.0.0.1:8080
func TestR7PodmanPublishesAPortWithDNAT(t *testing.T) {
	gate.SkipInVM(t, "podman")
	t.Parallel()
	v := claims.Check(t, "R7")
	podman.SkipUnlessRootful(t)
	built := runtimens.Rootfs(t)
	h := podman.Start(t, nil)
	rootfs, err := h.Install(built, "sleeper")
	if err != nil {
		t.Fatal(err)
	}
	c, err := h.RunWith([]string{"-p", fmt.Sprintf("%d:%d", hostPort, ctrPort)}, "web", rootfs, "/sleeper")
	if err != nil {
		t.Fatal(err)
	}
	info, err := h.Info()
	if err != nil {
		t.Fatal(err)
	}
	claims.Judge(v, observeRuntimePublish(t, PublishPodman, fmt.Sprintf("podman %s (network backend %s)", info.Version, info.NetworkBackend), h.Holder, c), judgePublish)
}

// observeRuntimePublish joins an outside namespace to the runtime's, and
// connects to the published port from it and from the runtime's
// namespace, reading the runtime's NAT rules' counters around each.
func observeRuntimePublish(t *testing.T, part, who string, h *runtimens.Holder, c runtimens.Container) PublishFacts {
	t.Helper()
	host := sandbox.Open(t, h.HostNetns())
	// The holder's namespace starts with lo down; a host has it up.
	host.SetUp(t, host.Link(t, "lo"))
	out, _, _ := addOutside(t, host, runtimeHostOut, runtimeOutside)
	landed := listenIn(t, sandbox.Open(t, h.NetnsPath(c.Pid)), ctrPort)

	nat := firewall.IPTables(t, host)
	f := PublishFacts{Part: part, Runtime: fmt.Sprintf("%s, iptables (%s)", who, nat.Mode),
		Published: fmt.Sprintf("host port %d -> %s:%d", hostPort, c.IPAddress, ctrPort)}
	counted := func() (uint64, uint64) {
		s := firewall.IPTables(t, host)
		return sum(s.In("nat", "PREROUTING")), sum(s.In("nat", "OUTPUT"))
	}
	published := netip.AddrPortFrom(runtimeHostOut.Addr(), hostPort)
	f.Conns = append(f.Conns,
		connect(t, "outside", out, published, landed, counted, true),
		connect(t, "host", host, published, landed, counted, true),
		connect(t, "host", host, netip.MustParseAddrPort(fmt.Sprintf("127.0.0.1:%d", hostPort)), landed, counted, true))
	for _, r := range firewall.IPTables(t, host).Rules {
		if r.Table == "nat" {
			f.Rules = append(f.Rules, fmt.Sprintf("[%d:%d] %s", r.Packets, r.Bytes, r))
		}
	}
	for _, proc := range h.Processes() {
		if strings.Contains(proc, "proxy") || strings.Contains(proc, "rootlessport") {
			f.Proxies = append(f.Proxies, proc)
		}
	}
	return f
}

// sum adds up the rules' packet counters.
func sum(rules []firewall.IPTRule) uint64 {
	var n uint64
	for _, r := range rules {
		n += r.Packets
	}
	return n
}
