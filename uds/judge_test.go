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
		{Name: "refutable only by a kernel whose bind(2) to a path makes no file there (no Linux kernel does; the test binds its own listener, never a reader's server on an abstract name): a unix:// path dials nothing", Facts: noFile, Want: claims.Refuted,
			Parts: map[string]string{"file": claims.Refuted, "endpoint": claims.Refuted}},
		{Name: "seen on 6.18", Facts: seen, Want: claims.Confirmed},
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
	// A kernel whose UNIX connect waits for the other side, as TCP's waits
	// for the handshake: left in progress, nothing sent before accept.
	handshake := seen
	handshake.FirstConnect, handshake.StateBeforeAccept, handshake.SentBeforeAccept, handshake.ReadAfterAccept = "EINPROGRESS", "CONNECTING", 0, 0
	// The first connect refused by a full queue (the test's own listener
	// is empty then): that is the queue's doing, and says nothing of a
	// handshake.
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
		{Name: "refutable only by a kernel whose UNIX connect waits for the other side, as TCP's does (no Linux kernel's does; the test's own listener, never a reader's server, is what it connects to)", Facts: handshake, Want: claims.Refuted,
			Parts: map[string]string{"handshake": claims.Refuted, "queues": claims.Refuted}},
		{Name: "seen on 6.18 with the connection note: UDS connects 2-3x as fast, deciding nothing", Facts: measured, Want: claims.Refined,
			Parts: map[string]string{"handshake": claims.Confirmed, "queues": claims.Refuted}},
		{Name: "a security hook makes UDS connects dearer: the note refutes, the claim stands as measured", Facts: hooked, Want: claims.Refined,
			Parts: map[string]string{"handshake": claims.Confirmed, "queues": claims.Refuted}},
		{Name: "seen on 6.18: no handshake, an accept queue", Facts: seen, Want: claims.Refined,
			Parts: map[string]string{"handshake": claims.Confirmed, "queues": claims.Refuted}},
		{Name: "as the notes say", Facts: unbounded, Want: claims.Confirmed},
		{Name: "constructed: the first connect refused by a full queue (EAGAIN) shows no handshake either way", Facts: full, Want: claims.Refuted,
			Parts: map[string]string{"handshake": claims.Skipped, "queues": claims.Refuted}},
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
		{Name: "constructed: a server whose close removes its file, as Go's net.Listen does (the test's GoCloseLeaves): nothing left, bind just works", Facts: cleans, Want: claims.Refuted,
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
var podmanService = claims.SeenFacts[LifecycleFacts](`{"AfterClose":"socket","Inode":9978823,"ConnectStale":"ECONNREFUSED","BindOver":"EADDRINUSE","BindUnlinked":"ok","CarriedAfterUnlink":"ok","ConnectUnlinked":"ENOENT","GoCloseLeaves":"","GoKeptLeaves":"","GoDialKept":"","Server":"podman system service (podman 4.3.1), killed with SIGKILL (its file's inode was 9978823 while it served)","StopLeaves":"none","StopRequest":"ENOENT","StopBind":"ok"}`)

func TestJudgeU6LifecycleOnPodmanService(t *testing.T) {
	// Constructed: the graceful stop's observed fields (what it left, a
	// request, the next bind) in the place of the kill's, the rest as the
	// killed service's. The file is gone with the service, as with Go's
	// own listener.
	graceful := claims.With(podmanService, func(f *LifecycleFacts) {
		f.AfterClose, f.Inode, f.ConnectStale, f.BindOver = f.StopLeaves, 0, f.StopRequest, f.StopBind
	})
	claims.TestJudge(t, "U6", judgeLifecycle, []claims.Case[LifecycleFacts]{
		{Name: "podman system service seen on 6.18, killed", Facts: podmanService, Want: claims.Confirmed,
			Parts: map[string]string{"outlives": claims.Confirmed, "bind": claims.Confirmed}},
		{Name: "constructed from the podman system service's observed SIGTERM stop: it unlinks its file, and the next bind works", Facts: graceful, Want: claims.Refuted,
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

// seenU8 is what TestU8 measured on the project machine (Linux 6.18, 2
// CPUs, load average 5: eight other jobs running), 8 pairs per cell.
const seenU8 = `{"a":"uds","b":"tcp","path":"raw","peerA":"/tmp/nn1625943206/bench.sock","peerB":"127.0.0.1","cells":[
{"shape":"roundtrip","placement":"onecpu","size":100,"rateA":38544,"rateB":25428,"ratios":[1.0398,1.131,1.7877,1.5585,0.8248,1.4726,1.4954,1.0778]},
{"shape":"roundtrip","placement":"onecpu","size":65536,"rateA":20379,"rateB":17177,"ratios":[1.1288,1.6104,1.1752,1.1157,2.0682,1.0129,1.575,0.7911]},
{"shape":"stream","placement":"onecpu","size":100,"rateA":383161,"rateB":499930,"ratios":[0.3841,0.7789,0.7088,2.7173,0.7713,0.8077,0.7951,0.8518]},
{"shape":"stream","placement":"onecpu","size":65536,"rateA":66034,"rateB":23256,"ratios":[2.8723,3.1866,3.0188,5.9838,2.2371,2.7793,2.6954,2.458]}]}`

// cell is one hand-made cell: UDS/TCP ratios of five pairs around r,
// spread by ±spread.
func cell(shape bench.Shape, placement bench.Placement, size int, r, spread float64) bench.CellFacts {
	return bench.CellFacts{Shape: shape, Placement: placement, Size: size, RateA: r * 1000, RateB: 1000,
		Ratios: []float64{r, r - spread, r + spread, r - spread/2, r + spread/2}}
}

// sameCPU builds U8 facts from the same-CPU ratios at 100 B and 64 KiB,
// round trip then stream, each with a 5% spread.
func sameCPUFacts(rt100, rt64k, st100, st64k float64) U8Facts {
	return U8Facts{A: bench.UDS, B: bench.TCP, Path: bench.Raw, Cells: []bench.CellFacts{
		cell(bench.RoundTrip, bench.OneCPU, 100, rt100, 0.05*rt100),
		cell(bench.RoundTrip, bench.OneCPU, 65536, rt64k, 0.05*rt64k),
		cell(bench.Stream, bench.OneCPU, 100, st100, 0.05*st100),
		cell(bench.Stream, bench.OneCPU, 65536, st64k, 0.05*st64k),
	}}
}

// seenU8CPU is what TestU8 measured as root on the project machine with
// CPU time per message (Linux 6.18, 2 CPUs, load average 8: other
// sessions compiling and testing), bbr the namespace's default, and the
// 100 B stream again with cubic set on the connections.
const seenU8CPU = `{"a":"uds","b":"tcp","path":"raw","peerA":"/tmp/nn2253411779/bench.sock","peerB":"127.0.0.1","congestion":"bbr","cells":[
{"shape":"roundtrip","placement":"onecpu","size":100,"rateA":67693,"rateB":41798,"ratios":[1.6132,1.5887,1.7081,1.4923,0.5674,1.637,1.4529,1.2784],"cpuRatios":[1.6379,1.6117,1.73,1.5092,1.2185,1.7506,1.4704,1.2816],"cpuA":14606,"cpuB":23099,"segsB":1000},
{"shape":"roundtrip","placement":"onecpu","size":65536,"rateA":27327,"rateB":21105,"ratios":[1.4915,1.3093,0.9178,1.1254,1.1612,1.6624,1.4046,1.4451],"cpuRatios":[1.3821,1.3236,1.0692,1.1354,1.1734,1.6849,1.402,1.4625],"cpuA":36984,"cpuB":48021,"segsB":2000},
{"shape":"stream","placement":"onecpu","size":100,"rateA":346880,"rateB":404211,"ratios":[0.9816,0.8449,0.8663,0.8666,0.8404,1.0226,1.8317,0.5916],"cpuRatios":[0.9939,0.8538,0.8972,0.8721,0.8434,1.0665,0.8327,0.5974],"cpuA":2859,"cpuB":2425,"segsB":38},
{"shape":"stream","placement":"onecpu","size":65536,"rateA":55150,"rateB":40213,"ratios":[1.3426,1.5002,1.4322,1.5039,1.317,41.4115,1.4,1.45],"cpuRatios":[1.373,1.5374,1.4353,1.2672,1.3264,3.7006,1.39,1.41],"cpuA":18280,"cpuB":25254,"segsB":1202},
{"shape":"stream","placement":"onecpu","size":100,"rateA":318708,"rateB":94100,"ratios":[3.9796,3.9616,1.7304,2.7139,3.1873],"cpuRatios":[4.0336,3.962,3.6352,2.7325,3.2156],"cpuA":3164,"cpuB":10718,"segsB":1000,"congestion":"cubic"}]}`

// cpuCell is a cell measured with CPU time: rate ratios (noisy) and CPU
// ratios, TCP's data segments per 1000 messages on B, and the congestion
// control set on the connections ("" for the default).
func cpuCell(shape bench.Shape, size int, rates, cpu []float64, segsB float64, cc string) bench.CellFacts {
	return bench.CellFacts{Shape: shape, Placement: bench.OneCPU, Size: size, RateA: 1000 * rates[0], RateB: 1000,
		Ratios: rates, CPURatios: cpu, CPUA: 1000, CPUB: 1000 * cpu[0], SegsB: segsB, Congestion: cc}
}

// around returns eight pair ratios around r, spread by ±spread.
func around(r, spread float64) []float64 {
	return []float64{r, r - spread, r + spread, r - spread/2, r + spread/2, r - spread/4, r + spread/4, r}
}

// readerFacts are a reader's U8 facts by CPU time, with the namespace's
// congestion control cc: round trips 1.5x at 100 B, 1.2x at 64 KiB;
// streams st100 at 100 B (B sending segs100 data segments per 1000
// messages) and 2.8x at 64 KiB; the rates noisy around the same values.
func readerFacts(cc string, st100, segs100 float64) U8Facts {
	return U8Facts{A: bench.UDS, B: bench.TCP, Path: bench.Raw, Congestion: cc, Cells: []bench.CellFacts{
		cpuCell(bench.RoundTrip, 100, around(1.5, 0.6), around(1.5, 0.1), 1000, ""),
		cpuCell(bench.RoundTrip, 65536, around(1.2, 0.6), around(1.2, 0.05), 2000, ""),
		cpuCell(bench.Stream, 100, around(st100, 0.6), around(st100, 0.1), segs100, ""),
		cpuCell(bench.Stream, 65536, around(2.8, 0.6), around(2.8, 0.1), 1200, ""),
	}}
}

func TestJudgeU8(t *testing.T) {
	oneSize := U8Facts{A: bench.UDS, B: bench.TCP, Cells: []bench.CellFacts{
		cell(bench.RoundTrip, bench.OneCPU, 100, 3, 0.1), cell(bench.Stream, bench.OneCPU, 100, 2.5, 0.1)}}
	outlier := sameCPUFacts(1.4, 1.2, 0.8, 0.9)
	outlier.Cells[0].Ratios = []float64{1.4, 1.3, 1.5, 13.3, 1.35, 1.45, 1.42, 1.38} // one pair upset by a neighbour

	claims.TestJudge(t, "U8", judgeU8, []claims.Case[U8Facts]{
		{Name: "seen on 6.18 under load: below 2x in both shapes, the gap grows for streams only", Facts: claims.SeenFacts[U8Facts](seenU8),
			Want: claims.Refined, Parts: map[string]string{"2x-at-100b": claims.Refuted, "gap-shrinks": claims.Undecided}},
		{Name: "as the notes say: 3x at 100 B, 1.2x at 64 KiB", Facts: sameCPUFacts(3, 1.2, 3.5, 1.1),
			Want: claims.Confirmed, Parts: map[string]string{"2x-at-100b": claims.Confirmed, "gap-shrinks": claims.Confirmed}},
		{Name: "a reader's machine where every UDS message pays a heavy LSM hook (an AppArmor profile on the socket): TCP faster at 100 B and further ahead at 64 KiB", Facts: sameCPUFacts(0.8, 0.5, 0.9, 0.6),
			Want: claims.Refuted, Parts: map[string]string{"2x-at-100b": claims.Refuted, "gap-shrinks": claims.Refuted}},
		{Name: "the notes' own C program on a reader's machine: UDS ahead but under 2x, and further ahead at 64 KiB", Facts: sameCPUFacts(1.4, 2.4, 0.87, 2.5),
			Want: claims.Refuted, Parts: map[string]string{"2x-at-100b": claims.Refuted, "gap-shrinks": claims.Refuted}},
		{Name: "an interval straddling 2.0 decides nothing", Facts: sameCPUFacts(2.0, 1.1, 3, 1.1),
			Want: claims.Refined, Parts: map[string]string{"2x-at-100b": claims.Undecided, "gap-shrinks": claims.Confirmed}},
		{Name: "2x for round trips only", Facts: sameCPUFacts(3, 1.2, 0.8, 1.0),
			Want: claims.Refined, Parts: map[string]string{"2x-at-100b": claims.Refined}},
		{Name: "a gap the same at both sizes is undecided", Facts: sameCPUFacts(3, 3, 3, 3),
			Want: claims.Refined, Parts: map[string]string{"2x-at-100b": claims.Confirmed, "gap-shrinks": claims.Undecided}},
		{Name: "one upset pair of eight does not stretch the interval", Facts: outlier,
			Want: claims.Refined, Parts: map[string]string{"2x-at-100b": claims.Refuted, "gap-shrinks": claims.Confirmed}},
		{Name: "free placement is shown, not decisive", Facts: claims.With(sameCPUFacts(3, 1.2, 3.5, 1.1), func(f *U8Facts) {
			f.Cells = append(f.Cells, cell(bench.Stream, bench.Free, 100, 0.5, 0.01), cell(bench.Stream, bench.Free, 65536, 4, 0.01))
		}),
			Want: claims.Confirmed},
		{Name: "one size measured: no trend, the other part decides", Facts: oneSize,
			Want: claims.Confirmed, Parts: map[string]string{"2x-at-100b": claims.Confirmed, "gap-shrinks": claims.Skipped}},
		{Name: "four pairs are too few to decide", Facts: U8Facts{A: bench.UDS, B: bench.TCP, Cells: []bench.CellFacts{
			{Shape: bench.RoundTrip, Placement: bench.OneCPU, Size: 100, RateA: 3000, RateB: 1000, Ratios: []float64{3, 3, 3, 3}},
			{Shape: bench.RoundTrip, Placement: bench.OneCPU, Size: 65536, RateA: 1000, RateB: 1000, Ratios: []float64{1, 1, 1, 1}}}},
			Want: claims.Refined, Parts: map[string]string{"2x-at-100b": claims.Undecided, "gap-shrinks": claims.Undecided}},
		{Name: "nothing measured is a skip, not refined", Facts: U8Facts{A: bench.UDS, B: bench.TCP},
			Want: claims.Skipped},
	})
}

// The judge decides by CPU time per message where the facts have it, and
// the congestion control decides the 100 B stream's mode: a reader with
// bbr and a reader with cubic get different verdicts from the same rule.
func TestJudgeU8ByCPUTimeAndCongestionControl(t *testing.T) {
	bbr := readerFacts("bbr", 0.9, 40)       // bbr: writes merged, TCP cheaper per message than UDS
	cubic := readerFacts("cubic", 3.5, 1000) // cubic: a segment per write
	straddleByRate := U8Facts{A: bench.UDS, B: bench.TCP, Congestion: "bbr", Cells: []bench.CellFacts{
		cpuCell(bench.RoundTrip, 100, around(2.3, 0.6), around(2.5, 0.1), 1000, ""),
		cpuCell(bench.Stream, 100, around(2.2, 0.5), around(2.6, 0.1), 1000, "")}}
	ratesOnly := U8Facts{A: bench.UDS, B: bench.TCP, Congestion: "bbr", Cells: slices.Clone(straddleByRate.Cells)}
	for i := range ratesOnly.Cells {
		ratesOnly.Cells[i].CPURatios = nil
	}

	claims.TestJudge(t, "U8", judgeU8, []claims.Case[U8Facts]{
		{Name: "seen on 6.18 (bbr) under load, by CPU: below 2x in both shapes; cubic beside, deciding nothing", Facts: claims.SeenFacts[U8Facts](seenU8CPU),
			Want: claims.Refined, Parts: map[string]string{"2x-at-100b": claims.Refuted, "gap-shrinks": claims.Undecided}},
		{Name: "a reader with bbr: round trips 1.5x and merged streams 0.9x, below 2x in both", Facts: bbr,
			Want: claims.Refined, Parts: map[string]string{"2x-at-100b": claims.Refuted, "gap-shrinks": claims.Refined}},
		{Name: "a reader with cubic: the stream 3.5x (a segment per write), the round trip 1.5x: 2x for streams only", Facts: cubic,
			Want: claims.Refined, Parts: map[string]string{"2x-at-100b": claims.Refined, "gap-shrinks": claims.Confirmed}},
		{Name: "the rates straddle 2x, the CPU time decides: above", Facts: straddleByRate,
			Want: claims.Confirmed, Parts: map[string]string{"2x-at-100b": claims.Confirmed}},
		{Name: "facts without CPU time decide by msgs/s, whose spread straddles 2x", Facts: ratesOnly,
			Want: claims.Refined, Parts: map[string]string{"2x-at-100b": claims.Undecided}},
	})
	for _, c := range []struct {
		name  string
		facts U8Facts
		want  []string
	}{
		{"bbr", bbr, []string{"by CPU time per message", "TCP bbr, data segments per 1000 messages: tcp 40 (writes merged", "TCP congestion control bbr"}},
		{"cubic", cubic, []string{"TCP cubic, data segments per 1000 messages: tcp 1000 (a segment per write)"}},
		{"seen", claims.SeenFacts[U8Facts](seenU8CPU), []string{"with cubic set on the connections instead (not deciding", "TCP cubic, data segments per 1000 messages: tcp 1000 (a segment per write)"}},
		{"rates only", ratesOnly, []string{"by msgs/s"}},
	} {
		f := judgeU8(c.facts)
		all := f.Evidence
		for _, p := range f.Parts {
			all += " " + p.Evidence
		}
		for _, w := range c.want {
			if !strings.Contains(all, w) {
				t.Errorf("%s: the evidence does not say %q:\n%s", c.name, w, all)
			}
		}
	}
}

// seenSecurity is what TestU9 observed as root on the project machine.
var seenSecurity = SecurityFacts{OtherUID: 65534, Mode0600: "EACCES", OwnerOn0600: Connected, Mode0666: Connected, TCPLoopback: Connected,
	PeerCred: Cred{22298, 65534, 65534}, Client: Cred{22298, 65534, 65534}, TCPPeerCred: Cred{0, 4294967295, 4294967295}}

func TestJudgeU9(t *testing.T) {
	seen := claims.SeenFacts[U8Facts](seenU8)
	faster := sameCPUFacts(3, 1.2, 1.5, 1.1)
	slower := sameCPUFacts(0.8, 0.5, 0.9, 0.6)
	noGate := seenSecurity
	noGate.Mode0600 = Connected
	tcpGated := seenSecurity
	tcpGated.TCPLoopback = "ECONNREFUSED"
	wrongCred := seenSecurity
	wrongCred.PeerCred.UID = 0
	rootless := SecurityFacts{NotObserved: "needs a second uid, and this user namespace maps only \"0 65534 1\""}

	claims.TestJudge(t, "U9", judgeU9, []claims.Case[U9Facts]{
		{Name: "seen on 6.18 as root: secure; faster except for small streams", Facts: U9Facts{Efficiency: seen, Security: seenSecurity},
			Want: claims.Refined, Parts: map[string]string{"more-efficient": claims.Refined, "more-secure": claims.Confirmed}},
		{Name: "faster everywhere and gated by the file mode", Facts: U9Facts{Efficiency: faster, Security: seenSecurity},
			Want: claims.Confirmed},
		{Name: "constructed: slower everywhere, and the 0600 file let uid 65534 in (as it lets a client with CAP_DAC_OVERRIDE: the U9 drill, testdata/drills/U9.json)", Facts: U9Facts{Efficiency: slower, Security: noGate},
			Want: claims.Refuted, Parts: map[string]string{"more-efficient": claims.Refuted, "more-secure": claims.Refuted}},
		{Name: "TCP refused the other uid too: no advantage shown", Facts: U9Facts{Efficiency: faster, Security: tcpGated},
			Want: claims.Refined, Parts: map[string]string{"more-secure": claims.Refined}},
		{Name: "SO_PEERCRED named someone else", Facts: U9Facts{Efficiency: faster, Security: wrongCred},
			Want: claims.Refined, Parts: map[string]string{"more-secure": claims.Refined}},
		{Name: "an interval straddling 1.0 is undecided", Facts: U9Facts{Efficiency: sameCPUFacts(1.0, 1.2, 1.5, 1.1), Security: seenSecurity},
			Want: claims.Refined, Parts: map[string]string{"more-efficient": claims.Undecided}},
		{Name: "rootless: no second uid, efficiency alone decides", Facts: U9Facts{Efficiency: faster, Security: rootless},
			Want: claims.Confirmed, Parts: map[string]string{"more-secure": claims.Skipped}},
		{Name: "rootless and nothing measured", Facts: U9Facts{Efficiency: U8Facts{}, Security: rootless},
			Want: claims.Skipped},
		{Name: "seen on 6.18 by CPU time: UDS cheaper per message but for 100 B streams (TCP merges them under bbr)", Facts: U9Facts{Efficiency: claims.SeenFacts[U8Facts](seenU8CPU), Security: seenSecurity},
			Want: claims.Refined, Parts: map[string]string{"more-efficient": claims.Refined}},
		{Name: "a reader with cubic: UDS cheaper per message in every cell", Facts: U9Facts{Efficiency: readerFacts("cubic", 3.5, 1000), Security: seenSecurity},
			Want: claims.Confirmed, Parts: map[string]string{"more-efficient": claims.Confirmed}},
		{Name: "the rates straddle 1.0 and the CPU time does not decide the other way: cheaper", Facts: U9Facts{Efficiency: U8Facts{A: bench.UDS, B: bench.TCP, Cells: []bench.CellFacts{
			cpuCell(bench.RoundTrip, 100, around(1.0, 0.4), around(1.3, 0.1), 1000, "")}}, Security: seenSecurity},
			Want: claims.Confirmed},
		{Name: "a reader whose UDS pays an LSM hook per message: dearer by CPU time in every cell", Facts: U9Facts{Efficiency: U8Facts{A: bench.UDS, B: bench.TCP, Cells: []bench.CellFacts{
			cpuCell(bench.RoundTrip, 100, around(1.0, 0.4), around(0.7, 0.05), 1000, ""),
			cpuCell(bench.Stream, 100, around(1.0, 0.4), around(0.6, 0.05), 40, "")}}, Security: seenSecurity},
			Want: claims.Refined, Parts: map[string]string{"more-efficient": claims.Refuted}},
		{Name: "in a VM: secure, efficiency not measured", Facts: U9Facts{Security: seenSecurity, EfficiencyNotMeasured: "timing under emulation"},
			Want: claims.Confirmed, Parts: map[string]string{"more-efficient": claims.Skipped, "more-secure": claims.Confirmed}},
	})
}
