package main

import (
	"fmt"
	"regexp"
	"strings"

	"netnotes/internal/vm"
)

// Builtin are the named host scenarios: conditions readers' machines are
// in and the project machine is not. Each is written in the grammar of
// -scenario, so that -h shows what it does.
var Builtin = []struct{ Name, Def, Why string }{
	{"ipv6-off", "append=ipv6.disable=1", "IPv6 disabled at boot: no ipv6 sysctls, no fe80:: addresses"},
	{"calico-host", "modules=ipip+sit+ip_gre", "tunnel modules loaded, as Calico loads ipip: every new namespace holds tunl0, sit0, gre0"},
	{"cubic", "sysctl=net.ipv4.tcp_congestion_control=cubic", "the most common default congestion control; new namespaces take the initial one's"},
	{"bbr", "modules=tcp_bbr,sysctl=net.ipv4.tcp_congestion_control=bbr", "the project machine's congestion control"},
	{"no-tracefs", "tracefs=off", "tracefs not mounted, as on a freshly booted host"},
	{"no-netfilter", "netfilter=off", "no nf_tables, nfnetlink or conntrack, as on a kernel built without them or a VM that cannot load them: the firewall notes skip naming nf_tables"},
	{"br-netfilter", "modules=br_netfilter", "br_netfilter loaded, as on docker and Kubernetes hosts: bridged IPv4 passes iptables' FORWARD (V13)"},
	{"busybox-userland", "userland=busybox,drills=N3", "busybox's rm and unlink, as in Alpine and many containers, in place of GNU coreutils', with the N3 drill"},
	{"ipv6-inherit", "sysctl=net.core.devconf_inherit_init_net=1,sysctl=net.ipv6.conf.default.addr_gen_mode=1",
		"new namespaces inherit the host's IPv6 settings, here addr_gen_mode=1 (none): no fe80:: addresses, as V3's drill sets in its own namespace"},
	{"vrf", "modules=vrf,drills=R2", "the vrf module loaded, with the R2 drill: an interface in a VRF, its address's entries in the VRF's table"},
	{"lockdown-integrity", "append=lockdown=integrity", "kernel lockdown as Secure Boot turns it on in several distributions: tracefs and BPF still work"},
	{"lockdown-confidentiality", "append=lockdown=confidentiality", "kernel lockdown that also closes tracefs: the notes resting on tracepoints skip, naming it, and L3, U3, V5 keep a verdict without them"},
}

// scenarioKeys documents the grammar, for -h and for errors.
const scenarioKeys = `NAME:KEY=VALUE,KEY=VALUE,... with the keys
  append=ARG           kernel command-line argument (repeat the key for more)
  modules=M[+M...]     modules from the kernel's own package, loaded before the notes
  sysctl=KEY=VALUE     written in the initial network namespace before the notes, in order;
                       new namespaces take its tcp_congestion_control and net.ipv4.conf.{all,default},
                       its net.ipv6.conf ones only after sysctl=net.core.devconf_inherit_init_net=1
                       (the report shows what a new namespace reads)
  tracefs=off          leave tracefs unmounted (on: mounted, the default)
  netfilter=off        load no netfilter module (on: nf_tables, its NAT and ctnetlink, the default)
  userland=busybox     rm and unlink from Debian's busybox-static (coreutils: the host's, the default)
  drills=REGEXP        also run the drills TestDrill<REGEXP> (e.g. N3)
  like=NAME            start from a built-in scenario
Values hold no spaces or commas; several definitions are separated by spaces.`

var (
	nameRE   = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)
	moduleRE = regexp.MustCompile(`^[a-zA-Z0-9_-]+$`)
	sysctlRE = regexp.MustCompile(`^[a-z0-9_-]+(\.[a-zA-Z0-9_-]+)+$`)
)

// plumbing are kernel arguments the VM itself depends on.
var plumbing = []string{"console=", "rdinit=", "init=", "panic="}

// builtinScenario parses a built-in scenario by name.
func builtinScenario(name string) (*vm.Scenario, bool) {
	for _, b := range Builtin {
		if b.Name == name {
			s, err := parseScenario(b.Name + ":" + b.Def)
			if err != nil {
				panic(fmt.Sprintf("built-in scenario %s: %v", name, err))
			}
			return s, true
		}
	}
	return nil, false
}

func builtinNames() string {
	var names []string
	for _, b := range Builtin {
		names = append(names, b.Name)
	}
	return strings.Join(names, " ")
}

// parseScenario reads one definition, NAME:KEY=VALUE,...
func parseScenario(def string) (*vm.Scenario, error) {
	name, body, ok := strings.Cut(def, ":")
	if !ok {
		if _, known := builtinScenario(def); known {
			return nil, fmt.Errorf("scenario %q: a built-in scenario goes in -scenarios (make matrix SCENARIOS=%s); -scenario defines one as %s", def, def, "NAME:KEY=VALUE,...")
		}
		return nil, fmt.Errorf("scenario %q: want NAME:KEY=VALUE,... (e.g. v6off:append=ipv6.disable=1)", def)
	}
	if !nameRE.MatchString(name) || name == "plain" {
		return nil, fmt.Errorf("scenario %q: the name %q is not one (lower-case letters, digits, '.', '_' and '-'; not \"plain\")", def, name)
	}
	s := &vm.Scenario{Name: name}
	bad := func(format string, a ...any) error {
		return fmt.Errorf("scenario %s: %s", name, fmt.Sprintf(format, a...))
	}
	if strings.TrimSpace(body) == "" {
		return nil, bad("no settings after %q: it would be the plain run", name+":")
	}
	items := strings.Split(body, ",")
	// like= first, wherever it is written: the other keys add to it.
	for _, item := range items {
		if base, ok := strings.CutPrefix(item, "like="); ok {
			b, known := builtinScenario(base)
			if !known {
				return nil, bad("like=%s: no built-in scenario %q (built in: %s)", base, base, builtinNames())
			}
			*s = *b
			s.Name = name
		}
	}
	for _, item := range items {
		key, value, ok := strings.Cut(item, "=")
		if !ok || key == "" {
			return nil, bad("%q is not KEY=VALUE", item)
		}
		if value == "" {
			return nil, bad("%s= has no value", key)
		}
		if strings.ContainsAny(value, " \t\n\"'") {
			return nil, bad("%s=%q: values hold no spaces or quotes", key, value)
		}
		if err := setScenarioKey(s, key, value); err != nil {
			return nil, bad("%v", err)
		}
	}
	if s.Plain() {
		return nil, bad("%q changes nothing: it would be the plain run", body)
	}
	return s, nil
}

