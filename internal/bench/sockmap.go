package bench

import (
	"fmt"

	"netnotes/internal/sockmap"
)

// TCPSockmap is TCP over 127.0.0.1 (TCP_NODELAY) with both ends of the
// connection in a sockhash and an sk_msg program that hands what each end
// writes straight to the other end's receive queue (bpf_msg_redirect_hash,
// BPF_F_INGRESS): the eBPF shortcut of claim L5. The connection is set up
// through TCP as usual (the handshake crosses lo); the messages do not.
// Raw path only; needs root (BPF) and a kernel with sockhash and sk_msg
// (sockmap.Probe says which piece is missing).
const TCPSockmap Transport = "tcp-sockmap"

// validateSockmap is Validate's part for TCPSockmap.
func validateSockmap(c Config) error {
	if c.Transport == TCPSockmap && c.Path != Raw {
		return fmt.Errorf("bench: transport %s is measured on the raw path only", c.Transport)
	}
	return nil
}

// shortcut puts a TCPSockmap connection's two ends into a sockhash, each
// routed to the other, while both descriptors are still this process's
// (the server end goes to the peer process next; the sockhash holds the
// socket itself, so the route outlives the descriptor here). It returns
// what Close must undo: nil for other transports.
func shortcut(c Config, client, server int) (undo func(), err error) {
	if c.Transport != TCPSockmap {
		return nil, nil
	}
	r, err := sockmap.New()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.Transport, err)
	}
	if err := r.Route(client, server); err != nil {
		r.Close()
		return nil, fmt.Errorf("%s: %w", c.Transport, err)
	}
	if err := r.Route(server, client); err != nil {
		r.Close()
		return nil, fmt.Errorf("%s: %w", c.Transport, err)
	}
	return func() { _ = r.Close() }, nil
}
