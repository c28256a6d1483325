// Package nfread reads a network namespace's firewall, as `nft list
// ruleset` and `iptables-legacy-save` show it, without changing it: the
// nftables ruleset through nfnetlink (google/nftables), and the legacy
// x_tables (ip_tables, ip6_tables) through the getsockopt calls the legacy
// iptables binaries use, since they have no netlink interface.
//
// Reading never makes a table: a legacy table that a namespace has not
// instantiated yet (the kernel makes them on first use since 5.x, and
// IPT_SO_GET_INFO on its name would make it) is not asked for; only those
// /proc/net/ip_tables_names lists are read.
package nfread

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"unsafe"

	"github.com/google/nftables"
	"golang.org/x/sys/unix"
)

// ErrNotInKernel wraps the refusal that says a firewall is not in this
// kernel at all (nfnetlink's socket refused with EPROTONOSUPPORT, no
// /proc/net/ip_tables_names): then no rule of it can exist.
var ErrNotInKernel = errors.New("not in this kernel")

// Table is an nftables table and its chains.
type Table struct {
	Family string // ip, ip6, inet, arp, bridge, netdev
	Name   string
	Chains []Chain
}

// Chain is an nftables chain: a base chain has a hook and a policy.
type Chain struct {
	Name   string
	Hook   string `json:",omitempty"` // "input", ...; "" for a regular chain
	Policy string `json:",omitempty"` // "accept" or "drop", base chains only
	Rules  int
}

func (t Table) String() string {
	var chains []string
	for _, c := range t.Chains {
		s := c.Name
		if c.Hook != "" {
			s += fmt.Sprintf(" (hook %s, policy %s)", c.Hook, c.Policy)
		}
		chains = append(chains, fmt.Sprintf("%s %d rules", s, c.Rules))
	}
	return fmt.Sprintf("table %s %s {%s}", t.Family, t.Name, strings.Join(chains, "; "))
}

// NftHere lists the nftables ruleset of the calling thread's namespace:
// call it on a thread switched into the namespace (sandbox's NS.Do). It
// gives every table, its chains and how many rules each holds; an empty
// ruleset is no tables. Where the kernel has no nfnetlink the error wraps
// ErrNotInKernel.
//
// Why not nftables.WithNetNSFd: the socket package this module resolves
// (mdlayher/socket v0.5.1) drops the error of a socket made in another
// namespace (fixed upstream later, mdlayher/socket#16), and where
// nfnetlink is missing the connection then panics on a nil socket (seen
// on Debian's 5.10-6.12 under qemu, no nf_tables module loaded).
// equiv: ip netns exec NS nft list ruleset
func NftHere() ([]Table, error) {
	c, err := nftables.New(nftables.AsLasting())
	if err != nil {
		return nil, nftError("opening nfnetlink", err)
	}
	defer c.CloseLasting()
	tables, err := c.ListTables()
	if err != nil {
		return nil, nftError("listing tables", err)
	}
	chains, err := c.ListChains()
	if err != nil {
		return nil, nftError("listing chains", err)
	}
	var out []Table
	for _, t := range tables {
		tab := Table{Family: familyName(t.Family), Name: t.Name}
		for _, ch := range chains {
			if ch.Table == nil || ch.Table.Name != t.Name || ch.Table.Family != t.Family {
				continue
			}
			rules, err := c.GetRules(t, ch)
			if err != nil {
				return nil, nftError("listing the rules of chain "+ch.Name, err)
			}
			seen := Chain{Name: ch.Name, Rules: len(rules)}
			if ch.Hooknum != nil {
				seen.Hook = hookName(t.Family, *ch.Hooknum)
				seen.Policy = "accept"
				if ch.Policy != nil && *ch.Policy == nftables.ChainPolicyDrop {
					seen.Policy = "drop"
				}
			}
			tab.Chains = append(tab.Chains, seen)
		}
		out = append(out, tab)
	}
	return out, nil
}

