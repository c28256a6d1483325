package uds

import (
	"strconv"
	"testing"

	"netnotes/internal/claims"
)

func TestJudgeU5Inodes(t *testing.T) {
	run := func(socket uint64) InodeRun {
		return InodeRun{SocketInode: socket, SocketDev: "0:9", FdLink: "socket:[" + strconv.FormatUint(socket, 10) + "]", ProcNetUnix: []uint64{socket}, DiagInode: uint32(socket),
			DiagName: "/tmp/nn3264051693/uds_demo.sock", FileInode: 10000874, FileDev: "254:0", DiagVFS: &DiagVFS{Inode: 10000874, Dev: "254:0"}}
	}
	seen := InodeFacts{Runs: []InodeRun{run(110799), run(110806)}}
	// A kernel whose listings printed the file's inode: nothing to explain.
	same := InodeFacts{Runs: []InodeRun{run(110799)}}
	same.Runs[0].ProcNetUnix, same.Runs[0].DiagInode = []uint64{10000874}, 10000874
	// The numbers differ, but sock_diag does not name the file.
	noVFS := InodeFacts{Runs: []InodeRun{run(110799)}}
	noVFS.Runs[0].DiagVFS = nil

	claims.TestJudge(t, "U5", judgeInodes, []claims.Case[InodeFacts]{
		{Name: "seen on 6.18: two inodes", Facts: seen, Want: claims.Refined,
			Parts: map[string]string{"differ": claims.Confirmed, "why": claims.Refined}},
		{Name: "refutable only by a kernel whose sock_diag reports the socket file's inode (no Linux kernel does)", Facts: same, Want: claims.Refuted,
			Parts: map[string]string{"differ": claims.Refuted, "why": claims.Skipped}},
		{Name: "different, the TODO open", Facts: noVFS, Want: claims.Confirmed,
			Parts: map[string]string{"differ": claims.Confirmed, "why": claims.Skipped}},
	})
}
