package firewall

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"

	"netnotes/internal/sandbox"
)

// The legacy x_tables (ip_tables, ip6_tables) have no netlink interface:
// they are read here through the getsockopt calls iptables-legacy-save
// makes. Reading never makes a table: a table that a namespace has not
// instantiated yet (the kernel makes them on first use since 5.x, and
// IPT_SO_GET_INFO on its name would make it) is not asked for; only those
// /proc/net/ip_tables_names lists are read.

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

// Legacy is one family's legacy x_tables in a namespace: whether the
// kernel has them, and the tables instantiated there.
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

// ReadLegacy reads the namespace's legacy tables, without changing them:
// for each family, whether the kernel has it (its absence wraps
// ErrNotInKernel in Absent) and the tables /proc/net/*_tables_names lists,
// with their policies and how many rules they hold.
// equiv: ip netns exec NS iptables-legacy-save; ip netns exec NS ip6tables-legacy-save
func ReadLegacy(ns *sandbox.NS) ([]Legacy, error) {
	var out []Legacy
	err := ns.Do(func() (err error) { out, err = legacyHere(); return err })
	return out, err
}

// legacyHere reads the legacy tables of the calling thread's namespace,
// from /proc/thread-self/net (/proc/self/net is the main thread's).
func legacyHere() ([]Legacy, error) {
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