func nftError(doing string, err error) error {
	if errors.Is(err, unix.EPROTONOSUPPORT) {
		return fmt.Errorf("nftables: %s: %w (nfnetlink: %w)", doing, ErrNotInKernel, err)
	}
	return fmt.Errorf("nftables: %s: %w", doing, err)
}

func familyName(f nftables.TableFamily) string {
	switch f {
	case nftables.TableFamilyIPv4:
		return "ip"
	case nftables.TableFamilyIPv6:
		return "ip6"
	case nftables.TableFamilyINet:
		return "inet"
	case nftables.TableFamilyARP:
		return "arp"
	case nftables.TableFamilyBridge:
		return "bridge"
	case nftables.TableFamilyNetdev:
		return "netdev"
	}
	return fmt.Sprintf("family %d", f)
}

var inetHooks = []string{"prerouting", "input", "forward", "output", "postrouting", "ingress"}

func hookName(f nftables.TableFamily, h nftables.ChainHook) string {
	if f == nftables.TableFamilyNetdev {
		return [...]string{"ingress", "egress"}[min(int(h), 1)]
	}
	if int(h) < len(inetHooks) {
		return inetHooks[h]
	}
	return fmt.Sprintf("hook %d", h)
}

// XTable is a legacy iptables table, as iptables-legacy-save shows it: its
// built-in chains with their policies, and how many entries it holds
// besides them.
type XTable struct {
	Family string // "ip" (iptables) or "ip6" (ip6tables)
	Name   string // filter, nat, mangle, raw, security
	// Policies of the built-in chains, "INPUT ACCEPT".
	Policies []string
	// Rules counts the table's entries beyond its built-in chains'
	// policies and its closing entry: rules, and two for each user chain.
	Rules int
}

func (x XTable) String() string {
	return fmt.Sprintf("%s %s: %s, %d rules", x.Family, x.Name, strings.Join(x.Policies, ", "), x.Rules)
}

// Legacy is what the legacy x_tables hold in one namespace: for each
// family, whether the kernel has it, and its instantiated tables.
type Legacy struct {
	Family  string   // "ip", "ip6"
	Absent  string   `json:",omitempty"` // why the family is not in this kernel
	Tables  []XTable `json:",omitempty"`
	Listing []string // the family's /proc/net/*_tables_names, as read
}

type xfamily struct {
	name, names  string
	domain       int
	level        int
	targetOffset int // offset of target_offset in ipt_entry / ip6t_entry
}

var xfamilies = []xfamily{
	{"ip", "ip_tables_names", unix.AF_INET, unix.SOL_IP, 88},
	{"ip6", "ip6_tables_names", unix.AF_INET6, unix.SOL_IPV6, 140},
}

// From linux/netfilter_ipv4/ip_tables.h (ip6_tables.h has the same values).
const (
	soGetInfo    = 64 // IPT_SO_GET_INFO
	soGetEntries = 65 // IPT_SO_GET_ENTRIES
	tableNameLen = 32 // XT_TABLE_MAXNAMELEN
	numHooks     = 5  // NF_INET_NUMHOOKS
	infoSize     = tableNameLen + 4 + 2*numHooks*4 + 4 + 4
	entriesHead  = 40 // struct ipt_get_entries: name, size, then 8-aligned entries
	targetHead   = 32 // struct xt_entry_target before the standard target's verdict
	nfDrop       = 0  // NF_DROP; a standard target's verdict v is stored as -v-1
	nfAccept     = 1  // NF_ACCEPT
)

var hookNames = [numHooks]string{"PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"}

