package runtimens

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"netnotes/internal/gate"
)

// sleeper is the containers' one program: it waits to be killed.
const sleeper = `package main

import "os/signal"
import "os"
import "syscall"

func main() {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGTERM, syscall.SIGINT)
	<-c
}
`

// Rootfs builds a container's root filesystem in a temporary directory:
// one static program, /sleeper, compiled from source with the Go toolchain
// that runs the tests (CGO_ENABLED=0: no libc needed inside). Nothing is
// pulled from a registry. It skips when no go command is at hand.
func Rootfs(t testing.TB) string {
	t.Helper()
	goCmd, err := exec.LookPath("go")
	if err != nil {
		gate.Skip(t, "a container's program is compiled from source, and no go command is on PATH (%v): run the notes with `go test`", err)
	}
	src := t.TempDir()
	for name, text := range map[string]string{"main.go": sleeper, "go.mod": "module sleeper\n\ngo 1.21\n"} {
		if err := os.WriteFile(filepath.Join(src, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	root := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, goCmd, "build", "-o", filepath.Join(root, "sleeper"), ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=", "GOWORK=off", "GOTOOLCHAIN=local")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the container's program: %v: %s", err, out)
	}
	return root
}
