// Package firewall makes and reads netfilter state inside a test's
// private namespaces, never the host's: nftables rules (made and read
// through google/nftables, the kernel's own netlink API), the legacy
// x_tables (read through the getsockopt calls iptables-legacy-save makes),
// the iptables tables a container runtime wrote (read with the iptables
// binaries it wrote them with), and the conntrack table (through
// vishvananda/netlink's conntrack API).
//
// Why several tools. The notes' own rules are nftables rules made over
// netlink: no binary is needed, they work the same as root, in a user
// namespace (the rootless mode) and in the matrix's virtual machines,
// and on a host whose iptables is iptables-nft they are what iptables'
// rules are underneath (a base chain on the same hook). The runtimes'
// rules are read with iptables-save, the binary on PATH the runtime
// itself ran: docker and podman's netavark call `iptables`, which is
// iptables-nft on one host and iptables-legacy on another, and only that
// binary reads back, in iptables' own words, what it wrote (legacy rules
// are not nftables rules at all). IPTables names which of the two it is.
// What a namespace holds before anyone wrote to it (V10) is read with no
// binary at all: its nftables ruleset and its legacy tables.
//
// Where the kernel has no nf_tables (or a NAT chain type, or an
// expression's module), a test skips naming what is missing; where no
// iptables-save is installed, so does IPTables. Dial and ReadLegacy give
// the absence as an error or a fact instead, for a note whose claim it
// decides. The API is small:
//
//	nft := firewall.Open(t, ns)                              // a namespace's nftables
//	post := nft.Chain(t, "nat", "postrouting", firewall.Postrouting)
//	masq := post.Add(t, firewall.SrcNet(subnet), firewall.OifNot("br0"), firewall.Masquerade())
//	masq.Read(t)                                             // the rule as the kernel holds it, with its counter
//	nft.Ruleset()                                            // every table, chain and rule, in nft's words
//	firewall.Dial(ns)                                        // Open without the test: ErrNotInKernel where nf_tables is missing
//	firewall.ReadLegacy(ns)                                  // the legacy x_tables, read only
//	firewall.IPTables(t, ns).In("nat", "PREROUTING")         // iptables-save -c, run in ns
//	firewall.Conntrack(t, ns)                                // conntrack -L, through netlink
//
// Rules go only into the namespace given, which the test made (or a
// runtime made inside the test's private namespaces), so they die with
// it; nothing here ever opens the host's namespace. One thing is the
// whole machine's: on a kernel that builds nf_tables, its NAT chains and
// expressions, conntrack or ctnetlink as modules, the kernel loads the
// ones not yet loaded when a namespace first uses them (as `nft`, docker
// or podman would), and they stay loaded. br_netfilter is not loaded that
// way and nothing here loads it. The project's CI machine loads no
// modules at all and checks that the list stays as it was.
package firewall

import (
	"errors"
	"fmt"
	"net/netip"
	"testing"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"

	"netnotes/internal/gate"
	"netnotes/internal/sandbox"
)

// ErrNotInKernel wraps the refusal that says a firewall is not in this
// kernel at all (nfnetlink's socket refused with EPROTONOSUPPORT, or
// nfnetlink without its nftables subsystem; no /proc/net/ip_tables_names):
// then no rule of it can exist.
var ErrNotInKernel = errors.New("not in this kernel")

// NFT is one namespace's nftables: a netlink socket made in the
// namespace, kept open until Close.
type NFT struct {
	ns   *sandbox.NS
	conn *nftables.Conn
}