// setScenarioKey sets one KEY=VALUE of a definition in s (like= was
// taken first).
func setScenarioKey(s *vm.Scenario, key, value string) error {
	var err error
	switch key {
	case "like":
	case "append":
		for _, p := range plumbing {
			if strings.HasPrefix(value, p) {
				return fmt.Errorf("append=%s: the VM sets %s itself (its serial ports and init depend on it)", value, p)
			}
		}
		s.Append = append(s.Append, value)
	case "modules":
		for _, m := range strings.Split(value, "+") {
			if !moduleRE.MatchString(m) {
				return fmt.Errorf("modules=%s: %q is not a module name", value, m)
			}
			s.Modules = append(s.Modules, strings.ReplaceAll(m, "-", "_"))
		}
	case "sysctl":
		k, v, ok := strings.Cut(value, "=")
		if !ok || v == "" {
			return fmt.Errorf("sysctl=%s: want sysctl=KEY=VALUE (e.g. sysctl=net.ipv4.tcp_congestion_control=cubic)", value)
		}
		k = strings.ReplaceAll(k, "/", ".")
		if !sysctlRE.MatchString(k) {
			return fmt.Errorf("sysctl=%s: %q is not a sysctl key such as net.ipv4.tcp_congestion_control", value, k)
		}
		s.Sysctls = append(s.Sysctls, vm.Sysctl{Key: k, Value: v})
	case "tracefs":
		s.NoTracefs, err = off(key, value)
	case "netfilter":
		s.NoNetfilter, err = off(key, value)
	case "userland":
		switch value {
		case vm.UserlandBusybox:
			s.Userland = value
		case "coreutils":
			s.Userland = ""
		default:
			return fmt.Errorf("userland=%s: want busybox (or coreutils, the host's, the default)", value)
		}
	case "drills":
		if _, err := regexp.Compile(value); err != nil {
			return fmt.Errorf("drills=%s: %v", value, err)
		}
		s.Drills = value
	default:
		return fmt.Errorf("unknown key %q; a scenario is %s", key, scenarioKeys)
	}
	return err
}

// off reads an on/off key's value: true for off.
func off(key, value string) (bool, error) {
	switch value {
	case "off":
		return true, nil
	case "on":
		return false, nil
	}
	return false, fmt.Errorf("%s=%s: want on or off", key, value)
}

// scenarios resolves -scenarios (built-in names) and -scenario
// (definitions), in that order, each name once.
func scenarios(names, defs string) ([]*vm.Scenario, error) {
	var out []*vm.Scenario
	seen := map[string]bool{}
	add := func(s *vm.Scenario, how string) error {
		if seen[s.Name] {
			return fmt.Errorf("scenario %s: %s twice", s.Name, how)
		}
		seen[s.Name] = true
		out = append(out, s)
		return nil
	}
	for _, n := range strings.Fields(names) {
		s, ok := builtinScenario(n)
		if !ok {
			if strings.Contains(n, ":") {
				return nil, fmt.Errorf("scenario %q: -scenarios takes built-in names; define one with -scenario (make matrix SCENARIO=...)", n)
			}
			return nil, fmt.Errorf("no built-in scenario %q (built in: %s; define one with -scenario)", n, builtinNames())
		}
		if err := add(s, "named"); err != nil {
			return nil, err
		}
	}
	for _, d := range strings.Fields(defs) {
		s, err := parseScenario(d)
		if err != nil {
			return nil, err
		}
		if _, clash := builtinScenario(s.Name); clash {
			return nil, fmt.Errorf("scenario %s: a built-in scenario has that name; give yours another (or start from it with like=%s)", s.Name, s.Name)
		}
		if err := add(s, "defined"); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// describeScenario writes a scenario back in the grammar, for the report.
func describeScenario(s *vm.Scenario) string {
	var items []string
	for _, a := range s.Append {
		items = append(items, "append="+a)
	}
	if len(s.Modules) > 0 {
		items = append(items, "modules="+strings.Join(s.Modules, "+"))
	}
	for _, sc := range s.Sysctls {
		items = append(items, "sysctl="+sc.Key+"="+sc.Value)
	}
	if s.NoTracefs {
		items = append(items, "tracefs=off")
	}
	if s.NoNetfilter {
		items = append(items, "netfilter=off")
	}
	if s.Userland != "" {
		items = append(items, "userland="+s.Userland)
	}
	if s.Drills != "" {
		items = append(items, "drills="+s.Drills)
	}
	return s.Name + ":" + strings.Join(items, ",")
}

// builtinHelp lists the built-in scenarios for -h.
func builtinHelp() string {
	var b strings.Builder
	for _, x := range Builtin {
		fmt.Fprintf(&b, "\n  %-17s %s\n  %17s (%s)", x.Name, x.Def, "", x.Why)
	}
	return b.String()
}
