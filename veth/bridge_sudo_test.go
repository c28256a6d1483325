//go:build linux && sudo

package veth

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"netnotes/internal/claims"
	"netnotes/internal/sandbox"
	"netnotes/internal/topo"
)

// (beyond the notes) The series' 聊聊 Linux 上软件实现的"交换机" - Bridge:
// "a frame whose destination MAC the bridge does not know is flooded to
// every port; once it has learnt which port a MAC is behind, frames for it
// leave by that port only."
// equiv: ip -n c1 neigh add 198.18.12.99 lladdr 02:00:00:00:00:99 dev eth0; ip netns exec c1 ping -c1 198.18.12.99
// equiv: ip netns exec c3 tcpdump -eni eth0; bridge -n h fdb show br br0 dynamic
func TestV12BridgeFloodsThenForwardsByLearntMAC(t *testing.T) {
	v := claims.Check(t, "V12")
	br, ctrs := threePortBridge(t)
	claims.Judge(v, observeFlood(t, br, ctrs), judgeFlood)
}

// Drill: the same frames on a bridge whose ports learn nothing (learning
// off): a hub. The answer and the second frame still reach the third
// port, and the judge must refute. (ageing_time 0 does the same for the
// whole bridge, "some users want to always flood" in br_fdb_update: a row
// of the judge's table.)
// equiv: for p in c1-p c2-p c3-p; do bridge -n h link set dev $p learning off; done
func TestDrillV12LearningOff(t *testing.T) {
	br, ctrs := threePortBridge(t)
	for _, c := range ctrs {
		require.NoError(t, br.Host.Netlink().LinkSetLearning(c.HostEnd, false), "bridge link set dev %s learning off", c.HostEnd.Attrs().Name)
	}
	claims.Drill(t, "V12", observeFlood(t, br, ctrs), judgeFlood, claims.Refuted)
}

// threePortBridge is V8's network with three containers, c1, c2 and c3.
func threePortBridge(t *testing.T) (*topo.Bridge, []*topo.Container) {
	t.Helper()
	br := topo.NewBridge(t, netip.MustParsePrefix("198.18.12.1/24"))
	var ctrs []*topo.Container
	for _, a := range []string{"198.18.12.11/24", "198.18.12.12/24", "198.18.12.13/24"} {
		ctrs = append(ctrs, br.Plug(t, netip.MustParsePrefix(a)))
	}
	return br, ctrs
}

// frameType is the EtherType of the test's frames: IEEE 802's local
// experimental type, which no protocol of the kernel answers.
const frameType = 0x88b5

// frameWait bounds each step: a frame crosses the bridge in microseconds.
const frameWait = 5 * time.Second

