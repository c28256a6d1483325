package uds

import (
	"fmt"
	"strings"

	"netnotes/internal/claims"
)

// BindFacts is what U1's test saw: a path before and after bind, and the
// endpoint strings naming it (and an abstract name), dialled.
type BindFacts struct {
	Path          string
	ExistedBefore bool   // something was at Path before bind
	FileType      string // at Path after bind: "socket", "regular", "none", ...
	Inode         uint64 // of that file
	Dials         []EndpointDial
	BoundBy       string `json:",omitempty"` // the server that bound it, when not the test: "podman system service ..."
}

// EndpointDial is one endpoint string, parsed and dialled.
type EndpointDial struct {
	Endpoint string
	Names    string // the server it names: "path" (bound at Path) or "abstract"
	Reached  string // the server that answered, "" if none did
	Err      string // the dial's error, "" if it connected
}

// judgeBind is U1's rule. The claim says two things:
//
//   - file: bind creates the socket's address as a file, of type socket,
//     where there was none. Refuted if nothing is there after bind, or
//     something else, or it was there before.
//   - endpoint: a unix:// endpoint names that path: parsed, it dials the
//     server bound there. Refuted if a unix:// form does not reach it;
//     refined if unix:// does but another form (unix:path, unix:@name)
//     misses its server.
func judgeBind(f BindFacts) claims.Finding {
	return claims.Combine(
		claims.P("file", judgeBindFile(f)),
		claims.P("endpoint", judgeEndpoints(f.Dials)),
	)
}

var _ = claims.Register("U1", judgeBind)

func judgeBindFile(f BindFacts) claims.Finding {
	switch {
	case f.ExistedBefore:
		return claims.Refute("%s existed before bind, so bind did not make it (after bind: %s)", f.Path, f.FileType)
	case f.FileType != "socket":
		return claims.Refute("after bind, %s is %s, not a socket file", f.Path, f.FileType)
	}
	by := ""
	if f.BoundBy != "" {
		by = " (bound by " + f.BoundBy + ")"
	}
	return claims.Confirm("bind made %s, a socket file (S_IFSOCK, inode %d), where there was none%s", f.Path, f.Inode, by)
}

func judgeEndpoints(dials []EndpointDial) claims.Finding {
	var good, uri, other []string
	for _, d := range dials {
		if d.Reached == d.Names {
			good = append(good, d.Endpoint+" -> "+d.Reached)
			continue
		}
		missed := fmt.Sprintf("%s reached %q, not the %s server (%s)", d.Endpoint, d.Reached, d.Names, d.Err)
		if strings.HasPrefix(d.Endpoint, "unix://") {
			uri = append(uri, missed)
		} else {
			other = append(other, missed)
		}
	}
	switch {
	case !anyURI(dials):
		return claims.SkipPart("no unix:// endpoint was dialled")
	case len(uri) > 0:
		return claims.Refute("%s", strings.Join(uri, "; "))
	case len(other) > 0:
		return claims.Refine("unix:// named the path, but %s", strings.Join(other, "; "))
	}
	return claims.Confirm("each endpoint, parsed, dialled the server it names: %s", strings.Join(good, ", "))
}

func anyURI(dials []EndpointDial) bool {
	for _, d := range dials {
		if strings.HasPrefix(d.Endpoint, "unix://") {
			return true
		}
	}
	return false
}
