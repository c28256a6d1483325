// Package loopback checks what the notes say about 127.0.0.1 and the host's
// own addresses: how loopback traffic travels through the kernel.
//
// # What the notes say
//
// Traffic to 127.0.0.1 never touches a network card, so "even with the NIC
// unplugged, loopback works". It still passes every step of the protocol
// stack that traffic between two machines passes, except the card: instead
// of a NIC's ring buffer, a softirq hands the skb straight to the receiving
// stack, and lo's "driver" is pure software. And 127.0.0.1 is no faster than
// the host's own address such as 192.168.1.150: the kernel marks every local
// route RTN_LOCAL and its route lookup sends them all to the loopback device.
// A figure adds a sidecar proxy and a local process whose traffic skips the
// kernel's protocol stack through eBPF, "to be expanded later".
//
// # What the tests found
//
// Every test runs in private network namespaces; the kernel's own tracepoints
// and per-device counters are the evidence. A test only observes: it gathers
// facts (NoNICFacts, StackFacts, OwnAddressFacts, SockmapFacts) and hands
// them to the claim's judge, a pure function beside them (nic.go, stack.go,
// ownaddr.go, sockmap.go) that reads as the claim's rule. A kernel that does otherwise gets a
// "refuted" verdict with its facts, not a failed test.
//
//   - L1: in a namespace that has no device but lo, and in one whose only
//     card is a veth without carrier (an unplugged cable), TCP and UDP over
//     127.0.0.1 deliver; the card's counters stay still. What loopback does
//     need is lo: the control takes lo down and nothing arrives (a TCP
//     connect times out, a datagram is lost), although the route lookup
//     still says "local". lo's tx_dropped with lo down is recorded, not
//     judged: 6.18 counts the drops, 5.10 and 6.1 keep it at 0. The drill
//     takes lo down in the claim's own namespaces: refuted.
//   - L2, in two parts. xmit: the test's own datagrams fire net_dev_xmit
//     with dev=lo, its stacks running down the IP output path
//     (ip_finish_output2 -> __dev_queue_xmit -> dev_hard_start_xmit) in the
//     sender's process context. softirq: loopback_xmit queues the skb with
//     netif_rx to the per-CPU backlog (the "ring" lo uses), and the NET_RX
//     softirq drains it (net_rx_action -> process_backlog ->
//     netif_receive_skb). Here that softirq mostly runs at once on the
//     sending thread, when __dev_queue_xmit re-enables bottom halves; under
//     load it runs in ksoftirqd. The control checks that the events show the
//     IP stack: the same tracepoints and filters, traced while only a Unix
//     socket pair carries datagrams of the same size, record nothing.
//   - L3, in two parts. lookup: "the host" is a namespace whose address
//     198.18.0.1 sits on a veth end; `ip route get 198.18.0.1` answers type
//     local, dev lo (reporting table main, because the kernel merges local
//     and main while only the default rules exist). traffic: datagrams to
//     it raise lo's counters and fire net_dev_xmit on lo, while the veth
//     sends nothing; the control, datagrams to the peer's 198.18.0.2, leave
//     through the veth and lo stays still. The drill moves table local
//     behind main (`ip rule` priority 0 deleted): the lookup says unicast
//     out of the veth, nothing crosses lo, refuted.
//   - L5, the notes' figure of a sidecar proxy and a local process that
//     "skip the kernel's protocol stack through eBPF": two TCP connections
//     over 127.0.0.1, the app's and the sidecar's sockets in a sockhash
//     (put there from user space), an sk_msg program attached to the map
//     that calls bpf_msg_redirect_hash with BPF_F_INGRESS. What the app
//     writes lands in the sidecar's socket, intact and in order, though it
//     belongs to another connection; the app's own TCP peer gets none of
//     it; lo's counters and net_dev_xmit stay still. Out of the sockhash,
//     the same sockets' writes cross lo again (the control).
//
// # What the eBPF redirect skips, and what it still pays
//
// Skipped: everything below the socket. No segment is built, so no TCP
// header, sequence space, ACK or retransmit timer; no IP output, route or
// netfilter hook; no loopback_xmit, backlog queue or NET_RX softirq; no TCP
// receive path. Still paid: the sendmsg system call and the copy of the
// data from user space into an sk_msg; the sk_msg program itself, run once
// per sendmsg (a map lookup and the redirect helper here); the locks of
// both sockets (the sender's, then the target's while the message is
// queued, in bpf_tcp_ingress); the target's ingress queue
// (psock->ingress_msg), with an sk_msg allocated per redirect, its memory
// accounting and the reader's wakeup; and the reader's recvmsg, which
// takes messages from that queue and copies them out, one sk_msg at a
// time. The connection itself is still TCP: the handshake and the FIN
// cross lo.
//
// Measured on this project's 2-vCPU machine (raw path, both peers on one
// CPU, 5 interleaved pairs, the machine shared with other work), one run:
// against TCP over lo, a round trip is 1.5-2.0x as fast at 100 B and
// 1.9-2.4x at 64 KiB, a 64 KiB stream 2.6-2.9x; a stream of 100 B messages
// only 0.49-0.52x. Against UDS: 1.1-1.3x and 1.6-1.9x for round trips,
// about even for a 64 KiB stream, 0.55-0.84x for 100 B. TCP coalesces a
// stream of small writes into fewer, larger segments; each sendmsg into a
// sockhash pays the program, an sk_msg and the queue on its own: the
// shortcut skips the stack, and that pays for latency and bulk, not for a
// flood of small writes. The claim says nothing of speed, so this is a
// note at the end of L5's evidence, not a part that decides it, and
// `make notes` measures only 100 B against TCP, 5 pairs of 20 ms (about
// 2 s; the figures above are `make bench`'s cells). (Under heavy load the
// pairs' intervals straddle 1 and the note says undecided: 10 of 20 runs
// at a load average of 7-9.)
//
// L4, whether 127.0.0.1 is faster than the host's own address, is
// measured: TCP to 127.0.0.1 against TCP to another address of the same
// namespace (as root 198.18.0.1 on a veth device in a private namespace,
// otherwise the host's own address), each side's peer address checked
// with getpeername, 16 interleaved pairs per cell (13 for the 100 B
// stream: about 10 s). Each cell is decided by CPU time per message,
// which a little other work on the machine barely moves (a short
// measurement's msgs/s interval straddled the band on a quiet machine
// once in three runs), msgs/s beside it; a cell measured while other work
// took more than 5% of the measured CPU's time (bench.MaxOtherCPU)
// decides nothing and says so, with the load average and how busy the
// other CPUs were. An interval end
// within 2% of the band's edge is given in full and the decision called
// narrow: the recorded confirmation rested on 0.9123 against 0.909. "No difference" is read as a ratio within 10%
// either way; the judge says so only when every same-CPU cell's interval
// lies inside that band, refutes when one lies wholly outside, and is
// undecided otherwise. Each stream cell names its TCP congestion control
// and mode (data segments per 1000 messages): both sides share the
// congestion control, so the verdict does not turn on it (the uds
// chapter's U8 does), and a stream cell decides from its pairs whose two
// connections settled into one mode (within 25%), naming those left out:
// a pair in two modes compares the modes, not the addresses. On the
// project machine, with other sessions running (load average 2), three
// runs in a row gave every interval within 0.91-1.14x, the round trips'
// and the 64 KiB stream's mostly within 0.95-1.05x; one cell straddled
// the band's edge in two of them (refined, confirmed, refined). The 100 B
// stream is the widest: its TCP mode (30-190 data segments per 1000
// messages at a load average of 3.5) moves with the load on the machine,
// and at that load its interval straddled the band in three runs of
// three, the pairs in one mode included. A drill (TestDrillL4...) puts a
// firewall into the measurement's namespace, one that accepts 127.0.0.0/8
// at once and walks 300 nftables rules for the other address: the other
// address's round trips then cost 1.35-2.03x 127.0.0.1's CPU time per
// message, and the judge refutes. Which addresses count as loopback is shown by the package
// example.
//
// # On other kernels
//
// `make matrix` runs these notes on Debian's 5.10, 6.1 and 6.12 under qemu
// (internal/records/matrix.txt). L1-L3 get the same verdicts on all of them
// as on 6.18. L5's redirect and lo parts are confirmed on all three (the
// sk_msg redirect already works on 5.10), as on 6.18; the speed note says
// "not measured" under emulation. L4 skips. The evidence differs in three
// places:
//
//   - L1: with lo down, lo's tx_dropped stays 0 on 5.10 and 6.1, and counts
//     the drops (+2, the datagram and a SYN) on 6.12 and 6.18. A device
//     counter is not a stable interface, so the test records it; the lost
//     datagram and the timed-out connect are the control.
//   - L2: lo hands the skb to the backlog through netif_rx on 5.10 and
//     through __netif_rx on 6.1 and later (the name since 5.18).
//   - L2: on 5.10 no recorded stack of the receive softirq reaches back to
//     the sender's __dev_queue_xmit, and none ran in ksoftirqd, so the
//     test counts 0 for both; 6.1 and later show every one of them served
//     on the sending thread as it re-enabled bottom halves.
//
// Its host scenarios on 6.12 (`make matrix KERNELS=6.12 SCENARIOS="ipv6-off
// calico-host busybox-userland no-tracefs cubic"`) give L1-L5 the plain
// run's verdicts. Under calico-host (ipip, sit and ip_gre loaded before the
// notes) a fresh namespace holds tunl0, sit0, gre0, gretap0 and erspan0
// besides lo, all down: L1 stays confirmed, and its evidence lists them as
// the fallback devices of the loaded tunnel modules. With tracefs not
// mounted, L2 and L3 trace through a private mount of their own and see
// what they see with it mounted.
//
// Run the notes: go test -tags sudo -v ./loopback (as yourself they run in a
// user namespace, where L2 and L3's tracepoints skip; as root, all of them).
package loopback
