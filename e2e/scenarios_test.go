package e2e

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/confine-policy/confine/internal/testutil"
	"github.com/confine-policy/confine/pkg/inspect"
)

// scenario is a container to make on every engine: the options it is
// created with, and what the engine must then report of it.
type scenario struct {
	suffix string   // the container is named ENGINE-SUFFIX
	args   []string // create options
	needs  []string // device nodes that some hosts lack; without them the scenario is left out
	want   want
}

// want is what confine's parser must read from the inspect JSON of a
// scenario's container. Every field is compared in full, except that caps
// and noCaps name some capabilities only, unless onlyCaps is set: the
// engines' default sets differ.
type want struct {
	mounts     []inspect.Mount // a named volume's Source is the volume's name
	ports      []inspect.Port
	caps       []string // in the effective set
	noCaps     []string // not in it
	onlyCaps   bool     // caps is the whole effective set
	devices    []inspect.Device
	network    string // "" for the engines' default, bridge
	privileged bool
	label      inspect.Label
}

// hostDirs are the bind mounts' sources that the harness makes for the
// run. Debian's reference policy gives each a type of its own, as
// `confine label --root / PATH` shows. The scenarios also mount /var/log,
// /tmp and /home themselves, which confine grants through template
// blocks; those are the host's and are never made or removed.
var hostDirs = []string{
	"/srv/confine-e2e",           // var_t
	"/var/www/confine-e2e",       // httpd_sys_content_t
	"/var/lib/mysql/confine-e2e", // mysqld_db_t
	"/home/confine-e2e/data",     // user_home_t (/home/confine-e2e: user_home_dir_t)
	"/var/log/confine-e2e",       // var_log_t
	"/var/spool/confine-e2e",     // var_spool_t
	"/opt/confine-e2e",           // usr_t
}

// hostFiles are what the harness puts in hostDirs, so that each mount
// holds real files whose labels the proof reads with libselinux: a web
// root with a CGI directory and an .htaccess file, a home with ssh and
// GnuPG keys, a public_html and a cache, a log, a spool queue, a
// database file, and, for mounts of one object, a configuration file.
// hostSocket is a Unix socket made beside them.
var (
	hostFiles = []string{
		"/srv/confine-e2e/readme.txt",
		"/srv/confine-e2e/app.conf",
		"/var/www/confine-e2e/index.html",
		"/var/www/confine-e2e/.htaccess",
		"/var/www/confine-e2e/cgi-bin/run.cgi",
		"/var/lib/mysql/confine-e2e/ibdata1",
		"/home/confine-e2e/.ssh/id_ed25519",
		"/home/confine-e2e/.gnupg/private-keys-v1.d/0123.key",
		"/home/confine-e2e/public_html/index.html",
		"/home/confine-e2e/.cache/thumbnails/x.png",
		"/home/confine-e2e/data/notes.txt",
		"/var/log/confine-e2e/app.log",
		"/var/spool/confine-e2e/queue/1",
		"/opt/confine-e2e/shared.txt",
	}
	hostSocket = "/srv/confine-e2e/app.sock"
)

// plantedSecrets are the parts of the home in hostFiles that hold keys:
// whatever type the policy gives them, no module may let a container
// read them unless told to.
var plantedSecrets = []string{"/home/confine-e2e/.ssh", "/home/confine-e2e/.gnupg"}

