package vm

import (
	"bytes"
	"context"
	"debug/elf"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/cavaliergopher/cpio"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/ulikunitz/xz"
)

func TestVersionLessOrdersKernelPackages(t *testing.T) {
	assert.True(t, versionLess("linux-image-6.1.0-9-cloud-amd64", "linux-image-6.1.0-37-cloud-amd64"))
	assert.True(t, versionLess("linux-image-6.12.9+deb12-cloud-amd64", "linux-image-6.12.117+deb12-cloud-amd64"))
	assert.False(t, versionLess("linux-image-5.10.0-46-cloud-amd64", "linux-image-5.10.0-46-cloud-amd64"))
}

// The initramfs is a newc archive the kernel can unpack: directories come
// before their files, modes and contents survive.
func TestInitramfsRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	a := NewInitramfs(&buf)
	a.File("/init", []byte("#!init"), 0o755)
	a.File("/modules/00-llc.ko", []byte("llc"), 0o644)
	a.File("/modules/01-stp.ko", []byte("stp"), 0o644)
	require.NoError(t, a.Close())
	r := cpio.NewReader(&buf)
	var names []string
	contents := map[string]string{}
	for {
		h, err := r.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		names = append(names, h.Name)
		if h.Mode.IsRegular() {
			b, err := io.ReadAll(r)
			require.NoError(t, err)
			contents[h.Name] = string(b)
			if h.Name == "init" {
				assert.Equal(t, cpio.FileMode(0o755), h.Mode.Perm())
			}
		} else {
			assert.True(t, h.Mode.IsDir(), "%s mode %v", h.Name, h.Mode)
		}
	}
	assert.Equal(t, []string{"init", "modules", "modules/00-llc.ko", "modules/01-stp.ko"}, names)
	assert.Equal(t, "stp", contents["modules/01-stp.ko"])
}

// fakeModule writes an ELF relocatable with a .modinfo section, as a
// kernel module is, compressed with xz when name ends in .xz.
func fakeModule(t *testing.T, path, modinfo string) {
	t.Helper()
	if _, err := exec.LookPath("objcopy"); err != nil {
		t.Skip("needs objcopy (binutils) to make a fake module")
	}
	dir := t.TempDir()
	obj := filepath.Join(dir, "m.o")
	info := filepath.Join(dir, "info")
	require.NoError(t, os.WriteFile(info, []byte(modinfo), 0o644))
	// An empty ELF object: objcopy adds the section to a copy of one.
	self, err := os.Executable()
	require.NoError(t, err)
	out, err := exec.Command("objcopy", "-O", "elf64-x86-64", "--only-section=.note*", "--add-section", ".modinfo="+info, self, obj).CombinedOutput()
	require.NoError(t, err, "%s", out)
	data, err := os.ReadFile(obj)
	require.NoError(t, err)
	if filepath.Ext(path) == ".xz" {
		var b bytes.Buffer
		w, err := xz.NewWriter(&b)
		require.NoError(t, err)
		_, err = w.Write(data)
		require.NoError(t, err)
		require.NoError(t, w.Close())
		data = b.Bytes()
	}
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, data, 0o644))
}

