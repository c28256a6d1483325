package uds

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"netnotes/internal/bench"
	"netnotes/internal/claims"
)

func TestJudgeU1Bind(t *testing.T) {
	seen := BindFacts{Path: "/tmp/nn17217245/containerd.sock", ExistedBefore: false, FileType: "socket", Inode: 10002920, Dials: []EndpointDial{
		{Endpoint: "unix:///tmp/nn17217245/containerd.sock", Names: "path", Reached: "path"},
		{Endpoint: "unix:/tmp/nn17217245/containerd.sock", Names: "path", Reached: "path"},
		{Endpoint: "unix:containerd.sock", Names: "path", Reached: "path"},
		{Endpoint: "unix:@netnotes-26927-1-u1", Names: "abstract", Reached: "abstract"},
		{Endpoint: "unix-abstract:netnotes-26927-1-u1", Names: "abstract", Reached: "abstract"},
	}}
	// A system where the address lives nowhere in the filesystem (as an
	// abstract name does), so the path names nothing to dial.
	noFile := seen
	noFile.FileType, noFile.Inode = "none", 0
	noFile.Dials = slices.Clone(seen.Dials)
	noFile.Dials[0].Reached, noFile.Dials[0].Err = "", "ENOENT"
	// A regular file where the socket should be: bind wrote something else.
	regular := seen
	regular.FileType = "regular"
	// unix:// works, a relative unix:path does not.
	relative := seen
	relative.Dials = slices.Clone(seen.Dials)
	relative.Dials[2].Reached, relative.Dials[2].Err = "", "ENOENT"

	claims.TestJudge(t, "U1", judgeBind, []claims.Case[BindFacts]{
		{Name: "seen on 6.18", Facts: seen, Want: claims.Confirmed},
		{Name: "a reader's server on an abstract address (@name, as some daemons bind): no file, and a unix:// path dials nothing", Facts: noFile, Want: claims.Refuted,
			Parts: map[string]string{"file": claims.Refuted, "endpoint": claims.Refuted}},
		{Name: "a regular file after bind", Facts: regular, Want: claims.Refined,
			Parts: map[string]string{"file": claims.Refuted, "endpoint": claims.Confirmed}},
		{Name: "only the relative form misses", Facts: relative, Want: claims.Refined,
			Parts: map[string]string{"file": claims.Confirmed, "endpoint": claims.Refined}},
	})
}

func TestJudgeU2Demo(t *testing.T) {
	seen := DemoFacts{ServerReceived: "Hello from client!", ClientLines: []string{"Connected to server.", "Received from server: Hello from server!"},
		ServerPID: 29197, ClientPID: 29203, PeerPID: 29203}
	refused := DemoFacts{ClientLines: []string{"connect: ECONNREFUSED"}, ServerPID: 29197, ClientPID: 29203}
	garbled := seen
	garbled.ClientLines = []string{"Connected to server.", "Received from server: Hello from serv"}
	otherPeer := seen
	otherPeer.PeerPID = 1

	claims.TestJudge(t, "U2", judgeDemo, []claims.Case[DemoFacts]{
		{Name: "seen on 6.18", Facts: seen, Want: claims.Confirmed},
		{Name: "a reader's LSM policy (SELinux, AppArmor) that denies the connect: the client never got through", Facts: refused, Want: claims.Refuted},
		{Name: "a reader's server killed mid-answer: the answer arrived cut short", Facts: garbled, Want: claims.Refuted},
		{Name: "SO_PEERCRED names another process", Facts: otherPeer, Want: claims.Refined},
	})
}

func TestJudgeU3Stack(t *testing.T) {
	seen := StackFacts{Bytes: 1048576, LoUDS: LoCounters{}, LoTCP: LoCounters{RxPackets: 40, TxPackets: 40, RxBytes: 1050656, TxBytes: 1050656},
		Traced: true, NetUDS: map[string]int{}, NetTCP: map[string]int{"net_dev_queue": 38, "net_dev_start_xmit": 38, "net_dev_xmit": 38}, SkbUDS: 32}
	// Where tracefs is refused (a user namespace, say): lo alone decides.
	untraced := seen
	untraced.Traced, untraced.TraceNotObserved, untraced.NetUDS, untraced.NetTCP, untraced.SkbUDS =
		false, "needs tracefs, which is neither mounted nor mountable here", nil, nil, 0
	// The drill (a unix:// endpoint relayed over TCP) is replayed from
	// testdata/drills/U3.json.
	// lo still, but a net:* tracepoint in the UDS transfer.
	oneEvent := seen
	oneEvent.NetUDS = map[string]int{"netif_rx": 1}
	// A control that moves nothing: neither instrument can tell.
	blind := seen
	blind.LoTCP, blind.NetTCP = LoCounters{}, map[string]int{}

	claims.TestJudge(t, "U3", judgeStack, []claims.Case[StackFacts]{
		{Name: "seen on 6.18 as root", Facts: seen, Want: claims.Confirmed},
		{Name: "tracing refused", Facts: untraced, Want: claims.Confirmed,
			Parts: map[string]string{"lo": claims.Confirmed, "tracepoints": claims.Skipped}},
		{Name: "a tracepoint fires", Facts: oneEvent, Want: claims.Refined,
			Parts: map[string]string{"lo": claims.Confirmed, "tracepoints": claims.Refuted}},
		{Name: "the control moves nothing", Facts: blind, Want: claims.Skipped},
	})
}

