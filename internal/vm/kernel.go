package vm

import (
	"bufio"
	"bytes"
	"context"
	"debug/elf"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/ulikunitz/xz"
)

// Modules the notes need that Debian's cloud kernels build as modules:
// veth and bridge; unix_diag (U5).
var Modules = []string{"veth", "bridge", "unix_diag"}

// NetfilterModules are nftables with its NAT chains, masquerade, DNAT,
// notrack and ctnetlink (V13, R5-R8, which make their rules in their own
// namespaces; the modules pull in nfnetlink, nf_conntrack and nf_nat),
// loaded in every VM unless a scenario says netfilter=off.
var NetfilterModules = []string{"nf_tables", "nft_chain_nat", "nft_nat", "nft_masq", "nft_ct", "nf_conntrack_netlink"}

// OptionalNetfilterModules are loaded with NetfilterModules where the
// kernel has them as modules and left out where it has them nowhere:
// nft_counter is a module of its own on 5.10 and part of nf_tables from
// 5.13 on.
var OptionalNetfilterModules = []string{"nft_counter"}

// ModuleNames are the modules a VM loads for a scenario, in order: the
// notes' own, the netfilter ones (unless the scenario leaves them out),
// then the scenario's.
func (k *Kernel) ModuleNames(sc *Scenario) []string {
	names := append([]string(nil), Modules...)
	if !sc.NoNetfilter {
		names = append(append(names, NetfilterModules...), k.Present(OptionalNetfilterModules)...)
	}
	return append(names, sc.Modules...)
}

// Kernel is one unpacked Debian kernel package.
type Kernel struct {
	Package string // linux-image-6.1.0-37-cloud-amd64
	Release string // 6.1.0-37-cloud-amd64: the directory under lib/modules
	Image   string // path of vmlinuz
	root    string // where the package is unpacked
}

// Unpack extracts a kernel .deb into dir (once) and finds its image and
// modules tree.
func Unpack(ctx context.Context, deb, pkg, dir string) (*Kernel, error) {
	if err := unpackDeb(ctx, deb, pkg, dir); err != nil {
		return nil, err
	}
	k := &Kernel{Package: pkg, root: dir}
	images, _ := filepath.Glob(filepath.Join(dir, "boot", "vmlinuz-*"))
	if len(images) != 1 {
		return nil, fmt.Errorf("package %s: expected one boot/vmlinuz-* in it, found %d: is it a kernel image package?", pkg, len(images))
	}
	k.Image = images[0]
	k.Release = strings.TrimPrefix(filepath.Base(images[0]), "vmlinuz-")
	if _, err := os.Stat(k.modDir()); err != nil {
		return nil, fmt.Errorf("package %s: no modules tree for %s: %w", pkg, k.Release, err)
	}
	return k, nil
}

// unpackDeb extracts a .deb into dir, once.
func unpackDeb(ctx context.Context, deb, pkg, dir string) error {
	if _, err := os.Stat(filepath.Join(dir, ".unpacked")); err == nil {
		return nil
	}
	_ = os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	// dpkg-deb is the ordinary client for a .deb (ar holding a tar
	// in xz, zstd or gzip, depending on the release).
	if out, err := exec.CommandContext(ctx, "dpkg-deb", "-x", deb, dir).CombinedOutput(); err != nil {
		return fmt.Errorf("package %s: dpkg-deb -x: %v: %s", pkg, err, out)
	}
	return os.WriteFile(filepath.Join(dir, ".unpacked"), nil, 0o644)
}

func (k *Kernel) modDir() string {
	for _, lib := range []string{"lib", "usr/lib"} {
		d := filepath.Join(k.root, lib, "modules", k.Release)
		if _, err := os.Stat(d); err == nil {
			return d
		}
	}
	return filepath.Join(k.root, "lib", "modules", k.Release)
}

// Module is one kernel module to load, in load order.
type Module struct {
	Name string // veth
	Path string // on the host, possibly .ko.xz
}

