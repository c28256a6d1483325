package loopback

import (
	"fmt"
	"strings"

	"netnotes/internal/claims"
)

// Delivery is what one attempt to echo a message over 127.0.0.1, by TCP and
// by UDP, gave: for each, what went wrong, or "" when the echo came back.
type Delivery struct {
	Bytes int    // the message's size
	TCP   string `json:",omitempty"`
	UDP   string `json:",omitempty"`
}

func (d Delivery) delivered() bool { return d.TCP == "" && d.UDP == "" }

// none reports whether neither protocol delivered.
func (d Delivery) none() bool { return d.TCP != "" && d.UDP != "" }

func (d Delivery) String() string {
	say := func(proto, err string) string {
		if err == "" {
			return fmt.Sprintf("%s echoed %d B", proto, d.Bytes)
		}
		return proto + ": " + err
	}
	return say("TCP", d.TCP) + ", " + say("UDP", d.UDP)
}

// NoNICFacts is what L1's test saw: loopback traffic in a namespace with
// no card at all, in one whose only card has no carrier, and (the control)
// in one whose lo is down.
type NoNICFacts struct {
	AloneDevices []string // the devices of the namespace with no card
	// The devices there besides lo, "tunl0 (ipip, down)": none on a plain
	// kernel; the fallback devices of the tunnel modules loaded (tunl0,
	// sit0, gre0, ip6tnl0...), which every new namespace gets, down.
	AloneOthers   []string `json:",omitempty"`
	AloneOthersUp int      `json:",omitempty"` // how many of them were up
	AloneLo       string   // lo's flags there, just before the delivery
	Alone         Delivery // over 127.0.0.1 there
	NIC           string   // the card of the second namespace: a veth end, up, its peer down
	NICState      string   // its flags and operstate, as seen before the delivery
	UnpluggedLo   string   // lo's flags in that namespace, just before the delivery
	Unplugged     Delivery // over 127.0.0.1 in that namespace
	NICTxPackets  uint64   // what the card sent meanwhile
	// Control: a third namespace with lo down.
	LoDown Delivery
	// lo's tx_dropped while lo was down, recorded and not judged: 5.10
	// and 6.1 keep it at 0 with lo down, 6.12 and later count the drops.
	LoDownTxDropped uint64
}

// judgeNoNIC is L1's rule: over 127.0.0.1, TCP and UDP deliver both with
// no card in the namespace and with its card unplugged (confirmed);
// neither setup delivering refutes, one of them or one protocol refines.
// A card that sent packets during the delivery refines too (then the
// traffic was not all kept off the card). The control, lo down, must show
// that the observation sees a loss: if something still arrives there,
// delivery does not show lo at work, and the verdict is refined.
//
// Devices besides lo in the namespace with no card (the fallback devices
// of loaded tunnel modules) are named in the evidence; down, they carry
// nothing and the namespace still has no working card. One of them up
// refines: then that namespace was not one without a card.
func judgeNoNIC(f NoNICFacts) claims.Finding {
	devices := fmt.Sprintf("devices %s only", strings.Join(f.AloneDevices, ","))
	if len(f.AloneOthers) > 0 {
		devices = fmt.Sprintf("devices lo and %s (fallback devices a new namespace gets where tunnel modules are loaded; %d of them up)",
			strings.Join(f.AloneOthers, ", "), f.AloneOthersUp)
	}
	seen := fmt.Sprintf("%s (lo %s): %v; %s up with no carrier (%s; lo %s): %v, %s tx +%d; control, lo down: %v, lo tx_dropped +%d",
		devices, f.AloneLo, f.Alone, f.NIC, f.NICState, f.UnpluggedLo, f.Unplugged, f.NIC, f.NICTxPackets, f.LoDown, f.LoDownTxDropped)
	switch {
	case f.Alone.none() && f.Unplugged.none():
		return claims.Refute("nothing delivered over 127.0.0.1 without a working card: %s", seen)
	case !f.Alone.delivered() || !f.Unplugged.delivered():
		return claims.Refine("loopback delivered only in part without a working card: %s", seen)
	case f.NICTxPackets > 0:
		return claims.Refine("loopback delivered, but the unplugged card sent packets meanwhile: %s", seen)
	case f.AloneOthersUp > 0:
		return claims.Refine("loopback delivered, but the namespace meant to have no card had another device up: %s", seen)
	case !f.LoDown.none():
		return claims.Refine("loopback delivered, but the control delivered too with lo down, so delivery does not show lo at work: %s", seen)
	}
	return claims.Confirm("%s", seen)
}

var _ = claims.Register("L1", judgeNoNIC, "127.0.0.1")