// observeFlood sends three frames into the bridge, each from a container's
// end through a packet socket, and reads which containers' ends received
// them (a packet socket on each) and what each port transmitted: c1 to
// c2's MAC before the bridge has seen c2 send anything, c2's answer to c1,
// and c1 to c2 again. Between the steps it reads the fdb.
func observeFlood(t *testing.T, br *topo.Bridge, ctrs []*topo.Container) FloodFacts {
	t.Helper()
	host := br.Host
	f := FloodFacts{Bridge: br.Link.Attrs().Name}
	if b, ok := host.Link(t, f.Bridge).(*netlink.Bridge); ok && b.AgeingTime != nil {
		f.AgeingTime = *b.AgeingTime
	}
	names := map[string]string{} // MAC -> container
	socks := make([]*frameSocket, len(ctrs))
	for i, c := range ctrs {
		f.Ports = append(f.Ports, c.HostEnd.Attrs().Name)
		pi, err := host.Netlink().LinkGetProtinfo(c.HostEnd)
		require.NoError(t, err, "bridge link show dev %s", c.HostEnd.Attrs().Name)
		f.Learning = append(f.Learning, pi.Learning)
		mac := c.Eth.Attrs().HardwareAddr.String()
		f.MACs = append(f.MACs, mac)
		names[mac] = fmt.Sprintf("c%d", i+1)
		socks[i] = openFrameSocket(t, c.NS, c.Eth.Attrs().Index)
	}

	step := func(from, to int, tag string) FrameSeen {
		t.Helper()
		s := FrameSeen{From: names[f.MACs[from]], To: names[f.MACs[to]], DstMAC: f.MACs[to]}
		s.Known = slices.ContainsFunc(learnt(t, br, names), func(e FdbEntry) bool { return e.MAC == s.DstMAC })
		before := portsTx(t, br, ctrs)
		// The frame, then a broadcast that closes the step: both from one
		// thread on one CPU, so both enter that CPU's backlog in order and
		// the bridge hands them on in order. A port that has the broadcast
		// has had the frame, if it was to get it.
		end := "end-" + tag
		require.NoError(t, onOneCPU(func() error {
			if err := socks[from].send(ctrs[to].Eth.Attrs().HardwareAddr, tag); err != nil {
				return err
			}
			return socks[from].send(broadcast, end)
		}), "sending %s from %s", tag, s.From)
		for i, sock := range socks {
			if i == from {
				continue
			}
			got, err := sock.receiveUntil(end, frameWait)
			require.NoError(t, err, "c%d's end waiting for the step's closing broadcast", i+1)
			if slices.Contains(got, tag) {
				s.SeenBy = append(s.SeenBy, names[f.MACs[i]])
			}
		}
		after := portsTx(t, br, ctrs)
		for i := range after {
			d := int64(after[i] - before[i])
			if i != from {
				d-- // the closing broadcast
			}
			s.PortsTx = append(s.PortsTx, d)
		}
		return s
	}
	f.First = step(0, 1, "first")
	f.Answer = step(1, 0, "answer")
	f.Fdb = learnt(t, br, names)
	f.Second = step(0, 1, "second")
	return f
}

var broadcast = net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}

// learnt lists the MACs the bridge learnt (its dynamic fdb entries): not
// the ports' own addresses, which are permanent.
// equiv: bridge fdb show br BR dynamic
func learnt(t *testing.T, br *topo.Bridge, names map[string]string) []FdbEntry {
	t.Helper()
	h := br.Host.Netlink()
	entries, err := h.NeighList(0, unix.AF_BRIDGE)
	require.NoError(t, err, "bridge fdb show")
	var out []FdbEntry
	for _, e := range entries {
		if e.MasterIndex != br.Link.Attrs().Index || e.State&(unix.NUD_PERMANENT|unix.NUD_NOARP) != 0 {
			continue
		}
		port := fmt.Sprintf("if%d", e.LinkIndex)
		if l, err := h.LinkByIndex(e.LinkIndex); err == nil {
			port = l.Attrs().Name
		}
		mac := e.HardwareAddr.String()
		if _, ours := names[mac]; ours {
			out = append(out, FdbEntry{MAC: mac, Port: port})
		}
	}
	return out
}

// portsTx reads what each bridge port has transmitted.
// equiv: ip -n h -s link show PORT
func portsTx(t *testing.T, br *topo.Bridge, ctrs []*topo.Container) []uint64 {
	t.Helper()
	var out []uint64
	for _, c := range ctrs {
		out = append(out, br.Host.Counters(t, c.HostEnd.Attrs().Name).TxPackets)
	}
	return out
}

// frameSocket is a packet socket bound to one device and the test's
// EtherType: it sends whole Ethernet frames and receives those that arrive.
type frameSocket struct {
	fd  int
	dev int
	mac net.HardwareAddr
}

