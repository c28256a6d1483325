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
//
// # What the tests found
//
// Every test runs in private network namespaces; the kernel's own tracepoints
// and per-device counters are the evidence.
//
//   - L1: in a namespace that has no device but lo, and in one whose only
//     card is a veth without carrier (an unplugged cable), TCP and UDP over
//     127.0.0.1 deliver; the card's counters stay still. What loopback does
//     need is lo: take lo down under the same sockets and nothing arrives
//     (a TCP connect times out, a datagram is lost), although the route
//     lookup still says "local"; lo counts the packets it drops.
//   - L2: the test's own datagrams fire net_dev_xmit, netif_rx and
//     netif_receive_skb, all with dev=lo. The transmit stacks run down the
//     IP output path (ip_finish_output2 -> __dev_queue_xmit ->
//     dev_hard_start_xmit) in the sender's process context; loopback_xmit
//     then queues the skb with netif_rx to the per-CPU backlog (the "ring"
//     lo uses), and the NET_RX softirq drains it (net_rx_action ->
//     process_backlog -> netif_receive_skb). Here that softirq mostly runs at
//     once on the sending thread, when __dev_queue_xmit re-enables bottom
//     halves; under load it runs in ksoftirqd. Datagrams of the same size over
//     a Unix socket pair fire none of these events.
//   - L3: "the host" is a namespace whose address 198.18.0.1 sits on a veth
//     end. `ip route get 198.18.0.1` answers type local, dev lo (reporting
//     table main, because the kernel merges local and main while only the
//     default rules exist). Datagrams to it raise lo's counters and fire
//     net_dev_xmit on lo, while the veth sends nothing; datagrams to the
//     peer's 198.18.0.2 do leave through the veth, and lo stays still.
//
// L4, whether 127.0.0.1 is faster than the host's own address, is a
// benchmark, not a test. Which addresses count as loopback is shown by the
// package example.
//
// Run the notes: go test -tags sudo -v ./loopback (as yourself they run in a
// user namespace, where L2 and L3's tracepoints skip; as root, all of them).
package loopback
