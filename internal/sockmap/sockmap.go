// Package sockmap hands the bytes written on one local TCP socket straight
// to another socket's receive queue with eBPF, the shortcut sidecar
// accelerators use: a sockhash holds the sockets, and an sk_msg program
// attached to it runs on every sendmsg of a socket in the hash and redirects
// the message with bpf_msg_redirect_hash and BPF_F_INGRESS. The message
// never reaches TCP's transmit path, IP or a device.
//
//	r, err := sockmap.New()
//	defer r.Close()
//	r.Route(app, sidecar)   // what app writes, sidecar reads
//
// The program is built at run time with cilium/ebpf's asm package (no
// compiler, no object file). Everything is held by this process's file
// descriptors and sockets: the program is attached to the map, not to a
// cgroup, and nothing is pinned. Close takes the sockets out of the hash and
// closes the map and program; on the process's death (kill -9 included) its
// sockets and descriptors close, and the kernel frees the program and maps
// just the same. Nothing is left for a later run to sweep.
//
// Sockets are put into the hash from user space, keyed by their local port,
// which the program reads from its context (sk_msg_md.local_port): the
// sockets of one Redirect must have distinct local ports.
package sockmap

import (
	"errors"
	"fmt"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/features"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"

	"netnotes/internal/gate"
)

// Probe reports whether this process may build a Redirect here: nil, or an
// error naming the missing piece (the sockhash map, the sk_msg program type,
// the redirect helper). A kernel without the piece says so with
// gate.ErrNotSupported (cilium/ebpf's ErrNotSupported); BPF refused to
// this process shows as EPERM (a missing CAP_BPF, a seccomp filter).
func Probe() error {
	for _, p := range []struct {
		what  string
		probe func() error
	}{
		{"a BPF sockhash map", func() error { return features.HaveMapType(ebpf.SockHash) }},
		{"the sk_msg BPF program type", func() error { return features.HaveProgramType(ebpf.SkMsg) }},
		{"bpf_msg_redirect_hash in sk_msg programs", func() error { return features.HaveProgramHelper(ebpf.SkMsg, asm.FnMsgRedirectHash) }},
	} {
		err := p.probe()
		if errors.Is(err, ebpf.ErrNotSupported) {
			return fmt.Errorf("%s: %w (%w)", p.what, gate.ErrNotSupported, err)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", p.what, err)
		}
	}
	return nil
}

// Redirect is a sockhash with its sk_msg program attached.
type Redirect struct {
	socks    *ebpf.Map // sockhash: local port -> socket
	routes   *ebpf.Map // hash: sender's local port -> target's local port
	prog     *ebpf.Program
	attached bool
	ports    map[uint32]int // local port -> fd, as put into socks
}

// maxSockets bounds the sockets of one Redirect.
const maxSockets = 64

// skMsgLocalPort is the offset of local_port (host byte order) in struct
// sk_msg_md (include/uapi/linux/bpf.h, stable since Linux 4.17).
const skMsgLocalPort = 64

// New makes the maps, loads the program and attaches it to the sockhash.
func New() (r *Redirect, err error) {
	r = &Redirect{ports: map[uint32]int{}}
	defer func() {
		if err != nil {
			r.Close()
			r = nil
		}
	}()
	r.socks, err = ebpf.NewMap(&ebpf.MapSpec{Name: "nn_socks", Type: ebpf.SockHash, KeySize: 4, ValueSize: 8, MaxEntries: maxSockets})
	if err != nil {
		return r, fmt.Errorf("creating the sockhash: %w", err)
	}
	r.routes, err = ebpf.NewMap(&ebpf.MapSpec{Name: "nn_routes", Type: ebpf.Hash, KeySize: 4, ValueSize: 4, MaxEntries: maxSockets})
	if err != nil {
		return r, fmt.Errorf("creating the route map: %w", err)
	}
	r.prog, err = ebpf.NewProgram(&ebpf.ProgramSpec{
		Name:         "nn_redirect",
		Type:         ebpf.SkMsg,
		License:      "GPL", // bpf_msg_redirect_hash is GPL-only
		Instructions: program(r.routes.FD(), r.socks.FD()),
	})
	if err != nil {
		return r, fmt.Errorf("loading the sk_msg program: %w", err)
	}
	// equiv: bpftool prog attach PROG msg_verdict map SOCKS
	if err := link.RawAttachProgram(link.RawAttachProgramOptions{Target: r.socks.FD(), Program: r.prog, Attach: ebpf.AttachSkMsgVerdict}); err != nil {
		return r, fmt.Errorf("attaching the sk_msg program to the sockhash: %w", err)
	}
	r.attached = true
	return r, nil
}