func TestJudgeU4Backlog(t *testing.T) {
	seen := BacklogFacts{
		Admissions: []Admission{
			{Backlog: 0, Tried: 6, Admitted: 1, Then: "EAGAIN"},
			{Backlog: 1, Tried: 7, Admitted: 2, Then: "EAGAIN"},
			{Backlog: 3, Tried: 9, Admitted: 4, Then: "EAGAIN"},
		},
		FirstConnect: "ok", StateBeforeAccept: "ESTABLISHED", SentBeforeAccept: 18, ReadAfterAccept: 18,
		RecvQ: 2, SendQ: 1, Waiting: 2, BlockingConnect: "EAGAIN", BlockingWaitedMS: 203, SndTimeoMS: 200,
	}
	// As the notes say: connect completes at once, and nothing bounds the
	// connections waiting for accept.
	unbounded := seen
	unbounded.Admissions = []Admission{{Backlog: 0, Tried: 6, Admitted: 6}, {Backlog: 1, Tried: 7, Admitted: 7}}
	unbounded.BlockingConnect = "ok"
	// A reader's server whose listen(0) queue already holds a client nobody
	// accepted: the next non-blocking connect does not complete, it is
	// refused with EAGAIN, so nothing was sent or read.
	full := seen
	full.FirstConnect, full.StateBeforeAccept, full.SentBeforeAccept, full.ReadAfterAccept = "EAGAIN", "", 0, 0
	// Connected at once, but what it sent before accept was lost.
	lost := unbounded
	lost.ReadAfterAccept = 0
	// The connection note, as measured on 6.18 (2 vCPUs, load ~9): UDS
	// connects 2-3x as fast, TCP's connection costs 8 segments in the
	// namespace, UDS's none. It decides nothing of U4's verdict.
	measured := seen
	measured.Connect = &bench.ConnectFacts{Cells: []bench.ConnectCell{
		{Placement: bench.OneCPU, RateUDS: 20602, RateTCP: 8682, CPUUDS: 37519, CPUTCP: 108716, Ratios: []float64{2.373, 3.1183, 2.4423, 1.9817, 2.7998}},
		{Placement: bench.Free, RateUDS: 19276, RateTCP: 8935, CPUUDS: 34373, CPUTCP: 84848, Ratios: []float64{1.2272, 2.9904, 3.768, 2.827, 1.6465}}},
		TCPSample: bench.ConnectSample{SegsOut: 3, SegsIn: 3}, TCPOutSegsPerTCP: 8, TCPOpensPerTCP: 1, PrivateNetns: true}
	// A reader's host whose security module hooks every unix connect (an
	// AppArmor or SELinux policy on the socket) more dearly than the
	// handshake it saves: the note says refuted, the claim is untouched.
	hooked := seen
	hooked.Connect = &bench.ConnectFacts{Cells: []bench.ConnectCell{
		{Placement: bench.OneCPU, RateUDS: 6000, RateTCP: 8682, CPUUDS: 150000, CPUTCP: 108716, Ratios: []float64{0.69, 0.72, 0.66, 0.7, 0.71}}},
		TCPSample: bench.ConnectSample{SegsOut: 3, SegsIn: 3}, TCPOutSegsPerTCP: 8, TCPOpensPerTCP: 1, PrivateNetns: true}
	for _, c := range []struct {
		f    BacklogFacts
		want string
	}{{measured, `"no handshake, so connecting is cheaper" confirmed`}, {hooked, `"no handshake, so connecting is cheaper" refuted`}} {
		if ev := judgeBacklog(c.f).Evidence; !strings.Contains(ev, c.want) {
			t.Errorf("the connection note: want %q in %s", c.want, ev)
		}
	}

	claims.TestJudge(t, "U4", judgeBacklog, []claims.Case[BacklogFacts]{
		{Name: "seen on 6.18 with the connection note: UDS connects 2-3x as fast, deciding nothing", Facts: measured, Want: claims.Refined,
			Parts: map[string]string{"handshake": claims.Confirmed, "queues": claims.Refuted}},
		{Name: "a security hook makes UDS connects dearer: the note refutes, the claim stands as measured", Facts: hooked, Want: claims.Refined,
			Parts: map[string]string{"handshake": claims.Confirmed, "queues": claims.Refuted}},
		{Name: "seen on 6.18: no handshake, an accept queue", Facts: seen, Want: claims.Refined,
			Parts: map[string]string{"handshake": claims.Confirmed, "queues": claims.Refuted}},
		{Name: "as the notes say", Facts: unbounded, Want: claims.Confirmed},
		{Name: "a reader's busy server, its listen(0) queue already full: connect refused with EAGAIN", Facts: full, Want: claims.Refuted,
			Parts: map[string]string{"handshake": claims.Refuted, "queues": claims.Refuted}},
		{Name: "data sent before accept lost", Facts: lost, Want: claims.Refined,
			Parts: map[string]string{"handshake": claims.Refined, "queues": claims.Confirmed}},
	})
}

