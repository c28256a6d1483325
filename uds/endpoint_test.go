package uds

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"netnotes/internal/claims"
)

// The notes: crictl's `runtime-endpoint: unix:///var/run/containerd/containerd.sock`
// "is the file path a UDS binds to": the address is a sockaddr_un with
// family AF_UNIX, and bind creates the file.
func TestU1BindCreatesTheFileAnEndpointNames(t *testing.T) {
	v := claims.Check(t, "U1")
	dir := socketDir(t)
	f := BindFacts{Path: filepath.Join(dir, "containerd.sock")}

	// Before bind there is no file: bind is what makes it.
	_, err := os.Lstat(f.Path)
	f.ExistedBefore = !errors.Is(err, fs.ErrNotExist)
	l, err := net.Listen("unix", f.Path)
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	go answerWith(l, "path")
	abstract := abstractName("u1")
	al, err := net.Listen("unix", "@"+abstract)
	require.NoError(t, err)
	t.Cleanup(func() { al.Close() })
	go answerWith(al, "abstract")
	f.FileType, f.Inode = fileType(t, f.Path)

	// Each endpoint form, parsed, dials the server it names. The relative
	// form resolves against the working directory, as ./uds_demo.sock does.
	t.Chdir(dir)
	for _, d := range []EndpointDial{
		{Endpoint: "unix://" + f.Path, Names: "path"},
		{Endpoint: "unix:" + f.Path, Names: "path"},
		{Endpoint: "unix:containerd.sock", Names: "path"},
		{Endpoint: "unix:@" + abstract, Names: "abstract"},
		{Endpoint: "unix-abstract:" + abstract, Names: "abstract"},
	} {
		e, err := ParseEndpoint(d.Endpoint)
		require.NoError(t, err, d.Endpoint)
		if d.Reached, err = ask(e); err != nil {
			d.Err = errnoName(err)
		}
		f.Dials = append(f.Dials, d)
	}

	claims.Judge(v, f, judgeBind)
}

// Malformed endpoints get an error that says what is wrong.
func TestParseEndpointRefusesMalformed(t *testing.T) {
	for _, b := range []struct {
		endpoint string
		want     error
	}{
		{"tcp://127.0.0.1:10010", ErrScheme},
		{"/var/run/containerd/containerd.sock", ErrScheme},
		{"unix://var/run/containerd/containerd.sock", ErrAuthority},
		{"unix://", ErrEmptyPath},
		{"unix:", ErrEmptyPath},
		{"unix:@", ErrEmptyPath},
		{"unix:///" + strings.Repeat("p", MaxPathLen), ErrTooLong},
		{"unix:@" + strings.Repeat("a", MaxAbstractLen+1), ErrTooLong},
		{"unix:/tmp/a\x00b", ErrNUL},
	} {
		_, err := ParseEndpoint(b.endpoint)
		assert.ErrorIs(t, err, b.want, "%q", b.endpoint)
	}
}

// fileType says what is at path ("socket", "regular", "none", ...) and its
// inode, as lstat sees it.
func fileType(t testing.TB, path string) (string, uint64) {
	t.Helper()
	var st unix.Stat_t
	err := unix.Lstat(path, &st)
	if errors.Is(err, unix.ENOENT) {
		return "none", 0
	}
	if err != nil {
		t.Fatalf("lstat %s: %v", path, err)
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFSOCK:
		return "socket", st.Ino
	case unix.S_IFREG:
		return "regular", st.Ino
	case unix.S_IFDIR:
		return "directory", st.Ino
	case unix.S_IFLNK:
		return "symlink", st.Ino
	}
	return fmt.Sprintf("mode %#o", st.Mode&unix.S_IFMT), st.Ino
}

// answerWith accepts connections until l closes and tells each who it is.
func answerWith(l net.Listener, name string) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		_, _ = c.Write([]byte(name))
		c.Close()
	}
}

// ask dials an endpoint and reads what the server says.
func ask(e Endpoint) (string, error) {
	c, err := e.Dial()
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	b, err := io.ReadAll(c)
	return string(b), err
}

func TestParseEndpointForms(t *testing.T) {
	for in, want := range map[string]Endpoint{
		"unix:///var/run/containerd/containerd.sock":   {Name: "/var/run/containerd/containerd.sock"},
		"unix:/run/crio/crio.sock":                     {Name: "/run/crio/crio.sock"},
		"unix:./uds_demo.sock":                         {Name: "./uds_demo.sock"},
		"unix:@containerd-shim":                        {Name: "containerd-shim", Abstract: true},
		"unix-abstract:grpc":                           {Name: "grpc", Abstract: true},
		"unix:///" + strings.Repeat("p", MaxPathLen-1): {Name: "/" + strings.Repeat("p", MaxPathLen-1)},
	} {
		got, err := ParseEndpoint(in)
		if assert.NoError(t, err, in) {
			assert.Equal(t, want, got, in)
			again, err := ParseEndpoint(got.String())
			assert.NoError(t, err, "String() of %q: %q", in, got.String())
			assert.Equal(t, got, again, "round trip through %q", got.String())
		}
	}
	_, err := ParseEndpoint("http://x")
	assert.True(t, errors.Is(err, ErrScheme), "%v", err)
}

// The endpoint crictl's configuration names, and the mistakes people make
// writing one.
func ExampleParseEndpoint() {
	for _, s := range []string{
		"unix:///var/run/containerd/containerd.sock",
		"unix:uds_demo.sock",
		"unix:@containerd-shim",
		"unix://var/run/containerd/containerd.sock",
		"tcp://127.0.0.1:10010",
	} {
		e, err := ParseEndpoint(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%s: path %q abstract %v\n", e, e.Name, e.Abstract)
	}
	// Output:
	// unix:///var/run/containerd/containerd.sock: path "/var/run/containerd/containerd.sock" abstract false
	// unix:uds_demo.sock: path "uds_demo.sock" abstract false
	// unix:@containerd-shim: path "containerd-shim" abstract true
	// endpoint "unix://var/run/containerd/containerd.sock": unix:// takes no host: host "var"; a path needs three slashes: "unix:///var/run/containerd/containerd.sock"
	// endpoint "tcp://127.0.0.1:10010": not a unix endpoint: scheme "tcp"; want "unix" (or "unix-abstract")
}

// Any input gets an endpoint or an error, never a panic; an endpoint's
// canonical form parses back to itself.
func FuzzParseEndpoint(f *testing.F) {
	for _, s := range []string{"unix:///var/run/containerd/containerd.sock", "unix:x", "unix:@a", "unix-abstract:a", "unix://h/p", "tcp://x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := ParseEndpoint(s)
		if err != nil {
			return
		}
		again, err := ParseEndpoint(e.String())
		if err != nil || again != e {
			t.Fatalf("%q parsed to %+v, whose String %q parses to %+v, %v", s, e, e.String(), again, err)
		}
	})
}
