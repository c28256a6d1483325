// Package sockdiag asks the kernel about AF_UNIX sockets through sock_diag
// (NETLINK_SOCK_DIAG), with the attributes vishvananda/netlink does not
// request: the bound file's inode and device (UDIAG_SHOW_VFS), the pending
// connections of a listener (UDIAG_SHOW_ICONS), its queue figures
// (UDIAG_SHOW_RQLEN) and the owner's uid (UDIAG_SHOW_UID).
//
// This is what `ss -x` reads. ss's second column pair ("Local Address:Port")
// holds the socket's own inode; `ss -xe` adds "ino:I dev:MAJ/MIN", the
// inode and device of the file the socket is bound to.
//
// A sock_diag socket sees the sockets of the network namespace it was made
// in: call these functions inside sandbox's NS.Do to look into a namespace.
package sockdiag

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

// What a request asks the kernel to add to each answer
// (UDIAG_SHOW_* in linux/unix_diag.h).
const (
	ShowName  uint32 = 1 << 0 // the bound name: a path, or "@name" for an abstract one
	ShowVFS   uint32 = 1 << 1 // inode and device of the bound file
	ShowPeer  uint32 = 1 << 2 // the peer's socket inode
	ShowIcons uint32 = 1 << 3 // a listener's pending (not yet accepted) connections
	ShowRQLen uint32 = 1 << 4 // receive queue length, and a listener's backlog
	ShowUID   uint32 = 1 << 6 // the uid that opened the socket (Linux 5.3+)
	ShowAll          = ShowName | ShowVFS | ShowPeer | ShowIcons | ShowRQLen | ShowUID
	statesAll        = ^uint32(0)
	noCookie         = ^uint32(0) // INET_DIAG_NOCOOKIE: match by inode alone
	reqSize          = 24         // struct unix_diag_req
	msgSize          = 16         // struct unix_diag_msg
	attrName         = 0          // UNIX_DIAG_NAME
	attrVFS          = 1          // UNIX_DIAG_VFS
	attrPeer         = 2          // UNIX_DIAG_PEER
	attrIcons        = 3          // UNIX_DIAG_ICONS
	attrRQLen        = 4          // UNIX_DIAG_RQLEN
	attrUID          = 7          // UNIX_DIAG_UID
)

// States of a unix socket as sock_diag reports them (the TCP_* numbers).
const (
	StateEstablished = 1  // connected (TCP_ESTABLISHED)
	StateClose       = 7  // unconnected (TCP_CLOSE)
	StateListen      = 10 // listening (TCP_LISTEN)
)

// VFS is the bound file as the kernel knows it.
type VFS struct {
	Ino uint32 // the file's inode: what stat(2) and `ls -i` show
	Dev uint32 // its device in the kernel's encoding, major<<20 | minor
}

// Major and Minor decode Dev. stat(2)'s st_dev uses another encoding, so
// compare unix.Major(st.Dev) and unix.Minor(st.Dev) with these.
func (v VFS) Major() uint32 { return v.Dev >> 20 }

// Minor: see Major.
func (v VFS) Minor() uint32 { return v.Dev & (1<<20 - 1) }

// Unix is what sock_diag says about one AF_UNIX socket. Fields whose Show
// bit was not requested, or which the kernel did not send, are zero or nil.
type Unix struct {
	Inode uint32 // the socket's own (sockfs) inode: what ss and netstat show
	Type  uint8  // unix.SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET
	State uint8  // StateListen, StateEstablished, ...

	Name  string   // ShowName: bound path, "@name" when abstract, "" if unbound
	VFS   *VFS     // ShowVFS: only for sockets bound to a path
	Peer  uint32   // ShowPeer: the peer socket's inode
	Icons []uint32 // ShowIcons: inodes of the connections waiting in accept's queue

	// ShowRQLen. For a listener: RQueue is the number of connections
	// waiting to be accepted and WQueue its backlog (ss: Recv-Q, Send-Q);
	// otherwise RQueue is the bytes waiting to be read.
	RQueue, WQueue uint32
	HasRQLen       bool

	UID    uint32 // ShowUID
	HasUID bool
}

// ByInode asks about the one socket with the given (sockfs) inode.
// equiv: ss -xae | grep INODE
func ByInode(inode, show uint32) (Unix, error) {
	socks, err := query(inode, show, 0)
	if err != nil {
		return Unix{}, fmt.Errorf("sock_diag unix inode %d: %w", inode, err)
	}
	if len(socks) != 1 {
		return Unix{}, fmt.Errorf("sock_diag unix inode %d: %d answers", inode, len(socks))
	}
	return socks[0], nil
}

// Dump lists every AF_UNIX socket of the caller's network namespace.
// equiv: ss -xae
func Dump(show uint32) ([]Unix, error) {
	socks, err := query(0, show, unix.NLM_F_DUMP)
	if err != nil {
		return nil, fmt.Errorf("sock_diag unix dump: %w", err)
	}
	return socks, nil
}

