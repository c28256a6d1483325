package veth

import (
	"testing"

	"netnotes/internal/claims"
)

// seenV8CNI is what the CNI bridge plugin (containernetworking-plugins
// 1.1.1, Debian 12) did on the project machine, as root (the "facts V8:"
// line of TestV8BCNIBridgePluginGivesEachContainerAVethOnCNI0).
var seenV8CNI = seen[RuntimeFacts](`{"Part":"cni-bridge","Runtime":"the CNI bridge plugin /usr/lib/cni/bridge (containernetworking-plugins 1.1.1+ds1-3+b5; CNI 0.1.0, 0.2.0, 0.3.0, 0.3.1, 0.4.0, 1.0.0)","How":"CNI_COMMAND=ADD CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni, run in a private namespace for the host, network 198.18.9.0/24 with host-local in a temporary dataDir; ADD took 91.7ms and 113.1ms; DEL at cleanup","Containers":[{"Name":"c1","Netns":"CNI_NETNS=/proc/27803/fd/11","Iface":"eth0","Kind":"veth","Index":2,"LinkIndex":3,"LinkNetnsID":0,"RuntimeNSID":0,"Addrs":["198.18.9.2/24"],"Others":null,"Peer":{"Line":"3: veth11c149d8@if2: \u003cBROADCAST,MULTICAST,UP,LOWER_UP\u003e mtu 1500 master cni0 state UP link-netnsid 0","Name":"veth11c149d8","Kind":"veth","Index":3,"LinkIndex":2,"LinkNetnsID":0,"ContainerNSID":0,"Master":"cni0","MasterKind":"bridge","MasterAddrs":["198.18.9.1/24"]}},{"Name":"c2","Netns":"CNI_NETNS=/proc/27803/fd/13","Iface":"eth0","Kind":"veth","Index":2,"LinkIndex":4,"LinkNetnsID":0,"RuntimeNSID":0,"Addrs":["198.18.9.3/24"],"Others":null,"Peer":{"Line":"4: veth9cf0e876@if2: \u003cBROADCAST,MULTICAST,UP,LOWER_UP\u003e mtu 1500 master cni0 state UP link-netnsid 1","Name":"veth9cf0e876","Kind":"veth","Index":4,"LinkIndex":2,"LinkNetnsID":1,"ContainerNSID":1,"Master":"cni0","MasterKind":"bridge","MasterAddrs":["198.18.9.1/24"]}}],"Pings":[{"From":"198.18.9.2","To":"198.18.9.3","Answered":true,"Reply":"reply from 198.18.9.3"},{"From":"198.18.9.3","To":"198.18.9.2","Answered":true,"Reply":"reply from 198.18.9.2"}]}`)

// seenV8Podman is rootful podman 4.3.1 with netavark on the project
// machine (TestV8CPodmanGivesEachContainerAVethOnPodman0): the seed's
// podman0 and veth0@if2, master podman0.
var seenV8Podman = seen[RuntimeFacts](`{"Part":"podman","Runtime":"podman 4.3.1 (network backend netavark, OCI runtime runc (runc version 1.1.5+ds1))","How":"podman run -d --rootfs DIR --cgroup-parent /netnotes-podman-8907-1, runc, since /sys/fs/cgroup is cgroup v1 or hybrid, which crun refuses, cgroup manager cgroupfs, in private network, mount and PID namespaces with a tmpfs on /run; podman run took 3.003s and 3.956s","Seed":"4: podman0: <BROADCAST,MULTICAST,UP,LOWER_UP> ... 5: veth0@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master podman0 state UP ... link-netns netns-1836f023-0e86-8ff4-1416-bfb03e668d95","Containers":[{"Name":"c1","Netns":"podman inspect: PID 61 (in podman's PID namespace), sandbox /run/netns/netns-6c2636c6-8829-b24c-0818-c4b0f5aff258","Iface":"eth0","Kind":"veth","Index":2,"LinkIndex":3,"LinkNetnsID":0,"RuntimeNSID":0,"Addrs":["198.18.10.2/24"],"Others":null,"Peer":{"Line":"3: veth0@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 master podman0 state UP link-netnsid 0","Name":"veth0","Kind":"veth","Index":3,"LinkIndex":2,"LinkNetnsID":0,"ContainerNSID":0,"Master":"podman0","MasterKind":"bridge","MasterAddrs":["198.18.10.1/24"]}},{"Name":"c2","Netns":"podman inspect: PID 127 (in podman's PID namespace), sandbox /run/netns/netns-49d49b87-99ed-13fe-1d11-891de32ac287","Iface":"eth0","Kind":"veth","Index":2,"LinkIndex":4,"LinkNetnsID":0,"RuntimeNSID":0,"Addrs":["198.18.10.3/24"],"Others":null,"Peer":{"Line":"4: veth1@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 master podman0 state UP link-netnsid 1","Name":"veth1","Kind":"veth","Index":4,"LinkIndex":2,"LinkNetnsID":1,"ContainerNSID":1,"Master":"podman0","MasterKind":"bridge","MasterAddrs":["198.18.10.1/24"]}}],"Pings":[{"From":"198.18.10.2","To":"198.18.10.3","Answered":true,"Reply":"reply from 198.18.10.3"},{"From":"198.18.10.3","To":"198.18.10.2","Answered":true,"Reply":"reply from 198.18.10.2"}]}`)