// The modules the notes need come with their dependencies, dependencies
// first, from each module's .modinfo (a .deb has no modules.dep); .ko.xz
// files are read through xz.
func TestModulesForFollowsModinfoDepends(t *testing.T) {
	root := t.TempDir()
	mods := filepath.Join(root, "lib/modules/6.1.0-1-cloud-amd64")
	fakeModule(t, filepath.Join(mods, "kernel/net/bridge/bridge.ko.xz"), "license=GPL\x00depends=stp,llc\x00")
	fakeModule(t, filepath.Join(mods, "kernel/net/802/stp.ko.xz"), "depends=llc\x00")
	fakeModule(t, filepath.Join(mods, "kernel/net/llc/llc.ko.xz"), "depends=\x00")
	fakeModule(t, filepath.Join(mods, "kernel/drivers/net/veth.ko"), "depends=\x00")
	require.NoError(t, os.WriteFile(filepath.Join(mods, "modules.builtin"), []byte("kernel/net/unix/unix_diag.ko\n"), 0o644))
	k := &Kernel{Package: "linux-image-test", Release: "6.1.0-1-cloud-amd64", root: root}

	got, err := k.ModulesFor([]string{"veth", "bridge", "unix_diag"})
	require.NoError(t, err)
	var names []string
	for _, m := range got {
		names = append(names, m.Name)
	}
	assert.Equal(t, []string{"veth", "llc", "stp", "bridge"}, names, "unix_diag is built in: nothing to load")

	data, err := ModuleBytes(got[3])
	require.NoError(t, err)
	_, err = elf.NewFile(bytes.NewReader(data))
	assert.NoError(t, err, "bridge.ko.xz decompressed to an ELF object")

	_, err = k.ModulesFor([]string{"sch_netem"})
	assert.ErrorContains(t, err, "module sch_netem is neither in the package nor built in")
	assert.ErrorContains(t, err, "linux-image-test")
}

// Every VM loads the netfilter modules (nft_counter only where it is a
// module of its own, as on 5.10) unless the scenario says netfilter=off;
// the scenario's own modules come last.
func TestModuleNamesLeaveNetfilterOutOnlyWhenAsked(t *testing.T) {
	root := t.TempDir()
	mods := filepath.Join(root, "lib/modules/5.10.0-1-cloud-amd64")
	fakeModule(t, filepath.Join(mods, "kernel/net/netfilter/nft_counter.ko"), "depends=nf_tables\x00")
	k := &Kernel{Package: "linux-image-test", Release: "5.10.0-1-cloud-amd64", root: root}

	all := k.ModuleNames(&Scenario{Modules: []string{"ipip"}})
	assert.Equal(t, append(append(append(append([]string(nil), Modules...), NetfilterModules...), "nft_counter"), "ipip"), all)
	assert.Equal(t, append(append([]string(nil), Modules...), "ipip"), k.ModuleNames(&Scenario{NoNetfilter: true, Modules: []string{"ipip"}}))

	k.Release = "6.1.0-1-cloud-amd64" // no nft_counter.ko: part of nf_tables there
	assert.NotContains(t, k.ModuleNames(&Scenario{}), "nft_counter")
}

// The data port's stream: framing lines around each package's test2json
// output; a stream cut off names what was cut.
func TestParseFrames(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("needs the go command (go tool test2json)")
	}
	data := "\n" + Frame + "module 00-llc ok\n" +
		"\n" + Frame + "module 01-veth error exec format error\n" +
		"\n" + Frame + "begin netnotes/alpha\n" +
		"=== RUN   TestA\n    a_test.go:9: claim A1: confirmed — seen\n--- PASS: TestA (0.00s)\nPASS\n" +
		"\n" + Frame + "end netnotes/alpha exit 0\n" +
		"\n" + Frame + "begin netnotes/beta\n" +
		"=== RUN   TestB\n"
	r := &Result{}
	r.parse(context.Background(), []byte(data))
	assert.Equal(t, []string{"00-llc ok", "01-veth error exec format error"}, r.Modules)
	assert.Contains(t, r.Problems, "module 01-veth error exec format error")
	assert.Contains(t, r.Problems, "netnotes/beta: cut off before it ended")
	assert.False(t, r.done)
	assert.Contains(t, string(r.JSON), `"Package":"netnotes/alpha"`)
	assert.Contains(t, string(r.JSON), `claim A1: confirmed — seen`)
	assert.Contains(t, string(r.JSON), `"Action":"pass","Package":"netnotes/alpha","Test":"TestA"`)
	assert.Contains(t, string(r.JSON), `"Package":"netnotes/beta"`)
}

