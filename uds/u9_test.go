package uds

import (
	"testing"

	"netnotes/internal/bench"
	"netnotes/internal/claims"
)

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
		{Name: "a reader's client with CAP_DAC_OVERRIDE (a privileged container) on a machine where UDS measured slower: slower everywhere, and the 0600 file let uid 65534 in", Facts: U9Facts{Efficiency: slower, Security: noGate},
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
