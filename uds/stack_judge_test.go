package uds

import (
	"testing"

	"netnotes/internal/claims"
)

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