// Dial connects to the namespace's nftables and asks for its tables once,
// which tells whether the kernel speaks nftables. The error wraps
// ErrNotInKernel where it does not. Close the connection when done.
//
// The socket is made in the namespace by the netlink library itself
// (nftables.WithNetNSFd, on a locked thread it switches in and back), so
// that every request, even one made after Close, goes there and never to
// the caller's namespace. That needs mdlayher/socket v0.6.0 or later
// (go.mod says why): v0.5.1 dropped the error of a socket made in another
// namespace (mdlayher/socket#16), and where nfnetlink is missing the
// connection then panicked on a nil socket (Debian's 5.10-6.12 under qemu
// without the nf_tables module; the matrix's no-netfilter scenario keeps
// that path tested).
func Dial(ns *sandbox.NS) (*NFT, error) {
	conn, err := nftables.New(nftables.AsLasting(), nftables.WithNetNSFd(ns.FD()))
	if errors.Is(err, unix.EPROTONOSUPPORT) {
		return nil, fmt.Errorf("nftables: opening nfnetlink: %w (%w)", ErrNotInKernel, err)
	}
	if err != nil {
		return nil, fmt.Errorf("nftables: opening nfnetlink in %v: %w", ns, err)
	}
	if _, err := conn.ListTables(); err != nil {
		_ = conn.CloseLasting()
		// nfnetlink without its nftables subsystem answers a well-formed
		// request with EINVAL (on a modular kernel it asks for the module
		// first).
		if errors.Is(err, unix.EINVAL) {
			return nil, fmt.Errorf("nftables: listing tables: nfnetlink has no nftables subsystem, %w (%w)", ErrNotInKernel, err)
		}
		return nil, fmt.Errorf("nftables: listing tables in %v: %w", ns, err)
	}
	return &NFT{ns: ns, conn: conn}, nil
}

// Open is Dial for a test: it skips the test, naming nf_tables, where the
// kernel has no nftables, and closes the connection at cleanup.
func Open(t testing.TB, ns *sandbox.NS) *NFT {
	t.Helper()
	n, err := Dial(ns)
	if errors.Is(err, ErrNotInKernel) {
		skipLacking(t, "nftables (nf_tables: CONFIG_NF_TABLES or the nf_tables module)", err)
	}
	if err != nil {
		t.Fatalf("nftables in %v: %v", ns, err)
	}
	t.Cleanup(func() { _ = n.Close() })
	return n
}

// Close closes the connection's socket.
func (n *NFT) Close() error { return n.conn.CloseLasting() }

// skipMissing skips when err is the kernel's answer to a feature it does
// not have (no such protocol, family, chain type or expression: built
// neither in nor loadable here).
func skipMissing(t testing.TB, what string, err error) {
	t.Helper()
	if errors.Is(err, unix.EPROTONOSUPPORT) || errors.Is(err, unix.EAFNOSUPPORT) ||
		errors.Is(err, unix.ENOENT) || errors.Is(err, unix.EOPNOTSUPP) {
		skipLacking(t, what, err)
	}
}

// skipLacking skips, naming what the kernel lacks and how it refused.
func skipLacking(t testing.TB, what string, err error) {
	t.Helper()
	gate.Skip(t, "needs %s, which this kernel lacks (%v): run this note on a kernel that has it, or load the module", what, err)
}

// Hook is where a base chain sits: its hook, type and priority, as `nft
// add chain ... { type T hook H priority P; }` gives them.
type Hook struct {
	Hook     *nftables.ChainHook
	Type     nftables.ChainType
	Priority *nftables.ChainPriority
	needs    string // the module a chain of this type needs
}

// The hooks the notes use, at the priorities iptables' tables have.
var (
	Prerouting  = Hook{nftables.ChainHookPrerouting, nftables.ChainTypeNAT, nftables.ChainPriorityNATDest, "NAT chains (nft_chain_nat)"}
	Output      = Hook{nftables.ChainHookOutput, nftables.ChainTypeNAT, nftables.ChainPriorityNATDest, "NAT chains (nft_chain_nat)"}
	Postrouting = Hook{nftables.ChainHookPostrouting, nftables.ChainTypeNAT, nftables.ChainPriorityNATSource, "NAT chains (nft_chain_nat)"}
	Forward     = Hook{nftables.ChainHookForward, nftables.ChainTypeFilter, nftables.ChainPriorityFilter, "filter chains (nf_tables)"}
	Raw         = Hook{nftables.ChainHookPrerouting, nftables.ChainTypeFilter, nftables.ChainPriorityRaw, "filter chains (nf_tables)"}
)

// Chain is a base chain of an ip-family table.
type Chain struct {
	nft   *NFT
	chain *nftables.Chain
	rules int
}