// scenarios are made on every engine. All of their options work at
// create time with docker 20.10 and podman 4.3 on Debian 12, SCTP ports
// and label options on a host without SELinux included. Where an engine
// reports something other than what was asked, engine.reports says so.
var scenarios = []scenario{
	{
		suffix: "plain",
		want: want{
			caps:   []string{"chown", "net_bind_service"},
			noCaps: []string{"net_admin", "sys_admin", "syslog"},
		},
	},
	{
		suffix: "binds",
		args: []string{
			"-v", "/srv/confine-e2e:/srv/data:ro",
			"-v", "/var/www/confine-e2e:/var/www/html:rw",
			"-v", "/var/lib/mysql/confine-e2e:/var/lib/mysql", // read-write by default
		},
		want: want{mounts: []inspect.Mount{
			{Source: "/srv/confine-e2e", Destination: "/srv/data", ReadOnly: true, Type: inspect.Bind},
			{Source: "/var/www/confine-e2e", Destination: "/var/www/html", Type: inspect.Bind},
			{Source: "/var/lib/mysql/confine-e2e", Destination: "/var/lib/mysql", Type: inspect.Bind},
		}},
	},
	{
		suffix: "userdata",
		args: []string{
			"-v", "/home/confine-e2e/data:/data:ro",
			"-v", "/var/log/confine-e2e:/logs:ro",
			"-v", "/var/spool/confine-e2e:/var/spool/app",
		},
		want: want{mounts: []inspect.Mount{
			{Source: "/home/confine-e2e/data", Destination: "/data", ReadOnly: true, Type: inspect.Bind},
			{Source: "/var/log/confine-e2e", Destination: "/logs", ReadOnly: true, Type: inspect.Bind},
			{Source: "/var/spool/confine-e2e", Destination: "/var/spool/app", Type: inspect.Bind},
		}},
	},
	{
		// A user's whole home: it holds keys that must stay out.
		suffix: "home",
		args:   []string{"-v", "/home/confine-e2e:/home/user:ro"},
		want: want{mounts: []inspect.Mount{
			{Source: "/home/confine-e2e", Destination: "/home/user", ReadOnly: true, Type: inspect.Bind},
		}},
	},
	{
		// Mounts of one file and of one socket.
		suffix: "files",
		args: []string{
			"-v", "/srv/confine-e2e/app.conf:/etc/app.conf:ro",
			"-v", hostSocket + ":/run/app.sock",
		},
		want: want{mounts: []inspect.Mount{
			{Source: "/srv/confine-e2e/app.conf", Destination: "/etc/app.conf", ReadOnly: true, Type: inspect.Bind},
			{Source: hostSocket, Destination: "/run/app.sock", Type: inspect.Bind},
		}},
	},
	{
		suffix: "special",
		args: []string{
			"-v", "/var/log:/var/log:ro",
			"-v", "/tmp:/tmp",
			"-v", "/home:/home:ro",
		},
		want: want{mounts: []inspect.Mount{
			{Source: "/var/log", Destination: "/var/log", ReadOnly: true, Type: inspect.Bind},
			{Source: "/tmp", Destination: "/tmp", Type: inspect.Bind},
			{Source: "/home", Destination: "/home", ReadOnly: true, Type: inspect.Bind},
		}},
	},
	{
		suffix: "storage",
		args: []string{
			"-v", "confine-e2e-vol:/vol",
			"--tmpfs", "/run/x",
			// :z relabels the source on an SELinux host, so it is one of
			// the harness's own directories.
			"-v", "/opt/confine-e2e:/shared:z",
		},
		want: want{mounts: []inspect.Mount{
			{Source: "confine-e2e-vol", Destination: "/vol", Type: inspect.Volume},
			{Destination: "/run/x", Type: inspect.Tmpfs},
			{Source: "/opt/confine-e2e", Destination: "/shared", Type: inspect.Bind, Relabel: "z"},
		}},
	},
	{
		suffix: "ports",
		args: []string{
			"-p", "8080:80",
			"-p", "5353:53/udp",
			"-p", "9999:9999/sctp",
			"-p", "9000-9002:9000-9002",
		},
		want: want{ports: []inspect.Port{
			{ContainerPort: 80, Protocol: "tcp", HostPort: 8080},
			{ContainerPort: 53, Protocol: "udp", HostPort: 5353},
			{ContainerPort: 9999, Protocol: "sctp", HostPort: 9999},
			{ContainerPort: 9000, Protocol: "tcp", HostPort: 9000},
			{ContainerPort: 9001, Protocol: "tcp", HostPort: 9001},
			{ContainerPort: 9002, Protocol: "tcp", HostPort: 9002},
		}},
	},
	{
		suffix: "caps",
		args:   []string{"--cap-add", "NET_ADMIN", "--cap-add", "SYSLOG"}, // syslog is in capability2
		want: want{
			caps:   []string{"chown", "net_admin", "syslog"},
			noCaps: []string{"sys_admin"},
		},
	},
	{
		suffix: "mincaps",
		args:   []string{"--cap-drop", "ALL", "--cap-add", "CHOWN", "--cap-add", "NET_BIND_SERVICE"},
		want:   want{caps: []string{"chown", "net_bind_service"}, onlyCaps: true},
	},
	{
		suffix: "chardev",
		args:   []string{"--device", "/dev/null", "--device", "/dev/zero:/dev/myzero:r"},
		want: want{devices: []inspect.Device{
			{HostPath: "/dev/null", ContainerPath: "/dev/null", Permissions: "rwm"},
			{HostPath: "/dev/zero", ContainerPath: "/dev/myzero", Permissions: "r"},
		}},
	},
	{
		suffix: "fuse",
		args:   []string{"--device", "/dev/fuse"},
		needs:  []string{"/dev/fuse"},
		want: want{devices: []inspect.Device{
			{HostPath: "/dev/fuse", ContainerPath: "/dev/fuse", Permissions: "rwm"},
		}},
	},
	{
		// The block device: /dev/loop0 is there once the loop module is
		// loaded. Podman reports it under another name; see podmanHostPath.
		suffix: "blockdev",
		args:   []string{"--device", "/dev/loop0"},
		needs:  []string{"/dev/loop0"},
		want: want{devices: []inspect.Device{
			{HostPath: "/dev/loop0", ContainerPath: "/dev/loop0", Permissions: "rwm"},
		}},
	},
	{
		suffix: "hostnet",
		args:   []string{"--network", "host"},
		want:   want{network: "host"},
	},
	{
		// Without SELinux on the host the engines keep the options
		// without checking that the type and level exist.
		suffix: "label",
		args:   []string{"--security-opt", "label=type:foo_t", "--security-opt", "label=level:s0:c1,c2"},
		want:   want{label: inspect.Label{Type: "foo_t", Level: "s0:c1,c2"}},
	},
	{
		suffix: "nolabel",
		args:   []string{"--security-opt", "label=disable"},
		want:   want{label: inspect.Label{Disable: true}},
	},
	{
		// Privileged containers get every device, but inspect lists none.
		suffix: "privileged",
		args:   []string{"--privileged"},
		want: want{
			privileged: true,
			caps:       []string{"mac_admin", "net_admin", "sys_admin", "sys_module", "syslog"},
		},
	},
}

