package firewall

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/bits"
	"net/netip"
	"strings"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
)

// loaded is what a register holds while a rule is read: a field of the
// packet (named as nft names it) or an immediate value.
type loaded struct {
	key  string // "ip saddr", "oifname", "meta l4proto", "th dport"
	mask []byte // a bitwise mask applied to it (a prefix)
	data []byte // an immediate value
}

// Render turns a rule's expressions, as the kernel gives them back, into
// nft's words ("ip saddr 198.18.13.0/24 oifname != "br0" counter packets 3
// bytes 252 masquerade"). What it does not know it names by its type
// ("[*expr.Lookup]"), so nothing the kernel holds is left out silently.
func Render(exprs []expr.Any) string {
	regs := map[uint32]loaded{}
	var out []string
	for _, e := range exprs {
		switch e := e.(type) {
		case *expr.Meta:
			if e.SourceRegister {
				out = append(out, fmt.Sprintf("meta %s set reg %d", metaName(e.Key), e.Register))
				break
			}
			regs[e.Register] = loaded{key: metaName(e.Key)}
		case *expr.Payload:
			regs[e.DestRegister] = loaded{key: payloadName(e)}
		case *expr.Bitwise:
			l := regs[e.SourceRegister]
			l.mask = e.Mask
			regs[e.DestRegister] = l
		case *expr.Cmp:
			l := regs[e.Register]
			op := " "
			if e.Op != expr.CmpOpEq {
				op = " " + cmpName(e.Op) + " "
			}
			out = append(out, l.key+op+value(l, e.Data))
		case *expr.Immediate:
			regs[e.Register] = loaded{data: e.Data}
		case *expr.Counter:
			out = append(out, fmt.Sprintf("counter packets %d bytes %d", e.Packets, e.Bytes))
		case *expr.Masq:
			out = append(out, "masquerade")
		case *expr.NAT:
			kind := "snat"
			if e.Type == expr.NATTypeDestNAT {
				kind = "dnat"
			}
			to := addrString(regs[e.RegAddrMin].data)
			if e.RegProtoMin != 0 {
				to += fmt.Sprintf(":%d", port(regs[e.RegProtoMin].data))
			}
			out = append(out, kind+" to "+to)
		case *expr.Notrack:
			out = append(out, "notrack")
		case *expr.Verdict:
			out = append(out, verdictName(e))
		case *expr.Ct:
			regs[e.Register] = loaded{key: fmt.Sprintf("ct key %d", e.Key)}
		default:
			out = append(out, fmt.Sprintf("[%T]", e))
		}
	}
	return strings.Join(out, " ")
}

func metaName(k expr.MetaKey) string {
	switch k {
	case expr.MetaKeyIIFNAME:
		return "iifname"
	case expr.MetaKeyOIFNAME:
		return "oifname"
	case expr.MetaKeyL4PROTO:
		return "meta l4proto"
	case expr.MetaKeyNFPROTO:
		return "meta nfproto"
	case expr.MetaKeyMARK:
		return "meta mark"
	case expr.MetaKeyIIF:
		return "iif"
	case expr.MetaKeyOIF:
		return "oif"
	}
	return fmt.Sprintf("meta key %d", k)
}

func payloadName(p *expr.Payload) string {
	switch {
	case p.Base == expr.PayloadBaseNetworkHeader && p.Offset == 12 && p.Len == 4:
		return "ip saddr"
	case p.Base == expr.PayloadBaseNetworkHeader && p.Offset == 16 && p.Len == 4:
		return "ip daddr"
	case p.Base == expr.PayloadBaseNetworkHeader && p.Offset == 9 && p.Len == 1:
		return "ip protocol"
	case p.Base == expr.PayloadBaseTransportHeader && p.Offset == 0 && p.Len == 2:
		return "th sport"
	case p.Base == expr.PayloadBaseTransportHeader && p.Offset == 2 && p.Len == 2:
		return "th dport"
	}
	return fmt.Sprintf("@%d,%d,%d", p.Base, p.Offset*8, p.Len*8)
}

// value formats a compared value by what was loaded.
func value(l loaded, data []byte) string {
	switch l.key {
	case "ip saddr", "ip daddr":
		a := addrString(data)
		if ones := maskBits(l.mask); l.mask != nil && ones < 32 {
			a += fmt.Sprintf("/%d", ones)
		}
		return a
	case "iifname", "oifname":
		return `"` + strings.TrimRight(string(data), "\x00") + `"`
	case "meta l4proto", "ip protocol":
		if len(data) == 1 {
			return protoName(data[0])
		}
	case "th sport", "th dport":
		return fmt.Sprint(port(data))
	}
	return "0x" + hex.EncodeToString(data)
}

func addrString(b []byte) string {
	if a, ok := netip.AddrFromSlice(b); ok {
		return a.String()
	}
	return "0x" + hex.EncodeToString(b)
}

func port(b []byte) uint16 {
	if len(b) < 2 {
		return 0
	}
	return binary.BigEndian.Uint16(b)
}

func maskBits(m []byte) int {
	n := 0
	for _, b := range m {
		n += bits.OnesCount8(b)
	}
	return n
}

func cmpName(op expr.CmpOp) string {
	return map[expr.CmpOp]string{expr.CmpOpNeq: "!=", expr.CmpOpLt: "<", expr.CmpOpLte: "<=", expr.CmpOpGt: ">", expr.CmpOpGte: ">="}[op]
}

func verdictName(v *expr.Verdict) string {
	switch v.Kind {
	case expr.VerdictAccept:
		return "accept"
	case expr.VerdictDrop:
		return "drop"
	case expr.VerdictReturn:
		return "return"
	case expr.VerdictJump:
		return "jump " + v.Chain
	case expr.VerdictGoto:
		return "goto " + v.Chain
	case expr.VerdictContinue:
		return "continue"
	}
	return fmt.Sprintf("verdict %d", v.Kind)
}

func familyName(f nftables.TableFamily) string {
	switch f {
	case nftables.TableFamilyIPv4:
		return "ip"
	case nftables.TableFamilyIPv6:
		return "ip6"
	case nftables.TableFamilyINet:
		return "inet"
	case nftables.TableFamilyBridge:
		return "bridge"
	case nftables.TableFamilyARP:
		return "arp"
	case nftables.TableFamilyNetdev:
		return "netdev"
	}
	return fmt.Sprintf("family %d", f)
}

// chainSpec is a chain's braces as nft lists them, for a base chain.
func chainSpec(c *nftables.Chain) string {
	if c.Hooknum == nil {
		return ""
	}
	s := fmt.Sprintf(" { type %s hook %s", c.Type, hookName(c.Table.Family, *c.Hooknum))
	if c.Priority != nil {
		s += fmt.Sprintf(" priority %d", *c.Priority)
	}
	if c.Policy != nil {
		s += map[nftables.ChainPolicy]string{nftables.ChainPolicyAccept: "; policy accept", nftables.ChainPolicyDrop: "; policy drop"}[*c.Policy]
	}
	return s + "; }"
}

// hookName names a base chain's hook: the netdev family numbers its own
// (ingress, egress), the others share the IP hooks'.
func hookName(f nftables.TableFamily, h nftables.ChainHook) string {
	names := []string{"prerouting", "input", "forward", "output", "postrouting", "ingress"}
	if f == nftables.TableFamilyNetdev {
		names = []string{"ingress", "egress"}
	}
	if int(h) < len(names) {
		return names[h]
	}
	return fmt.Sprintf("hook %d", h)
}