// seenV8Docker is dockerd 20.10 (Debian's docker.io) with its own
// containerd on the project machine (TestV8EDockerGivesEachContainerAVethOnDocker0):
// each container's eth0 is a veth whose peer, vethXXXXXXX, is a port of
// docker0.
var seenV8Docker = seen[RuntimeFacts](`{"Part":"docker","Runtime":"dockerd 20.10.24+dfsg1 (client 28.2.2, containerd 1.6.20~ds1, runc 1.1.5+ds1, storage overlay2, cgroup driver cgroupfs)","How":"docker run -d IMAGE (docker import of the test's rootfs), network mode c1 default, c2 default, dockerd --bip 198.18.11.1/24 --cgroup-parent /netnotes-docker-23204-3, cgroup driver cgroupfs, containerd of its own, in private network, mount and PID namespaces with a tmpfs on /run; dockerd answered 709ms after start; docker run took 562ms and 370ms","Containers":[{"Name":"c1","Netns":"docker inspect: PID 165 (in dockerd's PID namespace), sandbox /run/netnotes/docker/exec/netns/b00d32c3db66","Iface":"eth0","Kind":"veth","Index":3,"LinkIndex":4,"LinkNetnsID":0,"RuntimeNSID":0,"Addrs":["198.18.11.2/24"],"Others":null,"Peer":{"Line":"4: vetha2d5b7e@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 master docker0 state UP link-netnsid 0","Name":"vetha2d5b7e","Kind":"veth","Index":4,"LinkIndex":3,"LinkNetnsID":0,"ContainerNSID":0,"Master":"docker0","MasterKind":"bridge","MasterAddrs":["198.18.11.1/24"]}},{"Name":"c2","Netns":"docker inspect: PID 244 (in dockerd's PID namespace), sandbox /run/netnotes/docker/exec/netns/6d22151053dc","Iface":"eth0","Kind":"veth","Index":5,"LinkIndex":6,"LinkNetnsID":0,"RuntimeNSID":0,"Addrs":["198.18.11.3/24"],"Others":null,"Peer":{"Line":"6: veth7a34442@if5: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 master docker0 state UP link-netnsid 1","Name":"veth7a34442","Kind":"veth","Index":6,"LinkIndex":5,"LinkNetnsID":1,"ContainerNSID":1,"Master":"docker0","MasterKind":"bridge","MasterAddrs":["198.18.11.1/24"]}}],"Pings":[{"From":"198.18.11.2","To":"198.18.11.3","Answered":true,"Reply":"reply from 198.18.11.3"},{"From":"198.18.11.3","To":"198.18.11.2","Answered":true,"Reply":"reply from 198.18.11.2"}]}`)

// rootlessTap is what rootless podman with slirp4netns gave each container
// on the project machine (TestV8DRootlessPodmanWiresItsContainers): a tap
// device (netlink kind tuntap, no peer), 10.0.2.100/24, and no device of
// the runtime's namespace behind it; each container has a network of its
// own, so a ping to the other's address is a ping to its own.
var rootlessTap = seen[RuntimeFacts](`{"Part":"podman-rootless","Runtime":"podman 4.3.1 as uid 65534 (OCI runtime runc (runc version 1.1.5+ds1), slirp4netns /usr/bin/slirp4netns (slirp4netns version 1.2.0))","How":"podman run -d --rootfs DIR as uid 65534, network mode c1 slirp4netns, c2 slirp4netns, in private network, mount and PID namespaces with a tmpfs on /run; the host's /dev/net/tun is -rw-------, so a private one of mode 0666 (as udev makes it) in podman's mount namespace; podman run took 2.113s and 1.233s","Seed":"4: podman0: <BROADCAST,MULTICAST,UP,LOWER_UP> ... 5: veth0@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master podman0 state UP ... link-netns netns-1836f023-0e86-8ff4-1416-bfb03e668d95","Containers":[{"Name":"c1","Netns":"podman inspect: PID 45 (in podman's PID namespace)","Iface":"tap0","Kind":"tuntap","Index":2,"LinkIndex":0,"LinkNetnsID":-1,"RuntimeNSID":-1,"Addrs":["10.0.2.100/24"],"Others":null,"Peer":null},{"Name":"c2","Netns":"podman inspect: PID 111 (in podman's PID namespace)","Iface":"tap0","Kind":"tuntap","Index":2,"LinkIndex":0,"LinkNetnsID":-1,"RuntimeNSID":-1,"Addrs":["10.0.2.100/24"],"Others":null,"Peer":null}],"Pings":[{"From":"10.0.2.100","To":"10.0.2.100","Answered":true,"Reply":"reply from 10.0.2.100 (its own address: the other container has the same one, on a network of its own)"},{"From":"10.0.2.100","To":"10.0.2.100","Answered":true,"Reply":"reply from 10.0.2.100 (its own address: the other container has the same one, on a network of its own)"}]}`)

// onRuntime is with for a runtime's facts, in the ContainerFacts that V8's
// judge takes.
func onRuntime(f RuntimeFacts, edit func(*RuntimeFacts)) ContainerFacts {
	f = claims.With(f, edit)
	return ContainerFacts{Runtime: &f}
}

func TestJudgeV8Runtime(t *testing.T) {
	unplugged := claims.With(seenV8CNI, func(f *RuntimeFacts) {
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
		{Name: "rootful podman seen on 6.18", Facts: ContainerFacts{Runtime: &seenV8Podman}, Want: claims.Confirmed, Parts: map[string]string{PartPodman: claims.Confirmed}},
		{Name: "docker seen on 6.18", Facts: ContainerFacts{Runtime: &seenV8Docker}, Want: claims.Confirmed, Parts: map[string]string{PartDocker: claims.Confirmed}},
		{Name: "rootless podman seen on 6.18: a tap, no veth", Facts: ContainerFacts{Runtime: &rootlessTap}, Want: claims.Refuted, Parts: map[string]string{PartPodmanRootless: claims.Refuted}},
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