// absent returns the first device node that sc needs and this host lacks,
// or "".
func (sc scenario) absent() string {
	for _, p := range sc.needs {
		if _, err := os.Stat(p); err != nil {
			return p
		}
	}
	return ""
}

// made is a scenario's container, made on one engine.
type made struct {
	engine   string // "docker" or "podman"
	name     string // ENGINE-SUFFIX, such as "podman-ports": fit to name a CIL module
	scenario scenario
	json     []byte // the engine's inspect JSON of this container alone, as printed
	command  string // the command that printed json, such as "podman inspect podman-ports"
}

// containers returns every scenario's container on every engine that can
// run here, made once per test process; scenarios whose devices the host
// lacks are left out, and TestEngines reports each of them through
// testutil.Missing (skipped, or failed under CONFINE_REQUIRE_TOOLS=1). An
// engine that cannot run is left out too, or fails the test under
// CONFINE_REQUIRE_TOOLS=1; with none the test is skipped.
// A failure to make a container fails the test.
func containers(t testing.TB) []made {
	t.Helper()
	var all []made
	var why []string
	for _, name := range engineNames {
		if reason := unavailable(name); reason != "" && !testutil.ToolsRequired() {
			t.Logf("leaving out %s: %s", name, reason)
			why = append(why, name+": "+reason)
			continue
		}
		all = append(all, useEngine(t, name).containers(t)...)
	}
	if len(all) == 0 {
		testutil.Missing(t, "no container engine can run here (%s)", strings.Join(why, "; "))
	}
	return all
}

// cilName is what a container's name must look like to name a module.
var cilName = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)

// TestEngines makes every scenario on docker and podman and checks that
// what confine's parser reads from their inspect JSON is what the scenario
// asked for: the harness and the parser agree with the real engines.
func TestEngines(t *testing.T) {
	for _, name := range engineNames {
		t.Run(name, func(t *testing.T) {
			e := useEngine(t, name)
			bySuffix := make(map[string]made)
			for _, m := range e.containers(t) {
				bySuffix[m.scenario.suffix] = m
			}
			for _, sc := range scenarios {
				t.Run(sc.suffix, func(t *testing.T) {
					if dev := sc.absent(); dev != "" {
						testutil.Missing(t, "device %s, which scenario %s needs, is absent", dev, sc.suffix)
					}
					check(t, e, bySuffix[sc.suffix])
				})
			}
		})
	}
}