func TestJudgeU5Inodes(t *testing.T) {
	run := func(socket uint64) InodeRun {
		return InodeRun{SocketInode: socket, SocketDev: "0:9", FdLink: "socket:[" + strconv.FormatUint(socket, 10) + "]", ProcNetUnix: []uint64{socket}, DiagInode: uint32(socket),
			DiagName: "/tmp/nn3264051693/uds_demo.sock", FileInode: 10000874, FileDev: "254:0", DiagVFS: &DiagVFS{Inode: 10000874, Dev: "254:0"}}
	}
	seen := InodeFacts{Runs: []InodeRun{run(110799), run(110806)}}
	// A kernel whose listings printed the file's inode: nothing to explain.
	same := InodeFacts{Runs: []InodeRun{run(110799)}}
	same.Runs[0].ProcNetUnix, same.Runs[0].DiagInode = []uint64{10000874}, 10000874
	// The numbers differ, but sock_diag does not name the file.
	noVFS := InodeFacts{Runs: []InodeRun{run(110799)}}
	noVFS.Runs[0].DiagVFS = nil

	claims.TestJudge(t, "U5", judgeInodes, []claims.Case[InodeFacts]{
		{Name: "seen on 6.18: two inodes", Facts: seen, Want: claims.Refined,
			Parts: map[string]string{"differ": claims.Confirmed, "why": claims.Refined}},
		{Name: "refutable only by a kernel whose sock_diag reports the socket file's inode (no Linux kernel does)", Facts: same, Want: claims.Refuted,
			Parts: map[string]string{"differ": claims.Refuted, "why": claims.Skipped}},
		{Name: "different, the TODO open", Facts: noVFS, Want: claims.Confirmed,
			Parts: map[string]string{"differ": claims.Confirmed, "why": claims.Skipped}},
	})
}

func TestJudgeU6Lifecycle(t *testing.T) {
	seen := LifecycleFacts{AfterClose: "socket", Inode: 10013155, ConnectStale: "ECONNREFUSED", BindOver: "EADDRINUSE", BindUnlinked: "ok",
		CarriedAfterUnlink: "ok", ConnectUnlinked: "ENOENT", GoCloseLeaves: "none", GoKeptLeaves: "socket", GoDialKept: "ECONNREFUSED"}
	// A kernel that removed the file with its socket: no leftover, bind
	// just works and the notes' unlink is needless.
	cleans := seen
	cleans.AfterClose, cleans.Inode, cleans.ConnectStale, cleans.BindOver = "none", 0, "ENOENT", "ok"
	// A leftover that bind replaces, as SO_REUSEADDR does for TCP ports.
	reused := seen
	reused.BindOver = "ok"
	// Unlinking a live listener's file cuts its connections too.
	cut := seen
	cut.CarriedAfterUnlink = "ECONNRESET"

	claims.TestJudge(t, "U6", judgeLifecycle, []claims.Case[LifecycleFacts]{
		{Name: "seen on 6.18", Facts: seen, Want: claims.Confirmed},
		{Name: "a reader's Go server (net.Listen: the listener unlinks its socket file on Close): close removes the file", Facts: cleans, Want: claims.Refuted,
			Parts: map[string]string{"outlives": claims.Refuted, "bind": claims.Refuted}},
		{Name: "bind reuses the leftover", Facts: reused, Want: claims.Refined,
			Parts: map[string]string{"outlives": claims.Confirmed, "bind": claims.Refuted}},
		{Name: "unlink cuts live connections", Facts: cut, Want: claims.Refined,
			Parts: map[string]string{"outlives": claims.Refined, "bind": claims.Confirmed}},
	})
}