// What a runner killed before its cleanup left is swept; a live runner's
// files are not.
func TestSweepRemovesOnlyDeadRunnersFiles(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	dead := filepath.Join(os.TempDir(), "netnotes-vm-4194304-initrd-1") // above pid_max's limit: never alive
	alive := filepath.Join(os.TempDir(), tempPrefix()+"serial-1")
	require.NoError(t, os.WriteFile(dead, []byte("cpio"), 0o644))
	require.NoError(t, os.Mkdir(alive, 0o755))
	assert.Equal(t, []string{filepath.Base(dead)}, Sweep())
	assert.NoFileExists(t, dead)
	assert.DirExists(t, alive)
}

// A scenario's drill pass runs only the drills it names, whatever the
// main pass ran or skipped.
func TestDrillArgs(t *testing.T) {
	assert.Equal(t, []string{"-test.v=test2json", "-test.short", "-test.run", "^TestDrill(?:N3)"},
		drillArgs([]string{"-test.v=test2json", "-test.short", "-test.run", "L1", "-test.skip", "^TestDrill"}, "N3"))
	assert.Equal(t, []string{"-test.short", "-test.run", "^TestDrill(?:N3)"},
		drillArgs([]string{"-test.short", "-test.run=L1", "-test.skip=^TestDrill"}, "N3"))
}

// The initramfs of a scenario: its sysctls and tracefs in the plan, a
// drill pass after the notes, busybox in place of the host's rm and
// unlink (linked, as Alpine has them); the plain run's has none of it.
func TestInitramfsOfAScenario(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(data), 0o755))
		return p
	}
	p := &Payload{Init: write("init", "init"), Tests: map[string]string{"netnotes/unlink": write("unlink.test", "test")},
		Dirs: map[string]string{"netnotes/unlink": dir}, Args: []string{"-test.short", "-test.skip", "^TestDrill"}}
	bb := write("busybox", "busybox")
	read := func(sc *Scenario, busybox string) (Plan, map[string]string) {
		f, err := os.Create(filepath.Join(dir, "initrd"))
		require.NoError(t, err)
		require.NoError(t, writeInitramfs(f, nil, nil, p, sc, busybox))
		require.NoError(t, f.Close())
		f, err = os.Open(filepath.Join(dir, "initrd"))
		require.NoError(t, err)
		defer f.Close()
		files := map[string]string{}
		r := cpio.NewReader(f)
		for {
			h, err := r.Next()
			if err == io.EOF {
				break
			}
			require.NoError(t, err)
			b, _ := io.ReadAll(r)
			if h.Mode&^cpio.ModePerm == cpio.TypeSymlink {
				files["/"+h.Name] = "-> " + h.Linkname
			} else if h.Mode.IsRegular() {
				files["/"+h.Name] = string(b)
			}
		}
		var plan Plan
		require.NoError(t, json.Unmarshal([]byte(files[PlanPath]), &plan))
		return plan, files
	}

	sc := &Scenario{Name: "x", Sysctls: []Sysctl{{"net.ipv4.tcp_congestion_control", "cubic"}}, NoTracefs: true, Userland: UserlandBusybox, Drills: "N3"}
	plan, files := read(sc, bb)
	assert.Equal(t, sc.Sysctls, plan.Sysctls)
	assert.True(t, plan.NoTracefs)
	assert.Equal(t, []string{"rm", "unlink"}, plan.Show)
	require.Len(t, plan.Tests, 2)
	assert.Equal(t, p.Args, plan.Tests[0].Args)
	assert.Equal(t, []string{"-test.short", "-test.run", "^TestDrill(?:N3)"}, plan.Tests[1].Args)
	assert.Equal(t, "busybox", files["/bin/busybox"])
	assert.Equal(t, "-> /bin/busybox", files["/usr/bin/rm"])
	assert.Equal(t, "-> /bin/busybox", files["/usr/bin/unlink"])

	plan, files = read(&Scenario{}, "")
	assert.Empty(t, plan.Sysctls)
	assert.False(t, plan.NoTracefs)
	assert.Empty(t, plan.Show)
	assert.Len(t, plan.Tests, 1)
	assert.NotContains(t, files, "/bin/busybox")
}
