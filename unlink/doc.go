// Package unlink checks the notes on unlink versus rm: what removing a file
// really removes, and which system call each command makes.
//
// # What the notes say
//
// A file is an inode; a directory entry is a name for it. `stat` on a fresh
// file shows "Links: 1". unlink removes a name and lowers that count; the
// space is reclaimed only when the count is 0 and no process still has the
// file open. Under strace, `unlink 111` makes unlink("111") and `rm -f 111`
// makes unlinkat(AT_FDCWD, "111", 0); unlinkat is unlink, or rmdir with
// AT_REMOVEDIR, relative to a directory descriptor. unlink takes one file
// and no directories; rm does more.
//
// # What the tests found
//
// N1: a fresh file has nlink 1; link gives the same inode a second name and
// both names report 2; unlink removes one name (lstat: ENOENT), the other
// still reaches the same inode, data intact, nlink 1. Example_linkCount
// prints that sequence.
//
// N2 (root, for a tmpfs of its own that no mount table shows): a 24 MiB file
// kept open and unlinked has nlink 0 in fstat, its descriptor's link in
// /proc reads "/big (deleted)", its data is still readable and the free
// space does not move; the last close gives all 24 MiB back. Both
// conditions are needed: a file closed while another name remains keeps
// its space too.
//
// N3: the reader's own rm and unlink are traced with ptrace (internal/sysrec,
// no strace needed); the facts name each binary (its path, where its links
// lead, the first line of its --version) and every unlink, unlinkat and
// rmdir it made, and the verdict has a part per command. On the project
// machine (x86_64, GNU coreutils 9.1) the lines are exactly the notes':
// unlinkat(AT_FDCWD, "111", 0) = 0 and unlink("111") = 0. Go's own
// os.Remove could not stand in for them: it calls unlinkat too. The judge
// knows one picture it has not seen here: an architecture with no unlink
// system call (arm64), where the unlink part is refined, not refuted. The
// control, `rm -r dir`, removes the directory with
// unlinkat(AT_FDCWD, "dir", AT_REMOVEDIR) after unlinkat(fd, "f", 0) on
// its content, through a descriptor of the directory. The evidence names
// each program's maker and version (GNU coreutils, BusyBox, uutils): with
// busybox's rm first on PATH (Alpine, many containers) the rm part is
// refuted, since busybox's rm calls unlink(2). A drill puts a trash can in
// place of both programs (this test binary under their names, which
// renames and never unlinks) and gets both parts refuted, whatever the
// reader's userland or architecture.
//
// N4: unlinkat(dirfd, "f1", 0) removes the file in dirfd's directory after a
// chdir elsewhere (a file of the same name in the new working directory
// survives) and after the directory is renamed (its old path then gives
// ENOENT). With flags 0 it refuses a directory (EISDIR) like unlink; with
// AT_REMOVEDIR it refuses a file (ENOTDIR) and removes an empty directory,
// like rmdir.
//
// N5: unlink on a directory gives EISDIR (Linux's choice; POSIX also allows
// EPERM), AT_REMOVEDIR on a non-empty directory ENOTEMPTY, a missing path
// ENOENT. A socket file made by bind is unlinked like any file: connect then
// fails with ENOENT, while the listener lives on with the connections it
// already had. The unlink command refuses a second operand ("extra
// operand") and removes nothing; `rm -r` removes files and directories in
// one go.
//
// Each test gathers facts (its topic's file defines them, beside the
// claim's judge: links.go N1's, space.go N2's, commands.go N3's,
// unlinkat.go N4's, errors.go N5's) and hands them to the judge, which
// reads as the claim's rule; claims with an "and" (N1: a fresh file has one link / unlink decrements;
// N2: reclaimed / held; N3: rm / unlink; N4: like unlink / like rmdir /
// relative to a dir fd; N5: no directories / one file / rm does more) get a
// verdict per part. The judges are pure, so judge_test.go shows each rule
// going every way it can, with no file system needed: it feeds each judge
// the facts seen here and facts that refute it.
//
// # On other kernels
//
// `make matrix` runs these notes on Debian's 5.10, 6.1 and 6.12 under qemu,
// with this machine's coreutils `rm` and `unlink` (and the libraries they
// load) in the VM: N1-N5 get the same verdicts on all of them.
//
// Its busybox-userland scenario (`make matrix SCENARIOS=busybox-userland`)
// puts Debian's busybox 1.35 (busybox-static) in their place, linked as
// /usr/bin/rm and /usr/bin/unlink the way Alpine and many containers have
// them. There N3 is partly refuted on 6.12: the unlink part is confirmed,
// the rm part refuted, because busybox's `rm -f 111` makes unlink("111") = 0, and
// its `rm -r dir` makes unlink("dir/f") and rmdir("dir") by path, with no
// directory descriptor. The notes' unlinkat line is what GNU coreutils' rm
// does, not what every rm does.
//
// On arm64 (`make matrix ARCH=arm64`: Debian's arm64 6.1 and 6.12, with
// /bin/rm and /usr/bin/unlink from Debian's arm64 coreutils 9.1 and libc6)
// N3 is refined, its unlink part refined: arm64 has no unlink system call
// (its table, like every newer architecture's, has only unlinkat), so
// glibc's unlink() makes unlinkat(AT_FDCWD, "111", 0) and the notes'
// unlink("111") = 0 cannot occur. The evidence says so: `unlink 111`:
// exit 0, removed true, calls: unlinkat(AT_FDCWD, "111", 0) = 0, the same
// call as rm's, whose part stays confirmed. The control, `rm -r dir`, is
// the same as on x86_64. N1, N2, N4 and N5 get the same verdicts as on
// amd64: the kernel's rules for names, counts and descriptors do not
// depend on the architecture.
//
// Run the notes with `go test -v ./unlink` (N2 skips, naming the command to
// run it) and `go test -tags sudo -v ./unlink` (as root, or as yourself in a
// user namespace of the test's own).
package unlink
