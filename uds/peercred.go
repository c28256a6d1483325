package uds

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"netnotes/internal/bench"
	"netnotes/internal/claims"
)

// U9Facts are what claim U9 ("UDS is more efficient and more secure") rests
// on: U8's same-CPU measurement, and who may connect to what.
type U9Facts struct {
	Efficiency U8Facts
	Security   SecurityFacts
	// EfficiencyNotMeasured says why U8's measurement was not taken (under
	// -short, or under emulation, where timing measures the emulator).
	EfficiencyNotMeasured string `json:",omitempty"`
}

// SecurityFacts: a root-owned socket file of mode 0600 and a root-owned
// TCP listener on 127.0.0.1, both in the test's own namespace, tried by a
// client process running as another uid.
type SecurityFacts struct {
	// NotObserved says why the second uid could not be tried (it needs
	// real root); the other fields are then empty.
	NotObserved string `json:",omitempty"`

	OtherUID    int    // the client's uid, as it printed it
	OtherCapEff string `json:",omitempty"` // its effective capabilities, as it printed them (hex, /proc/PID/status)
	Mode0600    string // what that uid got on the 0600 file: "connected" or an errno name
	OwnerOn0600 string // what root, the owner, got on it (control)
	Mode0666    string // what the other uid got once the mode was 0666 (control)
	TCPLoopback string // what the other uid got from root's 127.0.0.1 port
	PeerCred    Cred   // what SO_PEERCRED told the UDS server about the 0666 client
	Client      Cred   // what that client said it was
	TCPPeerCred Cred   // what SO_PEERCRED said on root's accepted TCP connection
}

// Cred is a process's pid, uid and gid.
type Cred struct{ PID, UID, GID int64 }

// Connected is what SecurityFacts records for a connect that worked.
const Connected = "connected"

// judgeU9 is claim U9's rule, two parts:
//
//   - more-secure: the file's mode gates connect where TCP has no gate:
//     the other uid is refused on the 0600 file but let in once it is 0666
//     (so the mode refused it), the owner gets in, and the same uid
//     reaches root's 127.0.0.1 port; SO_PEERCRED names the client. All of
//     that confirms; the other uid getting through the 0600 file refutes;
//     anything else (TCP refused too, a control that did not behave, a
//     wrong SO_PEERCRED) refines. Skipped without a second uid.
//   - more-efficient: U8's same-CPU cells (every shape and size), each
//     interval against 1.0: UDS faster in every cell confirms, slower in
//     every cell refutes, faster in some and slower in others refines, an
//     interval that straddles 1.0 is undecided.
func judgeU9(f U9Facts) claims.Finding {
	return claims.Combine(
		claims.P("more-efficient", moreEfficient(f.Efficiency, f.EfficiencyNotMeasured)),
		claims.P("more-secure", moreSecure(f.Security)),
	)
}

// The rule's own words: the socket file's two modes the test sets, the
// address of the TCP control, the 2% within which an efficiency decision
// is narrow and the 5% of the measured CPU that other work may take
// (bench.MaxOtherCPU).
var _ = claims.Register("U9", judgeU9, "0600", "0666", "127.0.0.1", "2%", fmt.Sprint(bench.MaxOtherCPU)+"%")

func moreSecure(s SecurityFacts) claims.Finding {
	if s.NotObserved != "" {
		return claims.SkipPart("%s", s.NotObserved)
	}
	ev := fmt.Sprintf("uid %d%s on a root 0600 socket file: %s (root: %s; after chmod 0666: %s); on root's 127.0.0.1 port in the same namespace: %s; "+
		"SO_PEERCRED pid=%d uid=%d gid=%d, the client said pid=%d uid=%d gid=%d",
		s.OtherUID, capsWords(s.OtherCapEff), s.Mode0600, s.OwnerOn0600, s.Mode0666, s.TCPLoopback,
		s.PeerCred.PID, s.PeerCred.UID, s.PeerCred.GID, s.Client.PID, s.Client.UID, s.Client.GID)
	if s.TCPLoopback == Connected {
		ev += fmt.Sprintf("; on the TCP connection SO_PEERCRED said pid=%d uid=%d", s.TCPPeerCred.PID, s.TCPPeerCred.UID)
	}
	modeGates := s.Mode0600 != Connected && s.Mode0666 == Connected && s.OwnerOn0600 == Connected
	credOK := s.PeerCred == s.Client && s.Client.UID == int64(s.OtherUID)
	switch {
	case s.Mode0600 == Connected:
		return claims.Refute("the file mode did not gate connect: %s", ev)
	case modeGates && s.TCPLoopback == Connected && credOK:
		return claims.Confirm("%s", ev)
	}
	return claims.Refine("%s", ev)
}

// capsWords names the client's effective capabilities for evidence: ""
// for none (or not recorded), else the set and, of it, the ones that
// pass file permission checks.
func capsWords(capEff string) string {
	mask, err := strconv.ParseUint(capEff, 16, 64)
	if err != nil || mask == 0 {
		return ""
	}
	var names []string
	for bit, name := range map[uint]string{unix.CAP_DAC_OVERRIDE: "CAP_DAC_OVERRIDE", unix.CAP_DAC_READ_SEARCH: "CAP_DAC_READ_SEARCH", unix.CAP_FOWNER: "CAP_FOWNER"} {
		if mask&(1<<bit) != 0 {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return fmt.Sprintf(" (capabilities %s, none that passes a file's mode)", capEff)
	}
	slices.Sort(names)
	return fmt.Sprintf(" (capabilities %s, among them %s)", capEff, strings.Join(names, ", "))
}

func moreEfficient(f U8Facts, notMeasured string) claims.Finding {
	if notMeasured != "" {
		return claims.SkipPart("%s", notMeasured)
	}
	var faster, slower, straddle, spread []string
	for _, c := range f.Cells {
		if c.Placement != bench.OneCPU || len(c.Ratios) == 0 || c.Congestion != "" {
			continue
		}
		iv := c.Decider()
		words := fmt.Sprintf("%s %d B %s %s", c.Shape, c.Size, iv.Near(1), c.Quantity())
		switch {
		case iv.Above(1):
			faster = append(faster, words+bench.Narrowly(1, iv.Lo))
		case iv.Below(1):
			slower = append(slower, words+bench.Narrowly(iv.Hi, 1))
		case iv.Loaded():
			straddle = append(straddle, words+", "+iv.Undecisive())
		default:
			straddle = append(straddle, words)
			spread = append(spread, fmt.Sprintf("%s %d B ranged %s", c.Shape, c.Size, c.Range()))
		}
	}
	n := len(faster) + len(slower) + len(straddle)
	if n == 0 {
		return claims.SkipPart("U8's measurement has no same-CPU cell")
	}
	ev := fmt.Sprintf("UDS/TCP from U8's measurement on one CPU (intervals as in U8; efficiency is the CPU time a message costs): faster in [%s], slower in [%s], undecided in [%s]",
		strings.Join(faster, "; "), strings.Join(slower, "; "), strings.Join(straddle, "; "))
	switch {
	case len(straddle) > 0:
		return claims.Undecide("%s%s", ev, f.UndecidedWhy(spread))
	case len(faster) == n:
		return claims.Confirm("%s", ev)
	case len(slower) == n:
		return claims.Refute("%s", ev)
	}
	return claims.Refine("%s", ev)
}
