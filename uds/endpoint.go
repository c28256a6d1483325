package uds

import (
	"errors"
	"fmt"
	"net"
	"strings"
)

// MaxPathLen is the longest socket path Go (and C's strcpy into sun_path)
// can bind or dial: sun_path holds 108 bytes, one of them the closing NUL.
// The kernel itself takes 108 without the NUL (see the U7 note).
const MaxPathLen = 107

// MaxAbstractLen is the longest abstract name: sun_path minus its leading NUL.
const MaxAbstractLen = 107

// Errors ParseEndpoint wraps, for errors.Is.
var (
	ErrScheme    = errors.New("not a unix endpoint")
	ErrEmptyPath = errors.New("no socket path")
	ErrAuthority = errors.New("unix:// takes no host")
	ErrTooLong   = errors.New("longer than sun_path allows")
	ErrNUL       = errors.New("NUL byte in the name")
)

// Endpoint is the address of a Unix domain socket, parsed from the endpoint
// strings container tools write: crictl's and containerd's
// "unix:///var/run/containerd/containerd.sock", and gRPC's "unix:path" and,
// for an abstract socket, "unix:@name" (also "unix-abstract:name").
type Endpoint struct {
	Name     string // the socket file's path, or the abstract name without '@'
	Abstract bool   // the name lives in the network namespace, not the filesystem
}

// ParseEndpoint parses a unix endpoint string. The forms are
//
//	unix:///abs/path     an absolute path (the URI form; three slashes)
//	unix:path            a path, relative to the working directory, or absolute
//	unix:@name           an abstract name (Linux), no file anywhere
//	unix-abstract:name   the same, as gRPC spells it
//
// Anything else is an error saying what is wrong: another scheme, a host
// in unix://host/path, an empty path, a NUL byte, or a name that does not
// fit sun_path.
func ParseEndpoint(s string) (Endpoint, error) {
	fail := func(err error, format string, args ...any) (Endpoint, error) {
		return Endpoint{}, fmt.Errorf("endpoint %q: %w: %s", s, err, fmt.Sprintf(format, args...))
	}
	scheme, rest, ok := strings.Cut(s, ":")
	switch {
	case !ok:
		return fail(ErrScheme, `no scheme; write "unix:%s" or "unix://%s"`, s, s)
	case scheme == "unix-abstract":
		rest = "@" + rest
	case scheme != "unix":
		return fail(ErrScheme, `scheme %q; want "unix" (or "unix-abstract")`, scheme)
	}

	if after, found := strings.CutPrefix(rest, "//"); found {
		// The URI form: an authority (empty here), then an absolute path.
		if after == "" {
			return fail(ErrEmptyPath, "nothing after unix://")
		}
		if host, _, _ := strings.Cut(after, "/"); host != "" {
			return fail(ErrAuthority, `host %q; a path needs three slashes: "unix:///%s"`, host, after)
		}
		rest = after
	}

	e := Endpoint{Name: rest}
	if name, found := strings.CutPrefix(rest, "@"); found {
		e = Endpoint{Name: name, Abstract: true}
	}
	switch {
	case e.Name == "" && e.Abstract:
		return fail(ErrEmptyPath, "empty abstract name")
	case e.Name == "":
		return fail(ErrEmptyPath, "empty path")
	case strings.IndexByte(e.Name, 0) >= 0:
		return fail(ErrNUL, "sun_path would end at the NUL")
	case e.Abstract && len(e.Name) > MaxAbstractLen:
		return fail(ErrTooLong, "abstract name is %d bytes, at most %d fit", len(e.Name), MaxAbstractLen)
	case !e.Abstract && len(e.Name) > MaxPathLen:
		return fail(ErrTooLong, "path is %d bytes, at most %d fit (sun_path is 108 with the closing NUL)", len(e.Name), MaxPathLen)
	}
	return e, nil
}

// Addr returns the address for net.Dial and net.Listen, which spell an
// abstract name with a leading '@'.
func (e Endpoint) Addr() *net.UnixAddr {
	if e.Abstract {
		return &net.UnixAddr{Net: "unix", Name: "@" + e.Name}
	}
	return &net.UnixAddr{Net: "unix", Name: e.Name}
}

// Dial connects to the endpoint's stream socket.
func (e Endpoint) Dial() (*net.UnixConn, error) {
	return net.DialUnix("unix", nil, e.Addr())
}

// String returns the endpoint in its canonical form: unix:///abs/path,
// unix:rel/path or unix:@name.
func (e Endpoint) String() string {
	switch {
	case e.Abstract:
		return "unix:@" + e.Name
	case strings.HasPrefix(e.Name, "/"):
		return "unix://" + e.Name
	}
	return "unix:" + e.Name
}