// LegacyHere reads the legacy tables of the calling thread's namespace:
// call it on a thread switched into the namespace (sandbox's NS.Do). It
// reads /proc/thread-self/net/*_tables_names and asks only for the tables
// listed there.
// equiv: ip netns exec NS iptables-legacy-save; ip netns exec NS ip6tables-legacy-save
func LegacyHere() ([]Legacy, error) {
	var out []Legacy
	for _, fam := range xfamilies {
		l := Legacy{Family: fam.name}
		b, err := os.ReadFile("/proc/thread-self/net/" + fam.names)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			l.Absent = fmt.Sprintf("no /proc/net/%s (%s)", fam.names, ErrNotInKernel)
			out = append(out, l)
			continue
		case err != nil:
			return nil, err
		}
		l.Listing = strings.Fields(string(b))
		for _, name := range l.Listing {
			x, err := readTable(fam, name)
			if err != nil {
				return nil, fmt.Errorf("%s table %s: %w", fam.name, name, err)
			}
			l.Tables = append(l.Tables, x)
		}
		out = append(out, l)
	}
	return out, nil
}

// readTable asks for one table's info and entries, and reads its built-in
// chains' policies at their underflow entries.
func readTable(fam xfamily, name string) (XTable, error) {
	fd, err := unix.Socket(fam.domain, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.IPPROTO_RAW)
	if err != nil {
		return XTable{}, fmt.Errorf("raw socket: %w", err)
	}
	defer unix.Close(fd)

	info := make([]byte, infoSize)
	copy(info, name)
	if err := getsockopt(fd, fam.level, soGetInfo, info); err != nil {
		return XTable{}, fmt.Errorf("getsockopt GET_INFO: %w", err)
	}
	le := binary.NativeEndian
	validHooks := le.Uint32(info[tableNameLen:])
	underflow := info[tableNameLen+4+numHooks*4:]
	numEntries := le.Uint32(info[tableNameLen+4+2*numHooks*4:])
	size := le.Uint32(info[tableNameLen+4+2*numHooks*4+4:])

	entries := make([]byte, entriesHead+int(size))
	copy(entries, name)
	le.PutUint32(entries[tableNameLen:], size)
	if err := getsockopt(fd, fam.level, soGetEntries, entries); err != nil {
		return XTable{}, fmt.Errorf("getsockopt GET_ENTRIES: %w", err)
	}
	table := entries[entriesHead:]

	x := XTable{Family: fam.name, Name: name}
	builtin := 0
	for h := 0; h < numHooks; h++ {
		if validHooks&(1<<h) == 0 {
			continue
		}
		builtin++
		off := int(le.Uint32(underflow[h*4:]))
		policy, err := policyAt(table, off, fam.targetOffset)
		if err != nil {
			return XTable{}, fmt.Errorf("chain %s: %w", hookNames[h], err)
		}
		x.Policies = append(x.Policies, hookNames[h]+" "+policy)
	}
	// One entry per built-in chain (its policy) and one closing the table.
	x.Rules = int(numEntries) - builtin - 1
	return x, nil
}

// policyAt reads the standard target's verdict of the entry at off.
func policyAt(table []byte, off, targetOffsetAt int) (string, error) {
	if off < 0 || off+targetOffsetAt+2 > len(table) {
		return "", fmt.Errorf("entry at %d outside the table's %d bytes", off, len(table))
	}
	target := off + int(binary.NativeEndian.Uint16(table[off+targetOffsetAt:]))
	if target+targetHead+4 > len(table) {
		return "", fmt.Errorf("target at %d outside the table's %d bytes", target, len(table))
	}
	switch v := int32(binary.NativeEndian.Uint32(table[target+targetHead:])); v {
	case -nfAccept - 1:
		return "ACCEPT", nil
	case -nfDrop - 1:
		return "DROP", nil
	default:
		return fmt.Sprintf("verdict %d", v), nil
	}
}

func getsockopt(fd, level, opt int, buf []byte) error {
	n := uint32(len(buf))
	_, _, errno := unix.Syscall6(unix.SYS_GETSOCKOPT, uintptr(fd), uintptr(level), uintptr(opt),
		uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&n)), 0)
	if errno != 0 {
		return errno
	}
	return nil
}
