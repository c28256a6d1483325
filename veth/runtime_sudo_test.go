//go:build linux && sudo

package veth

import (
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"netnotes/internal/claims"
	"netnotes/internal/cni"
	"netnotes/internal/docker"
	"netnotes/internal/gate"
	"netnotes/internal/ping"
	"netnotes/internal/podman"
	"netnotes/internal/runtimens"
	"netnotes/internal/sandbox"
)

// The notes' container is podman's, and the readers' are podman's,
// docker's or Kubernetes'. These tests let a real runtime wire two
// containers and read back what it built; each runtime is a part of V8.

// The CNI bridge plugin, called the way kubelet's runtime (containerd,
// CRI-O) or podman's CNI backend calls it: CNI_COMMAND=ADD with the
// container's network namespace in CNI_NETNS and the network's
// configuration on stdin. The plugin runs in a private namespace standing
// for the host, so cni0 appears there.
//
//	            "host" namespace (the plugin runs here)
//	+------------------------------------------------+
//	|           cni0 198.18.9.1/24 (bridge)          |
//	|          /                         \           |
//	|   vethXXXX (master cni0)    vethYYYY (master)  |
//	+-----[ ]-------------------------[ ]------------+
//	       ||  veth                    ||  veth
//	+-----[eth0]-----+         +-----[eth0]-----+
//	| 198.18.9.x/24  |         | 198.18.9.y/24  |
//	| container c1   |         | container c2   |
//	+----------------+         +----------------+
//
// equiv: echo "$CONF" | CNI_COMMAND=ADD CNI_CONTAINERID=c1 CNI_NETNS=/proc/PID/fd/N CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni ip netns exec HOST /usr/lib/cni/bridge
// equiv: ip -n HOST -d link show; ip -n C1 -d link show eth0; ip netns exec C1 ping 198.18.9.y
func TestV8BCNIBridgePluginGivesEachContainerAVethOnCNI0(t *testing.T) {
	gate.SkipInVM(t, "CNI plugins")
	v := claims.Check(t, "V8")
	p, err := cni.Find("bridge", "host-local")
	if err != nil {
		gate.Skip(t, "the CNI bridge plugin with host-local IPAM: %v: install %s (Debian, Ubuntu) and run again", err, cni.Package)
	}
	// host-local keeps its leases in dataDir: here, not /var/lib/cni.
	conf, err := json.Marshal(map[string]any{
		"cniVersion": "1.0.0", "name": "netnotes", "type": "bridge", "bridge": "cni0",
		"isGateway": true, "ipMasq": false,
		"ipam": map[string]any{
			"type": "host-local", "dataDir": t.TempDir(),
			"ranges": [][]map[string]string{{{"subnet": "198.18.9.0/24"}}},
			"routes": []map[string]string{{"dst": "0.0.0.0/0"}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	host := sandbox.New(t)
	f := RuntimeFacts{Part: PartCNIBridge, Runtime: "the CNI bridge plugin " + p.Path + cniVersion(p)}
	var ctrs []*sandbox.NS
	var took []string
	for _, name := range []string{"c1", "c2"} {
		ctr := sandbox.New(t)
		id := fmt.Sprintf("netnotes-%d-%s", os.Getpid(), name)
		_, d := cni.Add(t, host, p, cni.Call{ContainerID: id, Netns: ctr.Path(), IfName: "eth0", Config: conf})
		took = append(took, d.Round(100_000).String())
		ctrs = append(ctrs, ctr)
		f.Containers = append(f.Containers, observeRuntimeContainer(t, host, ctr, name, "CNI_NETNS="+ctr.Path(), "eth0"))
	}
	f.How = fmt.Sprintf("CNI_COMMAND=ADD CNI_IFNAME=eth0 CNI_PATH=%s, run in a private namespace for the host, network 198.18.9.0/24 with host-local in a temporary dataDir; ADD took %s; DEL at cleanup",
		p.Dir, strings.Join(took, " and "))
	f.Pings = pingAcross(t, ctrs, f.Containers)
	claims.Judge(v, ContainerFacts{Runtime: &f}, judgeContainer)
}

// cniVersion names the plugins' package and version where dpkg knows them,
// and the specification versions the plugin speaks.
func cniVersion(p cni.Plugin) string {
	var s []string
	if out, err := exec.Command("dpkg-query", "-W", "-f", "${Version}", cni.Package).Output(); err == nil && len(out) > 0 {
		s = append(s, cni.Package+" "+string(out))
	}
	if spec, err := p.Version(); err == nil {
		s = append(s, "CNI "+spec)
	}
	if len(s) == 0 {
		return ""
	}
	return " (" + strings.Join(s, "; ") + ")"
}

// observeRuntimeContainer reads a container's device ifname (or, for "",
// its first device other than lo) (kind, index,
// IFLA_LINK, link-netnsid, addresses), its other devices, and the device
// in the runtime's namespace host that it names as its peer, with that
// one's master.
// equiv: ip -n CTR -d -o link show; ip -n CTR -4 addr; ip -n HOST -d link show INDEX; ip -n HOST link show MASTER
func observeRuntimeContainer(t *testing.T, host, ctr *sandbox.NS, name, how, ifname string) RuntimeContainer {
	t.Helper()
	c := RuntimeContainer{Name: name, Netns: how, Iface: ifname, LinkNetnsID: -1, RuntimeNSID: -1}
	links, err := ctr.Netlink().LinkList()
	if err != nil {
		t.Fatalf("ip link show in %s's namespace: %v", name, err)
	}
	var eth netlink.Link
	for _, l := range links {
		a := l.Attrs()
		switch {
		case eth == nil && (a.Name == ifname || ifname == "" && a.Flags&net.FlagLoopback == 0):
			eth = l
		case a.Flags&net.FlagLoopback == 0:
			c.Others = append(c.Others, fmt.Sprintf("%s (%s)", a.Name, l.Type()))
		}
	}
	if eth == nil {
		t.Fatalf("%s's namespace (%s) has no %q: %v", name, how, ifname, c.Others)
	}
	a := eth.Attrs()
	c.Iface = a.Name
	c.Kind, c.Index, c.LinkIndex = eth.Type(), a.Index, a.ParentIndex
	if a.ParentIndex > 0 {
		c.LinkNetnsID = a.NetNsID
	}
	c.Addrs = addrs(t, ctr, eth)
	if id, err := ctr.Netlink().GetNetNsIdByFd(host.FD()); err == nil {
		c.RuntimeNSID = id
	}
	// The peer's index counts in the namespace its link-netnsid names:
	// look for it in the runtime's only when that is the runtime's.
	if c.LinkIndex <= 0 || c.LinkNetnsID < 0 || c.LinkNetnsID != c.RuntimeNSID {
		return c
	}
	peer, err := host.Netlink().LinkByIndex(c.LinkIndex)
	if err != nil {
		return c
	}
	pa := peer.Attrs()
	p := &RuntimePeer{Name: pa.Name, Kind: peer.Type(), Index: pa.Index, LinkIndex: pa.ParentIndex, LinkNetnsID: -1, ContainerNSID: -1}
	if pa.ParentIndex > 0 {
		p.LinkNetnsID = pa.NetNsID
	}
	if id, err := host.Netlink().GetNetNsIdByFd(ctr.FD()); err == nil {
		p.ContainerNSID = id
	}
	line := fmt.Sprintf("%d: %s@if%d: <%s> mtu %d", pa.Index, pa.Name, pa.ParentIndex, ipFlags(pa), pa.MTU)
	if pa.MasterIndex > 0 {
		if m, err := host.Netlink().LinkByIndex(pa.MasterIndex); err == nil {
			p.Master, p.MasterKind, p.MasterAddrs = m.Attrs().Name, m.Type(), addrs(t, host, m)
			line += " master " + p.Master
		}
	}
	p.Line = fmt.Sprintf("%s state %s link-netnsid %d", line, strings.ToUpper(pa.OperState.String()), p.LinkNetnsID)
	c.Peer = p
	return c
}

// addrs lists a device's IPv4 addresses.
func addrs(t *testing.T, ns *sandbox.NS, l netlink.Link) []string {
	t.Helper()
	list, err := ns.Netlink().AddrList(l, unix.AF_INET)
	if err != nil {
		t.Fatalf("ip -4 addr show %s in %v: %v", l.Attrs().Name, ns, err)
	}
	var out []string
	for _, a := range list {
		out = append(out, a.IPNet.String())
	}
	return out
}

// pingAcross sends one echo request from each container to the next one's
// first address.
func pingAcross(t *testing.T, ctrs []*sandbox.NS, seen []RuntimeContainer) []PingSeen {
	t.Helper()
	first := func(c RuntimeContainer) (netip.Addr, bool) {
		if len(c.Addrs) == 0 {
			return netip.Addr{}, false
		}
		p, err := netip.ParsePrefix(c.Addrs[0])
		return p.Addr(), err == nil
	}
	var out []PingSeen
	for i, ns := range ctrs {
		j := (i + 1) % len(ctrs)
		from, ok1 := first(seen[i])
		to, ok2 := first(seen[j])
		if !ok1 || !ok2 {
			out = append(out, PingSeen{From: seen[i].Name, To: seen[j].Name, Reply: "no address to ping from or to"})
			continue
		}
		p := echo(ping.New(t, ns, ping.Options{}), from, to)
		if from == to {
			p.Reply += " (its own address: the other container has the same one, on a network of its own)"
		}
		out = append(out, p)
	}
	return out
}

// Rootful podman, as the notes ran it: `podman run` of two containers on
// podman's default network, whose bridge netavark names podman0. Podman
// runs in private network, mount and PID namespaces (internal/podman), so
// podman0, the veths, the firewall rules, /run/libpod and the containers'
// processes never reach the host; its cgroups go under a parent of the
// test's own and are removed. The containers run one static program from
// a directory the test builds (--rootfs): nothing is pulled.
//
//	         podman's private "host" namespace
//	+------------------------------------------------+
//	|      podman0 198.18.10.1/24 (bridge)           |
//	|        /                      \                |
//	|  veth0@ifN (master podman0)  veth1@ifM (...)   |
//	+-----[ ]-----------------------[ ]--------------+
//	       || veth                   || veth
//	+-----[eth0]-----+       +-----[eth0]-----+
//	| container c1   |       | container c2   |
//	+----------------+       +----------------+
//
// equiv: podman run -d --name c1 --rootfs DIR /sleeper; podman inspect --format '{{.State.Pid}}' c1
// equiv: ip link show; nsenter -t PID -n ip -d link show eth0; nsenter -t PID1 -n ping C2
func TestV8CPodmanGivesEachContainerAVethOnPodman0(t *testing.T) {
	startRuntimePart(t, "podman")
	v := claims.Check(t, "V8")
	podman.SkipUnlessRootful(t)
	t0 := time.Now()
	built := runtimens.Rootfs(t)
	t1 := time.Now()
	h, host, started, info := runPodmanPair(t, nil, built)
	t.Logf("podman: the rootfs built in %v, two containers started in %v",
		t1.Sub(t0).Round(time.Millisecond), time.Since(t1).Round(time.Millisecond))
	f := RuntimeFacts{Part: PartPodman, Seed: SeedPodman,
		Runtime: fmt.Sprintf("podman %s (network backend %s, OCI runtime %s)", info.Version, info.NetworkBackend, info.OCIRuntime)}
	took, _ := observeStarted(t, &f, host, h.NetnsPath, started, "eth0", func(c runtimens.Container) string {
		return fmt.Sprintf("podman inspect: PID %d (in podman's PID namespace), sandbox %s", c.Pid, c.SandboxKey)
	})
	f.How = fmt.Sprintf("podman run -d --rootfs DIR --cgroup-parent %s, %s, cgroup manager cgroupfs, in private network, mount and PID namespaces with a tmpfs on /run; podman run took %s",
		h.Cgroup, h.Why, took)
	claims.Judge(v, ContainerFacts{Runtime: &f}, judgeContainer)
}

// Rootless podman, as an ordinary user runs it (here uid 65534, started by
// real root inside the same private namespaces as the rootful part):
// without root it cannot make a veth into a bridge of the host, so it
// gives each container a tap device fed by a user-mode network stack
// (slirp4netns; pasta from podman 4.4). The part records what it used.
//
// equiv: podman run -d --rootfs DIR /sleeper; nsenter -t PID -U -n ip -d link show
func TestV8DRootlessPodmanWiresItsContainers(t *testing.T) {
	startRuntimePart(t, "podman")
	v := claims.Check(t, "V8")
	gate.Binary(t, "podman", "podman")
	for _, b := range []string{"unshare", "nsenter", "setpriv"} {
		gate.Binary(t, b, "util-linux")
	}
	if ok, why := gate.CanSwitchUser(); !ok {
		gate.Skip(t, "rootless podman runs here as uid 65534, started by real root inside private namespaces%s, and %s; as yourself, try podman run --rootfs DIR CMD and ip -d link show in its namespace", tunForYou(), why)
	}
	built := runtimens.Rootfs(t)
	t1 := time.Now()
	h, host, started, info := runPodmanPair(t, &podman.User{UID: 65534, GID: 65534}, built)
	t.Logf("rootless podman: two containers started in %v", time.Since(t1).Round(time.Millisecond))
	f := RuntimeFacts{Part: PartPodmanRootless, Seed: SeedPodman,
		Runtime: fmt.Sprintf("podman %s as uid 65534 (OCI runtime %s, slirp4netns %s)", info.Version, info.OCIRuntime, info.Slirp4netns)}
	took, modes := observeStarted(t, &f, host, h.NetnsPath, started, "", func(c runtimens.Container) string {
		return fmt.Sprintf("podman inspect: PID %d (in podman's PID namespace)", c.Pid)
	})
	f.How = fmt.Sprintf("podman run -d --rootfs DIR as uid 65534, network mode %s, in private network, mount and PID namespaces with a tmpfs on /run", modes)
	if h.Tun != "" {
		f.How += "; " + h.Tun
	}
	f.How += "; podman run took " + took
	claims.Judge(v, ContainerFacts{Runtime: &f}, judgeContainer)
}

// Docker, as a reader runs it: dockerd with its own containerd, two
// containers on docker's default network, whose bridge is docker0. Both
// daemons run in private network, mount and PID namespaces, with their
// data-root, exec-root, pidfile, sockets and configuration in the private
// /run (internal/docker); the containers' cgroups go under a parent of the
// test's own and are removed. The image is made here from the directory
// the podman parts run (docker import): nothing is pulled.
//
//	         dockerd's private "host" namespace
//	+------------------------------------------------+
//	|      docker0 198.18.11.1/24 (bridge)           |
//	|        /                      \                |
//	|  vethXXXX@ifN (master docker0) vethYYYY (...)  |
//	+-----[ ]-----------------------[ ]--------------+
//	       || veth                   || veth
//	+-----[eth0]-----+       +-----[eth0]-----+
//	| container c1   |       | container c2   |
//	+----------------+       +----------------+
//
// equiv: dockerd --data-root DIR/data --exec-root DIR/exec --pidfile DIR/docker.pid -H unix://DIR/docker.sock --bip 198.18.11.1/24 &
// equiv: tar -C ROOTFS -c . | docker import - netnotes/sleeper; docker run -d --name c1 netnotes/sleeper /sleeper; docker inspect --format '{{.State.Pid}}' c1
// equiv: ip -d link show; nsenter -t PID -n ip -d link show eth0; nsenter -t PID1 -n ping C2
func TestV8EDockerGivesEachContainerAVethOnDocker0(t *testing.T) {
	startRuntimePart(t, "docker")
	v := claims.Check(t, "V8")
	if err := docker.Find(); err != nil {
		gate.Skip(t, "docker's part runs where dockerd is installed: %v (Debian, Ubuntu), and run again", err)
	}
	gate.Binary(t, "unshare", "util-linux")
	gate.Binary(t, "nsenter", "util-linux")
	if !gate.IsRealRoot() {
		gate.Skip(t, "dockerd needs real root (it runs runc as root and makes cgroups in the host's hierarchies; %s): %s", gate.CurrentMode(), gate.RealRootHint())
	}
	t0 := time.Now()
	built := runtimens.Rootfs(t)
	d := docker.Start(t)
	t1 := time.Now()
	const image = "netnotes/sleeper"
	if err := d.Import(built, image); err != nil {
		t.Fatal(err)
	}
	host := sandbox.Open(t, d.HostNetns())
	var started []docker.Container
	for _, name := range []string{"c1", "c2"} {
		c, err := d.Run(name, image, "/sleeper")
		if err != nil {
			t.Fatalf("%v\n%s", err, d.Logs())
		}
		started = append(started, c)
	}
	info, err := d.Info()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("docker: the rootfs built and both daemons up in %v (dockerd answered %v after its holder started), the image imported and two containers started in %v",
		t1.Sub(t0).Round(time.Millisecond), d.Started.Round(time.Millisecond), time.Since(t1).Round(time.Millisecond))
	f := RuntimeFacts{Part: PartDocker, Runtime: info.String()}
	took, modes := observeStarted(t, &f, host, d.NetnsPath, started, "eth0", func(c runtimens.Container) string {
		return fmt.Sprintf("docker inspect: PID %d (in dockerd's PID namespace), sandbox %s", c.Pid, c.SandboxKey)
	})
	f.How = fmt.Sprintf("docker run -d IMAGE (docker import of the test's rootfs), network mode %s, dockerd --bip %s --cgroup-parent %s, cgroup driver cgroupfs, containerd of its own, in private network, mount and PID namespaces with a tmpfs on /run; dockerd answered %v after start; docker run took %s",
		modes, docker.Bridge, d.Cgroup, d.Started.Round(time.Millisecond), took)
	claims.Judge(v, ContainerFacts{Runtime: &f}, judgeContainer)
}

// startRuntimePart begins one of V8's runtime parts: never in the
// matrix's virtual machines, and side by side with the other parts
// (t.Parallel): each runtime has namespaces, storage, cgroups and a
// network of its own, and waiting for them one after the other made half
// of veth's time.
func startRuntimePart(t *testing.T, runtime string) {
	gate.SkipInVM(t, runtime)
	t.Parallel()
}

// observeStarted observes the containers a runtime started, each through
// netnsPath (the runtime's view of its pid's namespace), its device
// ifname ("": its first but lo) beside the runtime's namespace host, how
// says how the runtime named it, and has each ping the next; it fills f's
// containers and pings, and returns how long each run took and each one's
// network mode, for f.How.
func observeStarted(t *testing.T, f *RuntimeFacts, host *sandbox.NS, netnsPath func(pid int) string, started []runtimens.Container, ifname string, how func(runtimens.Container) string) (took, modes string) {
	t.Helper()
	var ctrs []*sandbox.NS
	var tooks, modeList []string
	for _, c := range started {
		tooks = append(tooks, c.Took.Round(time.Millisecond).String())
		modeList = append(modeList, c.Name+" "+c.Network)
		ctr := sandbox.Open(t, netnsPath(c.Pid))
		ctrs = append(ctrs, ctr)
		f.Containers = append(f.Containers, observeRuntimeContainer(t, host, ctr, c.Name, how(c), ifname))
	}
	f.Pings = pingAcross(t, ctrs, f.Containers)
	return strings.Join(tooks, " and "), strings.Join(modeList, ", ")
}

// tunForYou says when this process cannot open /dev/net/tun, which
// rootless podman's slirp4netns and pasta open as the user.
func tunForYou() string {
	err := unix.Access("/dev/net/tun", unix.R_OK|unix.W_OK)
	if err == nil {
		return ""
	}
	mode := "missing"
	if st, serr := os.Stat("/dev/net/tun"); serr == nil {
		mode = st.Mode().Perm().String()
	}
	return fmt.Sprintf(" (/dev/net/tun, %s, refuses you: %v, so podman run as yourself would have no slirp4netns or pasta network either)", mode, err)
}

// runPodmanPair starts podman (as user; nil: root) with the program
// built installed as its rootfs, and the containers c1 and c2 from it,
// one after the other: side by side they only wait on podman's locks. It
// returns podman, its private "host" namespace, the containers and what
// podman says of itself.
func runPodmanPair(t *testing.T, user *podman.User, built string) (*podman.Host, *sandbox.NS, []podman.Container, podman.Info) {
	t.Helper()
	h := podman.Start(t, user)
	rootfs, err := h.Install(built, "sleeper")
	if err != nil {
		t.Fatal(err)
	}
	host := sandbox.Open(t, h.HostNetns())
	var started []podman.Container
	for _, name := range []string{"c1", "c2"} {
		c, err := h.Run(name, rootfs, "/sleeper")
		if err != nil {
			runtimens.SkipIfHelperMissing(t, "podman's part", err.Error())
			t.Fatal(err)
		}
		started = append(started, c)
	}
	info, err := h.Info()
	if err != nil {
		t.Fatal(err)
	}
	return h, host, started, info
}
