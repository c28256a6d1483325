package main

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"netnotes/internal/osthread"
)

// privateNetns is for programs without a testing.TB (the bench tool run as
// root); tests use the sandbox package instead. It makes an anonymous
// network namespace on a dedicated OS thread that never leaves it, with lo
// up and addr/32 on a veth device named dev (its peer, dev+"p", stays down), and returns a function that
// runs socket creation there (Config.InNetns) and one that ends the
// namespace (its thread exits, locked, and the runtime discards it; it is
// never the main thread, which the runtime cannot discard: see
// osthread.Throwaway).
func privateNetns(dev string, addr netip.Addr) (inNetns func(func() error) error, end func(), err error) {
	jobs := make(chan func() error)
	results := make(chan error)
	ready := make(chan error, 1)
	// This thread's namespace changes for good.
	go osthread.Throwaway(func() {
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			ready <- fmt.Errorf("unshare(CLONE_NEWNET): %w", err)
			return
		}
		ready <- setupNetns(dev, addr)
		for job := range jobs {
			results <- job()
		}
	})
	if err := <-ready; err != nil {
		return nil, nil, err
	}
	inNetns = func(fn func() error) error {
		jobs <- fn
		return <-results
	}
	return inNetns, func() { close(jobs) }, nil
}

// setupNetns runs on the namespace's thread.
func setupNetns(dev string, addr netip.Addr) error {
	h, err := netlink.NewHandle(unix.NETLINK_ROUTE) // route only: XFRM may be a module nobody loads
	if err != nil {
		return err
	}
	defer h.Close()
	lo, err := h.LinkByName("lo")
	if err != nil {
		return err
	}
	if err := h.LinkSetUp(lo); err != nil {
		return fmt.Errorf("ip link set lo up: %w", err)
	}
	// A veth pair with both ends here (dummy devices need a module some
	// kernels lack); only the address matters, the pair carries nothing.
	peer := dev + "p"
	if err := h.LinkAdd(&netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: dev}, PeerName: peer}); err != nil {
		return fmt.Errorf("ip link add %s type veth peer name %s: %w", dev, peer, err)
	}
	link, err := h.LinkByName(dev)
	if err != nil {
		return err
	}
	ipn := &net.IPNet{IP: addr.AsSlice(), Mask: net.CIDRMask(addr.BitLen(), addr.BitLen())}
	if err := h.AddrAdd(link, &netlink.Addr{IPNet: ipn}); err != nil {
		return fmt.Errorf("ip addr add %s dev %s: %w", ipn, dev, err)
	}
	if err := h.LinkSetUp(link); err != nil {
		return fmt.Errorf("ip link set %s up: %w", dev, err)
	}
	return nil
}