// openFrameSocket opens the socket inside ns (where it stays), bound to
// the device with index dev. Closed at cleanup.
// equiv: tcpdump -i DEV ether proto 0x88b5
func openFrameSocket(t *testing.T, ns *sandbox.NS, dev int) *frameSocket {
	t.Helper()
	s := &frameSocket{dev: dev}
	err := ns.Do(func() error {
		l, err := netlink.LinkByIndex(dev)
		if err != nil {
			return err
		}
		s.mac = l.Attrs().HardwareAddr
		fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, int(htons(frameType)))
		if err != nil {
			return fmt.Errorf("socket(AF_PACKET): %w", err)
		}
		if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(frameType), Ifindex: dev}); err != nil {
			unix.Close(fd)
			return fmt.Errorf("bind to if%d: %w", dev, err)
		}
		s.fd = fd
		return nil
	})
	require.NoError(t, err, "a packet socket on if%d in %v", dev, ns)
	t.Cleanup(func() { unix.Close(s.fd) })
	return s
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// send sends a frame from the socket's device to dst, its payload the tag.
func (s *frameSocket) send(dst net.HardwareAddr, tag string) error {
	frame := make([]byte, 0, 60)
	frame = append(frame, dst...)
	frame = append(frame, s.mac...)
	frame = append(frame, frameType>>8, frameType&0xff)
	frame = append(frame, "netnotes "+tag+"\x00"...)
	for len(frame) < 60 {
		frame = append(frame, 0)
	}
	return unix.Sendto(s.fd, frame, 0, &unix.SockaddrLinklayer{Ifindex: s.dev, Halen: 6, Addr: [8]byte(append(slices.Clone(dst), 0, 0))})
}

// receiveUntil reads the frames that arrive until one tagged end does, and
// returns their tags; an error when end does not come within timeout.
func (s *frameSocket) receiveUntil(end string, timeout time.Duration) ([]string, error) {
	deadline := time.Now().Add(timeout)
	var tags []string
	buf := make([]byte, 2048)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return tags, fmt.Errorf("no %q within %v (had %v)", end, timeout, tags)
		}
		fds := []unix.PollFd{{Fd: int32(s.fd), Events: unix.POLLIN}}
		if _, err := unix.Poll(fds, int(left.Milliseconds())+1); err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			return tags, err
		}
		if fds[0].Revents&unix.POLLIN == 0 {
			continue
		}
		n, from, err := unix.Recvfrom(s.fd, buf, unix.MSG_DONTWAIT)
		if err != nil {
			if errors.Is(err, unix.EAGAIN) {
				continue
			}
			return tags, err
		}
		if ll, ok := from.(*unix.SockaddrLinklayer); ok && ll.Pkttype == unix.PACKET_OUTGOING {
			continue
		}
		payload := buf[14:n]
		tag, _, _ := bytes.Cut(bytes.TrimPrefix(payload, []byte("netnotes ")), []byte{0})
		tags = append(tags, string(tag))
		if string(tag) == end {
			return tags, nil
		}
	}
}

// onOneCPU runs fn on a thread pinned to one CPU (the first this process
// may use), and gives the thread its CPUs back after: a veth queues what
// it sends to the backlog of the CPU that sends it, so frames sent from
// one CPU reach the bridge, and leave it, in the order they were sent.
func onOneCPU(fn func() error) error {
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		var all, one unix.CPUSet
		if err := unix.SchedGetaffinity(0, &all); err != nil {
			runtime.UnlockOSThread()
			done <- fmt.Errorf("sched_getaffinity: %w", err)
			return
		}
		for cpu := 0; cpu < 1024; cpu++ { // a CPUSet holds CPU_SETSIZE, 1024

			if all.IsSet(cpu) {
				one.Set(cpu)
				break
			}
		}
		if err := unix.SchedSetaffinity(0, &one); err != nil {
			runtime.UnlockOSThread()
			done <- fmt.Errorf("sched_setaffinity: %w", err)
			return
		}
		err := fn()
		if err := unix.SchedSetaffinity(0, &all); err != nil {
			// Stay locked: the runtime discards the thread.
			done <- fmt.Errorf("giving the thread its CPUs back: %w", err)
			return
		}
		runtime.UnlockOSThread()
		done <- err
	}()
	return <-done
}
