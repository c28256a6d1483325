package veth

import (
	"testing"

	"netnotes/internal/claims"
)

// seenV8CNI is what the CNI bridge plugin (containernetworking-plugins
// 1.1.1, Debian 12) did on the project machine, as root (the "facts V8:"
// line of TestV8BCNIBridgePluginGivesEachContainerAVethOnCNI0).
var seenV8CNI = seen[RuntimeFacts](`{"Part":"cni-bridge","Runtime":"the CNI bridge plugin /usr/lib/cni/bridge (containernetworking-plugins 1.1.1+ds1-3+b5; CNI 0.1.0, 0.2.0, 0.3.0, 0.3.1, 0.4.0, 1.0.0)","How":"CNI_COMMAND=ADD CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni, run in a private namespace for the host, network 198.18.9.0/24 with host-local in a temporary dataDir; ADD took 91.7ms and 113.1ms; DEL at cleanup","Containers":[{"Name":"c1","Netns":"CNI_NETNS=/proc/27803/fd/11","Iface":"eth0","Kind":"veth","Index":2,"LinkIndex":3,"LinkNetnsID":0,"RuntimeNSID":0,"Addrs":["198.18.9.2/24"],"Others":null,"Peer":{"Line":"3: veth11c149d8@if2: \u003cBROADCAST,MULTICAST,UP,LOWER_UP\u003e mtu 1500 master cni0 state UP link-netnsid 0","Name":"veth11c149d8","Kind":"veth","Index":3,"LinkIndex":2,"LinkNetnsID":0,"ContainerNSID":0,"Master":"cni0","MasterKind":"bridge","MasterAddrs":["198.18.9.1/24"]}},{"Name":"c2","Netns":"CNI_NETNS=/proc/27803/fd/13","Iface":"eth0","Kind":"veth","Index":2,"LinkIndex":4,"LinkNetnsID":0,"RuntimeNSID":0,"Addrs":["198.18.9.3/24"],"Others":null,"Peer":{"Line":"4: veth9cf0e876@if2: \u003cBROADCAST,MULTICAST,UP,LOWER_UP\u003e mtu 1500 master cni0 state UP link-netnsid 1","Name":"veth9cf0e876","Kind":"veth","Index":4,"LinkIndex":2,"LinkNetnsID":1,"ContainerNSID":1,"Master":"cni0","MasterKind":"bridge","MasterAddrs":["198.18.9.1/24"]}}],"Pings":[{"From":"198.18.9.2","To":"198.18.9.3","Answered":true,"Reply":"reply from 198.18.9.3"},{"From":"198.18.9.3","To":"198.18.9.2","Answered":true,"Reply":"reply from 198.18.9.2"}]}`)

// rootlessTap is what rootless podman with slirp4netns gives a container:
// a tap device (netlink kind tuntap, no peer), 10.0.2.100/24, and no device of the
// runtime's namespace behind it; each container has a slirp4netns of its
// own, so a ping to the other's address is a ping to its own.
var rootlessTap = RuntimeFacts{
	Part: PartPodmanRootless, Runtime: "podman 4.3.1 as uid 65534, slirp4netns 1.2.0", How: "podman run --network slirp4netns --rootfs DIR",
	Containers: []RuntimeContainer{
		{Name: "c1", Netns: "podman inspect: PID 4711", Iface: "tap0", Kind: "tuntap", Index: 2, LinkNetnsID: -1, RuntimeNSID: -1, Addrs: []string{"10.0.2.100/24"}},
		{Name: "c2", Netns: "podman inspect: PID 4790", Iface: "tap0", Kind: "tuntap", Index: 2, LinkNetnsID: -1, RuntimeNSID: -1, Addrs: []string{"10.0.2.100/24"}},
	},
	Pings: []PingSeen{
		{From: "10.0.2.100", To: "10.0.2.100", Answered: true, Reply: "reply from 10.0.2.100"},
		{From: "10.0.2.100", To: "10.0.2.100", Answered: true, Reply: "reply from 10.0.2.100"},
	},
}

// onRuntime is with for a runtime's facts, in the ContainerFacts that V8's
// judge takes.
func onRuntime(f RuntimeFacts, edit func(*RuntimeFacts)) ContainerFacts {
	f = with(f, edit)
	return ContainerFacts{Runtime: &f}
}

func TestJudgeRuntime(t *testing.T) {
	unplugged := with(seenV8CNI, func(f *RuntimeFacts) {
		f.Containers = append([]RuntimeContainer(nil), f.Containers...)
		for i := range f.Containers {
			p := *f.Containers[i].Peer
			p.Master, p.MasterKind, p.MasterAddrs = "", "", nil
			f.Containers[i].Peer = &p
		}
		f.Pings = []PingSeen{{From: "198.18.9.2", To: "198.18.9.3", Reply: "no echo reply from 198.18.9.3 for icmp_seq=1 within 2s"}}
	})
	claims.TestJudge(t, "V8", judgeContainer, []claims.Case[ContainerFacts]{
		{Name: "CNI bridge plugin seen on 6.18", Facts: ContainerFacts{Runtime: &seenV8CNI}, Want: claims.Confirmed, Parts: map[string]string{PartCNIBridge: claims.Confirmed}},
		{Name: "rootless podman: a tap, no veth", Facts: ContainerFacts{Runtime: &rootlessTap}, Want: claims.Refuted, Parts: map[string]string{PartPodmanRootless: claims.Refuted}},
		{Name: "veths with no bridge behind them (a routed plugin, ptp)", Facts: ContainerFacts{Runtime: &unplugged}, Want: claims.Refined},
		{Name: "on a bridge, but the containers do not reach each other", Facts: onRuntime(seenV8CNI, func(f *RuntimeFacts) {
			f.Pings = []PingSeen{{From: "198.18.9.2", To: "198.18.9.3", Reply: "no echo reply"}, f.Pings[1]}
		}), Want: claims.Refined},
		{Name: "the peers are in a namespace other than the runtime's", Facts: onRuntime(seenV8CNI, func(f *RuntimeFacts) {
			f.Containers = append([]RuntimeContainer(nil), f.Containers...)
			for i := range f.Containers {
				f.Containers[i].RuntimeNSID, f.Containers[i].Peer = 3, nil
			}
		}), Want: claims.Refuted},
		{Name: "no container started", Facts: onRuntime(seenV8CNI, func(f *RuntimeFacts) { f.Containers = nil }), Want: claims.Skipped},
	})
}