// SocketInode returns the sockfs inode of a socket fd, the number ss shows
// and /proc/PID/fd/FD links to as socket:[N].
func SocketInode(fd int) (uint32, error) {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return 0, fmt.Errorf("fstat socket fd %d: %w", fd, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFSOCK {
		return 0, fmt.Errorf("fd %d is not a socket (mode %#o)", fd, st.Mode)
	}
	return uint32(st.Ino), nil
}

func query(inode, show uint32, flags uint16) ([]Unix, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, unix.NETLINK_SOCK_DIAG)
	if err != nil {
		return nil, fmt.Errorf("socket(AF_NETLINK, NETLINK_SOCK_DIAG): %w", err)
	}
	defer unix.Close(fd)

	const seq = 1
	ne := binary.NativeEndian
	req := make([]byte, unix.SizeofNlMsghdr+reqSize)
	ne.PutUint32(req[0:], uint32(len(req)))
	ne.PutUint16(req[4:], unix.SOCK_DIAG_BY_FAMILY)
	ne.PutUint16(req[6:], unix.NLM_F_REQUEST|flags)
	ne.PutUint32(req[8:], seq)
	body := req[unix.SizeofNlMsghdr:]
	body[0] = unix.AF_UNIX // sdiag_family; sdiag_protocol and pad stay 0
	ne.PutUint32(body[4:], statesAll)
	ne.PutUint32(body[8:], inode)
	ne.PutUint32(body[12:], show)
	ne.PutUint32(body[16:], noCookie)
	ne.PutUint32(body[20:], noCookie)
	if err := unix.Sendto(fd, req, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return nil, fmt.Errorf("sending the request: %w", err)
	}

	var socks []Unix
	buf := make([]byte, 64*1024)
	for {
		n, _, err := unix.Recvfrom(fd, buf, 0)
		if err != nil {
			return nil, fmt.Errorf("reading the answer: %w", err)
		}
		b := buf[:n]
		for len(b) >= unix.SizeofNlMsghdr {
			length := ne.Uint32(b[0:])
			typ := ne.Uint16(b[4:])
			if length < unix.SizeofNlMsghdr || int(length) > len(b) {
				return nil, fmt.Errorf("malformed netlink message (length %d of %d)", length, len(b))
			}
			payload := b[unix.SizeofNlMsghdr:length]
			b = b[align(int(length)):]
			switch typ {
			case unix.NLMSG_DONE:
				return socks, nil
			case unix.NLMSG_ERROR:
				if len(payload) < 4 {
					return nil, errors.New("short NLMSG_ERROR")
				}
				if errno := -int32(ne.Uint32(payload)); errno != 0 {
					return nil, unix.Errno(errno)
				}
				return socks, nil // an ACK
			case unix.SOCK_DIAG_BY_FAMILY:
				s, err := parse(payload)
				if err != nil {
					return nil, err
				}
				socks = append(socks, s)
				if flags&unix.NLM_F_DUMP == 0 {
					return socks, nil // an exact request has one answer and no DONE
				}
			}
		}
	}
}

func align(n int) int { return (n + 3) &^ 3 }

func parse(b []byte) (Unix, error) {
	ne := binary.NativeEndian
	if len(b) < msgSize {
		return Unix{}, fmt.Errorf("short unix_diag_msg (%d bytes)", len(b))
	}
	if b[0] != unix.AF_UNIX {
		return Unix{}, fmt.Errorf("answer for family %d, want AF_UNIX", b[0])
	}
	s := Unix{Type: b[1], State: b[2], Inode: ne.Uint32(b[4:])}
	attrs := b[msgSize:]
	for len(attrs) >= 4 {
		l, typ := int(ne.Uint16(attrs[0:])), ne.Uint16(attrs[2:])
		if l < 4 || l > len(attrs) {
			return Unix{}, fmt.Errorf("malformed attribute (length %d of %d)", l, len(attrs))
		}
		v := attrs[4:l]
		switch typ {
		case attrName:
			if len(v) > 0 && v[0] == 0 {
				s.Name = "@" + string(v[1:]) // abstract, as ss and /proc/net/unix print it
			} else {
				s.Name = strings.TrimRight(string(v), "\x00") // the path's NUL, when bind counted it
			}
		case attrVFS:
			if len(v) >= 8 {
				s.VFS = &VFS{Ino: ne.Uint32(v[0:]), Dev: ne.Uint32(v[4:])}
			}
		case attrPeer:
			if len(v) >= 4 {
				s.Peer = ne.Uint32(v)
			}
		case attrIcons:
			for i := 0; i+4 <= len(v); i += 4 {
				s.Icons = append(s.Icons, ne.Uint32(v[i:]))
			}
		case attrRQLen:
			if len(v) >= 8 {
				s.RQueue, s.WQueue, s.HasRQLen = ne.Uint32(v[0:]), ne.Uint32(v[4:]), true
			}
		case attrUID:
			if len(v) >= 4 {
				s.UID, s.HasUID = ne.Uint32(v), true
			}
		}
		if align(l) >= len(attrs) {
			break
		}
		attrs = attrs[align(l):]
	}
	return s, nil
}