// check compares what the parser reads from m's inspect JSON with what
// m's scenario asked for, as e reports it.
func check(t *testing.T, e *engine, m made) {
	if !cilName.MatchString(m.name) {
		t.Errorf("container name %q cannot name a CIL module", m.name)
	}
	// The engine is left for Parse to detect, which is checked too.
	cs, err := inspect.Parse(bytes.NewReader(m.json), "")
	if err != nil {
		t.Fatalf("parsing the output of %s: %v", m.command, err)
	}
	if len(cs) != 1 {
		t.Fatalf("%s: parsed %d containers, want 1", m.command, len(cs))
	}
	c := cs[0]
	w, err := e.reports(m.scenario.want)
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != m.name || c.Engine != inspect.Engine(e.name) {
		t.Errorf("%s: container %q of engine %q, want %q of %q", m.command, c.Name, c.Engine, m.name, e.name)
	}
	if !sameSet(c.Mounts, w.mounts) {
		t.Errorf("%s: mounts\n got %+v\nwant %+v", m.command, c.Mounts, w.mounts)
	}
	if !sameSet(c.Ports, w.ports) {
		t.Errorf("%s: ports\n got %+v\nwant %+v", m.command, c.Ports, w.ports)
	}
	if !sameSet(c.Devices, w.devices) {
		t.Errorf("%s: devices\n got %+v\nwant %+v", m.command, c.Devices, w.devices)
	}
	for _, cp := range w.caps {
		if !slices.Contains(c.Capabilities, cp) {
			t.Errorf("%s: capability %s missing from %v", m.command, cp, c.Capabilities)
		}
	}
	for _, cp := range w.noCaps {
		if slices.Contains(c.Capabilities, cp) {
			t.Errorf("%s: capability %s present in %v", m.command, cp, c.Capabilities)
		}
	}
	if w.onlyCaps && !sameSet(c.Capabilities, w.caps) {
		t.Errorf("%s: capabilities %v, want only %v", m.command, c.Capabilities, w.caps)
	}
	if network := cmp.Or(w.network, "bridge"); c.NetworkMode != network {
		t.Errorf("%s: network mode %q, want %q", m.command, c.NetworkMode, network)
	}
	if c.Privileged != w.privileged {
		t.Errorf("%s: privileged %v, want %v", m.command, c.Privileged, w.privileged)
	}
	if c.Label != w.label {
		t.Errorf("%s: label options %+v, want %+v", m.command, c.Label, w.label)
	}
}

// sameSet reports whether a and b hold the same elements, in any order.
func sameSet[T comparable](a, b []T) bool {
	byText := func(x, y T) int { return strings.Compare(fmt.Sprint(x), fmt.Sprint(y)) }
	a, b = slices.Clone(a), slices.Clone(b)
	slices.SortFunc(a, byText)
	slices.SortFunc(b, byText)
	return slices.Equal(a, b)
}

var (
	hostDirsOnce sync.Once
	hostDirsErr  error
	ownDirs      []string // the topmost directory the harness made for each of hostDirs
)

// makeHostDirs makes hostDirs once per test process, and records the
// directories it had to make, which removeHostDirs removes.
func makeHostDirs() error {
	hostDirsOnce.Do(func() {
		for _, dir := range hostDirs {
			// The first missing directory on the way down is made, and
			// so removed, with everything below it.
			own := ""
			for p := dir; p != "/"; p = filepath.Dir(p) {
				_, err := os.Lstat(p)
				if err == nil {
					break
				}
				if !errors.Is(err, fs.ErrNotExist) {
					hostDirsErr = err
					return
				}
				own = p
			}
			if own == "" {
				continue // there before: not the harness's to remove
			}
			ownDirs = append(ownDirs, own) // before, in case it is made only in part
			if err := os.MkdirAll(dir, 0o755); err != nil {
				hostDirsErr = fmt.Errorf("making bind mount source: %w", err)
				return
			}
		}
		hostDirsErr = makeHostFiles()
	})
	return hostDirsErr
}

// makeHostFiles fills the harness's own directories with hostFiles and
// hostSocket. A directory that was there before is left as it was.
func makeHostFiles() error {
	owned := func(p string) bool {
		return slices.ContainsFunc(ownDirs, func(d string) bool { return p == d || strings.HasPrefix(p, d+"/") })
	}
	for _, f := range hostFiles {
		if !owned(f) {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			return fmt.Errorf("making a file for the mounts: %w", err)
		}
		if err := os.WriteFile(f, []byte("confine e2e\n"), 0o644); err != nil {
			return fmt.Errorf("making a file for the mounts: %w", err)
		}
	}
	if !owned(hostSocket) {
		return nil
	}
	l, err := net.Listen("unix", hostSocket)
	if err != nil {
		return fmt.Errorf("making a socket for the mounts: %w", err)
	}
	// The socket's file stays, as a daemon's would while it runs.
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	return l.Close()
}

// removeHostDirs removes the directories that makeHostDirs made.
func removeHostDirs() error {
	var errs []error
	for _, dir := range slices.Backward(ownDirs) {
		if err := os.RemoveAll(dir); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