// Chain makes table (family ip) if needed and a base chain in it, policy
// accept.
// equiv: nft add table ip TABLE; nft add chain ip TABLE CHAIN '{ type T hook H priority P; policy accept; }'
func (n *NFT) Chain(t testing.TB, table, name string, h Hook) *Chain {
	t.Helper()
	tb := n.conn.AddTable(&nftables.Table{Family: nftables.TableFamilyIPv4, Name: table})
	accept := nftables.ChainPolicyAccept
	c := n.conn.AddChain(&nftables.Chain{Name: name, Table: tb, Hooknum: h.Hook, Type: h.Type, Priority: h.Priority, Policy: &accept})
	if err := n.conn.Flush(); err != nil {
		skipMissing(t, h.needs, err)
		t.Fatalf("nft add chain ip %s %s in %v: %v", table, name, n.ns, err)
	}
	return &Chain{nft: n, chain: c}
}

// Rule is a rule a test added, known by its place in its chain.
type Rule struct {
	chain *Chain
	index int
}

// Add appends a rule: the matches and the action, with a counter between
// them (a rule that counts what it matched, as `iptables -v` shows).
// equiv: nft add rule ip TABLE CHAIN MATCHES counter ACTION
func (c *Chain) Add(t testing.TB, parts ...Part) *Rule {
	t.Helper()
	var exprs []expr.Any
	var needs string
	for _, p := range parts {
		if p.action {
			exprs = append(exprs, &expr.Counter{})
		}
		exprs = append(exprs, p.exprs...)
		if p.needs != "" {
			needs = p.needs
		}
	}
	c.nft.conn.AddRule(&nftables.Rule{Table: c.chain.Table, Chain: c.chain, Exprs: exprs})
	if err := c.nft.conn.Flush(); err != nil {
		skipMissing(t, needs, err)
		t.Fatalf("nft add rule in chain %s of %v: %v", c.chain.Name, c.nft.ns, err)
	}
	c.rules++
	return &Rule{chain: c, index: c.rules - 1}
}

// Seen is a rule as the kernel holds it: in nft's words, and its counter.
type Seen struct {
	Text           string // the rule, in nft's words
	Packets, Bytes uint64 // its counter
}

func (s Seen) String() string { return s.Text }

// Read reads the rule back from the kernel.
// equiv: nft list chain ip TABLE CHAIN
func (r *Rule) Read(t testing.TB) Seen {
	t.Helper()
	rules, err := r.chain.nft.conn.GetRules(r.chain.chain.Table, r.chain.chain)
	if err != nil {
		t.Fatalf("nft list chain %s in %v: %v", r.chain.chain.Name, r.chain.nft.ns, err)
	}
	if r.index >= len(rules) {
		t.Fatalf("chain %s in %v holds %d rules, not the %d the test added", r.chain.chain.Name, r.chain.nft.ns, len(rules), r.index+1)
	}
	return seen(rules[r.index])
}

func seen(rule *nftables.Rule) Seen {
	s := Seen{Text: Render(rule.Exprs)}
	for _, e := range rule.Exprs {
		if ctr, ok := e.(*expr.Counter); ok {
			s.Packets, s.Bytes = ctr.Packets, ctr.Bytes
		}
	}
	return s
}

// Part is a piece of a rule: a match or the action.
type Part struct {
	exprs  []expr.Any
	action bool
	needs  string
}

// SrcNet matches the source address in prefix p.
// equiv: ip saddr P
func SrcNet(p netip.Prefix) Part { return ipNet(12, p) }

// DstNet matches the destination address in prefix p (an address: /32).
// equiv: ip daddr P
func DstNet(p netip.Prefix) Part { return ipNet(16, p) }

func ipNet(offset uint32, p netip.Prefix) Part {
	p = p.Masked()
	mask := netipMask(p.Bits())
	return Part{exprs: []expr.Any{
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: offset, Len: 4},
		&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4, Mask: mask, Xor: make([]byte, 4)},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: p.Addr().AsSlice()},
	}}
}

func netipMask(bits int) []byte {
	m := make([]byte, 4)
	for i := range bits {
		m[i/8] |= 0x80 >> (i % 8)
	}
	return m
}