// ModulesFor returns the modules (and the modules they depend on) to load
// for names, dependencies first. A Debian package ships no modules.dep
// (depmod writes it at install time), so the dependencies come from each
// module's own .modinfo section ("depends=stp,llc"). A name the kernel
// builds in (modules.builtin) needs nothing; a name it has neither way is
// an error naming it.
func (k *Kernel) ModulesFor(names []string) ([]Module, error) {
	dir := k.modDir()
	builtin := map[string]bool{}
	if f, err := os.Open(filepath.Join(dir, "modules.builtin")); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			builtin[modName(sc.Text())] = true
		}
		f.Close()
	}
	byName := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.Contains(d.Name(), ".ko") {
			byName[modName(p)] = p
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("kernel %s: %w", k.Package, err)
	}
	var order []Module
	seen := map[string]bool{}
	var visit func(name, wantedBy string) error
	visit = func(name, wantedBy string) error {
		if seen[name] {
			return nil
		}
		seen[name] = true
		p, ok := byName[name]
		if !ok {
			if builtin[name] {
				return nil
			}
			return fmt.Errorf("kernel %s: module %s%s is neither in the package nor built in (modules.builtin)", k.Package, name, wantedBy)
		}
		m := Module{Name: name, Path: p}
		deps, err := moduleDepends(m)
		if err != nil {
			return fmt.Errorf("kernel %s: %w", k.Package, err)
		}
		for _, d := range deps {
			if err := visit(d, " (needed by "+name+")"); err != nil {
				return err
			}
		}
		order = append(order, m)
		return nil
	}
	for _, n := range names {
		if err := visit(n, ""); err != nil {
			return nil, err
		}
	}
	return order, nil
}

// Present keeps the names that the package has as module files.
func (k *Kernel) Present(names []string) []string {
	var out []string
	for _, n := range names {
		found := false
		_ = filepath.WalkDir(k.modDir(), func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.Contains(d.Name(), ".ko") && modName(p) == n {
				found = true
				return filepath.SkipAll
			}
			return err
		})
		if found {
			out = append(out, n)
		}
	}
	return out
}

// moduleDepends reads the "depends=" entry of a module's .modinfo section.
func moduleDepends(m Module) ([]string, error) {
	data, err := ModuleBytes(m)
	if err != nil {
		return nil, err
	}
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("module %s: %w", m.Path, err)
	}
	sec := f.Section(".modinfo")
	if sec == nil {
		return nil, fmt.Errorf("module %s: no .modinfo section", m.Path)
	}
	info, err := sec.Data()
	if err != nil {
		return nil, fmt.Errorf("module %s: %w", m.Path, err)
	}
	for _, kv := range bytes.Split(info, []byte{0}) {
		if v, ok := bytes.CutPrefix(kv, []byte("depends=")); ok {
			var deps []string
			for _, d := range strings.Split(string(v), ",") {
				if d != "" {
					deps = append(deps, strings.ReplaceAll(d, "-", "_"))
				}
			}
			return deps, nil
		}
	}
	return nil, nil
}

// modName turns "kernel/net/bridge/bridge.ko.xz" into "bridge" (and
// dashes into underscores, as the kernel names modules).
func modName(p string) string {
	b := filepath.Base(p)
	if i := strings.Index(b, ".ko"); i >= 0 {
		b = b[:i]
	}
	return strings.ReplaceAll(b, "-", "_")
}

// ModuleBytes returns a module's object, decompressed: Debian's 6.12 ships
// .ko.xz, which older kernels' finit_module cannot take.
func ModuleBytes(m Module) ([]byte, error) {
	f, err := os.Open(m.Path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	switch {
	case strings.HasSuffix(m.Path, ".ko"):
	case strings.HasSuffix(m.Path, ".ko.xz"):
		xr, err := xz.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("module %s: %w", m.Path, err)
		}
		r = xr
	default:
		return nil, fmt.Errorf("module %s: compression not supported (only .ko and .ko.xz)", m.Path)
	}
	return io.ReadAll(r)
}

// sortedKeys is for stable output.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