// program is, in C:
//
//	__u32 port = msg->local_port, *to = bpf_map_lookup_elem(&routes, &port);
//	if (!to) return SK_PASS;               // not routed: TCP as usual
//	__u32 key = *to;
//	return bpf_msg_redirect_hash(msg, &socks, &key, BPF_F_INGRESS);
func program(routes, socks int) asm.Instructions {
	const skPass, fIngress = 1, 1
	return asm.Instructions{
		asm.Mov.Reg(asm.R6, asm.R1), // the context, kept across calls
		asm.LoadMem(asm.R2, asm.R6, skMsgLocalPort, asm.Word),
		asm.StoreMem(asm.RFP, -4, asm.R2, asm.Word),
		asm.LoadMapPtr(asm.R1, routes),
		asm.Mov.Reg(asm.R2, asm.RFP),
		asm.Add.Imm(asm.R2, -4),
		asm.FnMapLookupElem.Call(),
		asm.JEq.Imm(asm.R0, 0, "pass"),
		asm.LoadMem(asm.R2, asm.R0, 0, asm.Word),
		asm.StoreMem(asm.RFP, -8, asm.R2, asm.Word),
		asm.Mov.Reg(asm.R1, asm.R6),
		asm.LoadMapPtr(asm.R2, socks),
		asm.Mov.Reg(asm.R3, asm.RFP),
		asm.Add.Imm(asm.R3, -8),
		asm.Mov.Imm(asm.R4, fIngress),
		asm.FnMsgRedirectHash.Call(), // SK_PASS, or SK_DROP if the target is gone
		asm.Return(),
		asm.Mov.Imm(asm.R0, skPass).WithSymbol("pass"),
		asm.Return(),
	}
}

// Route sends what is written on socket from to socket to's receive queue,
// as if to's own TCP peer had sent it. Both must be connected TCP sockets
// (descriptors of this process) with distinct local ports; both go into the
// sockhash. A socket in the hash without a route sends through TCP as usual.
func (r *Redirect) Route(from, to int) error {
	fp, err := r.add(from)
	if err != nil {
		return err
	}
	tp, err := r.add(to)
	if err != nil {
		return err
	}
	if err := r.routes.Put(fp, tp); err != nil {
		return fmt.Errorf("routing port %d to port %d: %w", fp, tp, err)
	}
	return nil
}

// Add puts a socket into the sockhash without a route: the program runs on
// its every sendmsg and passes the message on to TCP.
func (r *Redirect) Add(fd int) error {
	_, err := r.add(fd)
	return err
}

// add puts a socket into the sockhash under its local port.
func (r *Redirect) add(fd int) (uint32, error) {
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return 0, fmt.Errorf("getsockname(fd %d): %w", fd, err)
	}
	var port uint32
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		port = uint32(a.Port)
	case *unix.SockaddrInet6:
		port = uint32(a.Port)
	default:
		return 0, fmt.Errorf("fd %d is not a TCP socket (%T)", fd, sa)
	}
	if have, ok := r.ports[port]; ok {
		if have == fd {
			return port, nil
		}
		return 0, fmt.Errorf("fd %d: local port %d is already taken by fd %d in this sockhash", fd, port, have)
	}
	// (bpftool cannot do this: the value is a socket's descriptor in this process)
	if err := r.socks.Update(port, uint64(fd), ebpf.UpdateNoExist); err != nil {
		return 0, fmt.Errorf("putting fd %d (port %d) into the sockhash: %w", fd, port, err)
	}
	r.ports[port] = fd
	return port, nil
}

// Release takes every socket out of the sockhash, which is the only way to
// stop the program for them: a socket keeps the programs it got when it
// entered the hash. They are plain TCP sockets again; the routes stay, for
// sockets routed anew.
func (r *Redirect) Release() error {
	var errs []error
	for port := range r.ports {
		// equiv: bpftool map delete id MAP key PORT
		if err := r.socks.Delete(port); err != nil && !errors.Is(err, ebpf.ErrKeyNotExist) {
			errs = append(errs, fmt.Errorf("taking port %d out of the sockhash: %w", port, err))
			continue
		}
		delete(r.ports, port)
	}
	return errors.Join(errs...)
}

// IDs returns the kernel's IDs of the program and the two maps, as
// `bpftool prog` and `bpftool map` list them.
func (r *Redirect) IDs() (prog ebpf.ProgramID, maps []ebpf.MapID, err error) {
	pi, err := r.prog.Info()
	if err != nil {
		return 0, nil, err
	}
	prog, _ = pi.ID()
	for _, m := range []*ebpf.Map{r.socks, r.routes} {
		mi, err := m.Info()
		if err != nil {
			return 0, nil, err
		}
		id, _ := mi.ID()
		maps = append(maps, id)
	}
	return prog, maps, nil
}

// Close takes the sockets out of the sockhash, detaches the program and
// closes everything (repeatable). The sockets themselves stay open, back on
// plain TCP. Releasing them matters: a socket in the hash holds the program
// it runs, and the program holds the hash, so while such a socket lives
// neither is freed (closing the socket, or the process's death, ends that).
func (r *Redirect) Close() error {
	var errs []error
	if r.socks != nil {
		errs = append(errs, r.Release())
	}
	if r.attached {
		// Closing the map would detach it too; this says so in bpf(2) terms.
		err := link.RawDetachProgram(link.RawDetachProgramOptions{Target: r.socks.FD(), Program: r.prog, Attach: ebpf.AttachSkMsgVerdict})
		if err != nil {
			errs = append(errs, fmt.Errorf("detaching the sk_msg program: %w", err))
		}
		r.attached = false
	}
	// Closing a nil *ebpf.Map or *ebpf.Program does nothing.
	errs = append(errs, r.prog.Close(), r.socks.Close(), r.routes.Close())
	r.prog, r.socks, r.routes = nil, nil, nil
	return errors.Join(errs...)
}