// podmanService is what podman system service 4.3.1 left on the project
// machine (TestU6PodmanServiceLeavesItsSocketFileOnlyWhenKilled): killed,
// its socket file stays and a request says ECONNREFUSED; stopped with
// SIGTERM, it unlinks the file itself.
var podmanService = claims.SeenFacts[LifecycleFacts](`{"AfterClose":"socket","Inode":9987112,"ConnectStale":"ECONNREFUSED","BindOver":"EADDRINUSE","BindUnlinked":"ok","CarriedAfterUnlink":"ok","ConnectUnlinked":"ENOENT","GoCloseLeaves":"","GoKeptLeaves":"","GoDialKept":"","Server":"podman system service (podman 4.3.1), killed with SIGKILL (its file's inode was 9987112 while it served)","StopLeaves":"none","StopRequest":"ENOENT"}`)

func TestJudgeU6LifecycleOnPodmanService(t *testing.T) {
	// Judged on the graceful stop instead of the kill: the file is gone
	// with the service, as with Go's own listener.
	graceful := claims.With(podmanService, func(f *LifecycleFacts) {
		f.AfterClose, f.Inode, f.ConnectStale, f.BindOver = f.StopLeaves, 0, f.StopRequest, "ok"
	})
	claims.TestJudge(t, "U6", judgeLifecycle, []claims.Case[LifecycleFacts]{
		{Name: "podman system service seen on 6.18, killed", Facts: podmanService, Want: claims.Confirmed,
			Parts: map[string]string{"outlives": claims.Confirmed, "bind": claims.Confirmed}},
		{Name: "podman system service stopped with SIGTERM: it unlinks its file", Facts: graceful, Want: claims.Refuted,
			Parts: map[string]string{"outlives": claims.Refuted, "bind": claims.Refuted}},
	})
}

func TestJudgeU7SunPath(t *testing.T) {
	seen := SunPathFacts{Listen107: "ok", Dial107: "ok", GoListen108: "listen unix (108-byte path): bind: invalid argument",
		XSys108OnDevNull: "EINVAL", Syscall108OnDevNull: "EINVAL", Kernel107OnDevNull: "ENOTSOCK",
		Kernel108: "ok", Kernel108File: "socket", Kernel108Connect: "ok", Kernel109: "EINVAL",
		Abstract: "@netnotes-14575-1-u7", AbstractListed: []uint64{221366}, AbstractInode: 221366, AbstractHasFile: false, PathHasFile: true, AbstractGone: true,
		Netns: &AbstractNetnsFacts{ListedInA: 1, ListedInB: 0, ListedInHost: 0, DialFromB: "ECONNREFUSED", BindInB: "ok", SecondBindInA: "EADDRINUSE",
			ReachedFromA: "A", ReachedFromB: "B", PathFromB: "A by path"}}
	seenUnprivileged := seen
	seenUnprivileged.Netns, seenUnprivileged.NetnsNotObserved = nil, "needs network namespaces: run go test -tags sudo -exec sudo ./... (or `sudo make notes`)"
	// A kernel that refuses 108 bytes with or without the NUL.
	strict := seen
	strict.Kernel108, strict.Kernel108File, strict.Kernel108Connect = "EINVAL", "", ""
	// Nothing fits where the notes say it does, a longer path binds, and
	// the abstract socket has a file: every part the other way.
	wrong := seen
	wrong.Listen107, wrong.Dial107, wrong.Kernel109, wrong.AbstractHasFile = "EINVAL", "", "ok", true
	// Abstract names shared by every namespace.
	shared := seen
	shared.Netns = &AbstractNetnsFacts{ListedInA: 1, ListedInB: 1, ListedInHost: 1, DialFromB: "ok", BindInB: "EADDRINUSE", SecondBindInA: "EADDRINUSE",
		ReachedFromA: "A", ReachedFromB: "A", PathFromB: "A by path"}

	claims.TestJudge(t, "U7", judgeSunPath, []claims.Case[SunPathFacts]{
		{Name: "seen on 6.18 as root", Facts: seen, Want: claims.Refined,
			Parts: map[string]string{"fit": claims.Confirmed, "limit": claims.Refined, "abstract": claims.Confirmed}},
		{Name: "seen on 6.18 without namespaces", Facts: seenUnprivileged, Want: claims.Refined,
			Parts: map[string]string{"fit": claims.Confirmed, "limit": claims.Refined, "abstract": claims.Confirmed}},
		{Name: "108 bytes refused everywhere", Facts: strict, Want: claims.Confirmed},
		{Name: "refutable only by a system whose sun_path is not 108 bytes (104 on the BSDs and macOS; every Linux has 108)", Facts: wrong, Want: claims.Refuted,
			Parts: map[string]string{"fit": claims.Refuted, "limit": claims.Refuted, "abstract": claims.Refuted}},
		{Name: "abstract names shared across namespaces", Facts: shared, Want: claims.Refined,
			Parts: map[string]string{"abstract": claims.Refined}},
	})
}