// Iif and OifNot match the input device, or an output device other than
// name.
// In nft's words: iifname NAME, oifname != NAME.
func Iif(name string) Part    { return ifname(expr.MetaKeyIIFNAME, expr.CmpOpEq, name) }
func OifNot(name string) Part { return ifname(expr.MetaKeyOIFNAME, expr.CmpOpNeq, name) }

func ifname(key expr.MetaKey, op expr.CmpOp, name string) Part {
	b := make([]byte, unix.IFNAMSIZ)
	copy(b, name)
	return Part{exprs: []expr.Any{&expr.Meta{Key: key, Register: 1}, &expr.Cmp{Op: op, Register: 1, Data: b}}}
}

// DstPort matches a TCP or UDP ("tcp", "udp") destination port.
// In nft's words: tcp dport PORT.
func DstPort(proto string, port uint16) Part {
	l4 := byte(unix.IPPROTO_TCP)
	if proto == "udp" {
		l4 = unix.IPPROTO_UDP
	}
	return Part{exprs: []expr.Any{
		&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{l4}},
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: 2, Len: 2},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{byte(port >> 8), byte(port)}},
	}}
}

// Masquerade rewrites the source to the outgoing device's address.
// In nft's words: masquerade (iptables: -j MASQUERADE).
func Masquerade() Part {
	return Part{action: true, exprs: []expr.Any{&expr.Masq{}}, needs: "masquerade (nft_masq)"}
}

// DNAT rewrites the destination to to (address and port).
// In nft's words: dnat to ADDR:PORT (iptables: -j DNAT --to-destination ADDR:PORT).
func DNAT(to netip.AddrPort) Part {
	port := to.Port()
	return Part{action: true, needs: "destination NAT (nft_nat)", exprs: []expr.Any{
		&expr.Immediate{Register: 1, Data: to.Addr().AsSlice()},
		&expr.Immediate{Register: 2, Data: []byte{byte(port >> 8), byte(port)}},
		&expr.NAT{Type: expr.NATTypeDestNAT, Family: unix.NFPROTO_IPV4, RegAddrMin: 1, RegProtoMin: 2},
	}}
}

// Notrack exempts the packets from connection tracking (and so from NAT).
// In nft's words: notrack (iptables: -t raw -j NOTRACK).
func Notrack() Part {
	return Part{action: true, exprs: []expr.Any{&expr.Notrack{}}, needs: "notrack (nft_ct)"}
}

// Accept ends the rule with accept: the rule only counts what passes.
// In nft's words: accept.
func Accept() Part {
	return Part{action: true, exprs: []expr.Any{&expr.Verdict{Kind: expr.VerdictAccept}}}
}

// Ruleset reads every table, chain and rule of the namespace, in nft's
// words, one line each: "table ip nat", "chain ip nat postrouting { type
// nat hook postrouting priority 100; policy accept; }", then its rules
// indented. A fresh namespace has none: an empty list.
// equiv: ip netns exec NS nft list ruleset
func (n *NFT) Ruleset() ([]string, error) {
	tables, err := n.conn.ListTables()
	if err != nil {
		return nil, fmt.Errorf("nft list tables in %v: %w", n.ns, err)
	}
	chains, err := n.conn.ListChains()
	if err != nil {
		return nil, fmt.Errorf("nft list chains in %v: %w", n.ns, err)
	}
	var out []string
	for _, tb := range tables {
		fam := familyName(tb.Family)
		out = append(out, fmt.Sprintf("table %s %s", fam, tb.Name))
		for _, c := range chains {
			if c.Table == nil || c.Table.Name != tb.Name || c.Table.Family != tb.Family {
				continue
			}
			out = append(out, "chain "+fam+" "+tb.Name+" "+c.Name+chainSpec(c))
			rules, err := n.conn.GetRules(tb, c)
			if err != nil {
				return nil, fmt.Errorf("nft list chain %s %s %s in %v: %w", fam, tb.Name, c.Name, n.ns, err)
			}
			for _, r := range rules {
				out = append(out, "  "+Render(r.Exprs))
			}
		}
	}
	return out, nil
}
