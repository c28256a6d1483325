//go:build linux && sudo

package uds

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"netnotes/internal/claims"
	"netnotes/internal/gate"
	"netnotes/internal/sandbox"
)

// nobody is the user the other client runs as.
var nobody = &syscall.Credential{Uid: 65534, Gid: 65534}

// The notes: "compared with TCP/UDP sockets, UDS is more efficient and more
// secure". More secure: connect needs write permission on the socket file,
// so file modes decide who may talk to a server, where any local user
// reaches a TCP port on 127.0.0.1; and the server learns from the kernel
// who is talking (SO_PEERCRED), with no password exchanged. More
// efficient: U8's measurement, shared with TestU8 in this test binary.
func TestU9FilePermissionsGateConnect(t *testing.T) {
	v := claims.Check(t, "U9")
	// In the matrix's VMs timing measures the emulator: the security part
	// still runs there, the efficiency part is not measured. Under -short
	// on real hardware the reader asked for no measurement at all.
	emulated, inVM := gate.Emulated("U8's measurement of a few seconds, which U9's more-efficient part takes,")
	if !inVM {
		gate.SkipShort(t, "U8's measurement of a few seconds, which U9's more-efficient part takes")
	}

	facts := U9Facts{Security: observeSecurity(t)}
	if inVM {
		facts.EfficiencyNotMeasured = emulated
	} else {
		facts.Efficiency, _ = measureSameCPU(t)
	}

	claims.Judge(v, facts, judgeU9)
}

// Drill: the other uid's client keeps CAP_DAC_OVERRIDE (ambient), as a
// privileged container's processes or a setcap'd client do. The kernel
// then lets it through the 0600 file's mode, so the file no longer gates
// connect and the judge must refute "more secure"; the efficiency part is
// not measured in the drill.
// equiv: capsh --caps=cap_dac_override+eip --addamb=cap_dac_override --user=nobody -- -c 'socat - UNIX-CONNECT:/run/x.sock'
func TestDrillU9AClientWithCAP_DAC_OVERRIDE(t *testing.T) {
	if why := secondUIDMissing(); why != "" {
		gate.Skip(t, "%s", why)
	}
	facts := U9Facts{Security: observeSecurity(t, unix.CAP_DAC_OVERRIDE), EfficiencyNotMeasured: "a drill: only the security part is observed"}
	claims.Drill(t, "U9", facts, judgeU9, claims.Refuted)
}

// observeSecurity tries a root-owned 0600 socket file and a root-owned
// 127.0.0.1 port as uid 65534, whose client runs with caps (ambient; none
// for an ordinary user's process). Without a second uid it says why.
func observeSecurity(t *testing.T, caps ...uintptr) SecurityFacts {
	if why := secondUIDMissing(); why != "" {
		return SecurityFacts{NotObserved: why}
	}
	var f SecurityFacts

	// A root-owned socket file of mode 0600, in a directory everyone may
	// enter: only the socket's own mode decides.
	dir := socketDir(t)
	require.NoError(t, os.Chmod(dir, 0o755))
	path := filepath.Join(dir, "root-only.sock")
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	require.NoError(t, os.Chmod(path, 0o600))
	var st unix.Stat_t
	require.NoError(t, unix.Stat(path, &st))
	require.Equal(t, uint32(0), st.Uid, "owner of %s", path)
	creds := serveHello(t, l, func(c net.Conn) (*unix.Ucred, error) { return peerCred(c.(*net.UnixConn)) })

	refused := runClient(t, path, nobody, caps...)
	f.OtherUID, f.OtherCapEff, f.Mode0600 = refused.UID, refused.CapEff, outcome(refused)
	if f.Mode0600 == Connected {
		<-creds
	}
	owner := runClient(t, path, nil)
	if f.OwnerOn0600 = outcome(owner); f.OwnerOn0600 == Connected {
		<-creds
	}
	require.NoError(t, os.Chmod(path, 0o666))
	allowed := runClient(t, path, nobody, caps...)
	if f.Mode0666 = outcome(allowed); f.Mode0666 == Connected {
		f.PeerCred = credOf(t, creds)
		f.Client = Cred{PID: int64(allowed.PID), UID: int64(allowed.UID), GID: int64(allowed.GID)}
	}

	// The TCP control: root listens on 127.0.0.1 in a private namespace,
	// the same uid 65534 connects from inside it.
	ns := sandbox.New(t)
	tl := ns.Listen(t, "tcp4", "127.0.0.1:0")
	tcpCreds := serveHello(t, tl, func(c net.Conn) (*unix.Ucred, error) { return peerCred(c.(*net.TCPConn)) })
	tcp := runClientIn(t, ns.Do, "tcp:"+tl.Addr().String(), nobody, caps...)
	if f.TCPLoopback = outcome(tcp); f.TCPLoopback == Connected {
		f.TCPPeerCred = credOf(t, tcpCreds)
	}
	return f
}

// secondUIDMissing says why uid 65534 cannot be tried here, or "" when it
// can: that takes root with uid 65534 mapped, as in the initial user
// namespace (a rootless user namespace maps one uid).
func secondUIDMissing() string {
	if !gate.IsRoot() {
		return "needs root to run a client as uid 65534: " + gate.RealRootHint()
	}
	data, err := os.ReadFile("/proc/self/uid_map")
	if err != nil {
		return fmt.Sprintf("cannot read /proc/self/uid_map (%v) to see whether uid 65534 exists here", err)
	}
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for sc.Scan() {
		var inside, outside, count uint64
		if _, err := fmt.Sscan(sc.Text(), &inside, &outside, &count); err == nil && inside <= 65534 && 65534 < inside+count {
			return ""
		}
	}
	return fmt.Sprintf("needs a second uid, and this user namespace maps only %q: run as real root: %s",
		strings.Join(strings.Fields(string(data)), " "), gate.RealRootHint())
}

// serveHello accepts on l until it closes: for each connection it sends
// the peer's credentials (nil when they could not be read) and answers
// the client's hello.
func serveHello(t *testing.T, l net.Listener, cred func(net.Conn) (*unix.Ucred, error)) <-chan *unix.Ucred {
	creds := make(chan *unix.Ucred, 4)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			u, err := cred(c)
			if err != nil {
				u = nil
			}
			creds <- u
			_ = c.SetDeadline(time.Now().Add(5 * time.Second))
			buf := make([]byte, 64)
			if _, err := c.Read(buf); err == nil {
				_, _ = c.Write([]byte("Hello from server!"))
			}
			c.Close()
		}
	}()
	t.Cleanup(func() { l.Close() })
	return creds
}

func credOf(t *testing.T, creds <-chan *unix.Ucred) Cred {
	t.Helper()
	select {
	case c := <-creds:
		require.NotNil(t, c, "SO_PEERCRED failed")
		return Cred{PID: int64(c.Pid), UID: int64(c.Uid), GID: int64(c.Gid)}
	case <-time.After(10 * time.Second):
		t.Fatal("the server accepted nothing in 10s")
		return Cred{}
	}
}

// outcome is what a client run got: connected (and answered), or the
// errno its connect returned.
func outcome(r clientRun) string {
	if slices.Contains(r.Lines, "Received from server: Hello from server!") {
		return Connected
	}
	if len(r.Lines) == 1 {
		if e, ok := strings.CutPrefix(r.Lines[0], "connect: "); ok {
			return e
		}
	}
	return strings.Join(r.Lines, " / ")
}
