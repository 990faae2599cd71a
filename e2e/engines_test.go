package e2e

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/confine-policy/confine/internal/testutil"
	"github.com/confine-policy/confine/pkg/inspect"
)

// dockerClient is the docker CLI of Debian's docker.io, named by path:
// another docker CLI may come first on PATH, and need not suit dockerd
// 20.10.
const dockerClient = "/usr/bin/docker"

// busybox is the static busybox that the containers' file system holds.
const busybox = "/bin/busybox"

// image is the image docker creates the containers from.
const image = "localhost/confine-e2e:1"

// engineNames are the engines the tests use, in the order they use them.
var engineNames = []string{"docker", "podman"}

// requirements are the programs each engine needs, by name on PATH or by
// absolute path.
var requirements = map[string][]string{
	"docker": {"dockerd", dockerClient, busybox},
	"podman": {"podman", busybox},
}

// engine is a container engine made for the test run. All that it keeps
// is under dir, so that the host's own containers, images, volumes and
// networks are neither seen nor touched.
type engine struct {
	name    string       // "docker" or "podman"
	client  string       // its CLI
	global  []string     // CLI flags that select this run's daemon or storage
	env     []string     // added to the CLI's environment
	rootfs  []string     // what create is given as the container's file system
	volumes string       // where named volumes keep their data
	dir     string       // holds all of the above, and is removed at the end
	stop    func() error // stops what runs and frees what the host shares; nil if nothing

	mu     sync.Mutex // guards made and failed
	made   []made
	failed bool // making the containers failed; later callers fail too
}

// command returns how the messages name e's inspect command. The real
// command also has flags that point it at this run's daemon or storage.
func (e *engine) command() string { return e.name + " inspect" }

// run runs e's CLI with args and returns its standard output, or an error
// that holds its standard error.
func (e *engine) run(args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, e.client, slices.Concat(e.global, args)...)
	cmd.Env = append(os.Environ(), e.env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s %s: %v\n%s", e.name, strings.Join(args, " "), err, bytes.TrimSpace(stderr.Bytes()))
	}
	return out, nil
}

// create creates a container called name, with the create options args,
// from the busybox file system, to run /bin/sh. It fails the test with the
// engine's complaint if the engine refuses.
func (e *engine) create(t testing.TB, name string, args ...string) {
	t.Helper()
	if _, err := e.run(slices.Concat([]string{"create", "--name", name}, args, e.rootfs, []string{"/bin/sh"})...); err != nil {
		t.Fatal(err)
	}
}

// inspect returns the engine's inspect JSON of the named containers, as
// the engine prints it.
func (e *engine) inspect(t testing.TB, names ...string) []byte {
	t.Helper()
	out, err := e.run(append([]string{"inspect"}, names...)...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// containers returns the container of every scenario that this host can
// make on e, making them the first time it is called. If making them
// fails, this test fails, and so does every later caller.
func (e *engine) containers(t testing.TB) []made {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.made != nil {
		return e.made
	}
	if e.failed {
		t.Fatalf("making the %s containers failed in an earlier test", e.name)
	}
	// Until all are made: create and inspect end the test when they fail.
	e.failed = true
	if err := makeHostDirs(); err != nil {
		t.Fatal(err)
	}
	var all []made
	for _, sc := range scenarios {
		if sc.absent() != "" {
			continue
		}
		name := e.name + "-" + sc.suffix
		e.create(t, name, sc.args...)
		all = append(all, made{
			engine:   e.name,
			name:     name,
			scenario: sc,
			json:     e.inspect(t, name),
			command:  e.command() + " " + name,
		})
	}
	e.made, e.failed = all, false
	stats.containers.Add(int64(len(all)))
	return all
}

// reports returns what e reports of a container made as w asks: where
// volumes keep their data, and what the engine tells otherwise than asked.
func (e *engine) reports(w want) (want, error) {
	w.mounts = slices.Clone(w.mounts)
	for i, m := range w.mounts {
		if m.Type == inspect.Volume {
			w.mounts[i].Source = filepath.Join(e.volumes, m.Source, "_data")
		}
	}
	switch e.name {
	case "docker":
		// Docker records a named volume with the mode "z" when none was
		// asked for.
		for i, m := range w.mounts {
			if m.Type == inspect.Volume && m.Relabel == "" {
				w.mounts[i].Relabel = "z"
			}
		}
		// It adds label=disable to the security options of a privileged
		// container that has no label options of its own (as it does for
		// one sharing the host's IPC or PID namespace).
		if w.privileged && w.label == (inspect.Label{}) {
			w.label.Disable = true
		}
	case "podman":
		w.devices = slices.Clone(w.devices)
		for i, d := range w.devices {
			// Podman 4.3 leaves CgroupPermissions empty, even for
			// --device HOST:CONTAINER:r.
			w.devices[i].Permissions = ""
			var err error
			if w.devices[i].HostPath, err = podmanHostPath(d.HostPath); err != nil {
				return want{}, err
			}
		}
	}
	return w, nil
}

// podmanHostPath returns the host path that podman 4 reports for the
// device node at path. Podman keeps only a device's numbers, and inspect
// looks them up by walking /dev and keeping the last node with the same
// major and minor, character and block devices alike (FindDeviceNodes in
// its pkg/util). So a block device is reported as the character device
// with its numbers that sorts after it, if there is one: /dev/loop0
// (block 7:0) as /dev/vcs (character 7:0).
func podmanHostPath(path string) (string, error) {
	var want syscall.Stat_t
	if err := syscall.Stat(path, &want); err != nil {
		return "", fmt.Errorf("stat %s: %w", path, err)
	}
	found := path
	err := filepath.WalkDir("/dev", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return filepath.SkipDir // as podman does
		}
		var st syscall.Stat_t
		if d.Type()&fs.ModeDevice != 0 && syscall.Lstat(p, &st) == nil && st.Rdev == want.Rdev {
			found = p
		}
		return nil
	})
	return found, err
}

// slot holds an engine for the whole test process.
type slot struct {
	start func() (*engine, error)
	once  sync.Once
	e     *engine
	err   error
}

var slots = map[string]*slot{
	"docker": {start: startDocker},
	"podman": {start: startPodman},
}

// useEngine returns the engine called name, started the first time it is
// asked for. When the engine cannot run here it skips the test, or fails
// it under CONFINE_REQUIRE_TOOLS=1.
func useEngine(t testing.TB, name string) *engine {
	t.Helper()
	if os.Geteuid() != 0 {
		testutil.Missing(t, "%s needs root", name)
	}
	for _, tool := range requirements[name] {
		if filepath.IsAbs(tool) {
			testutil.File(t, tool)
		} else {
			testutil.Tool(t, tool)
		}
	}
	s := slots[name]
	s.once.Do(func() { s.e, s.err = s.start() })
	if s.err != nil {
		t.Fatalf("starting %s: %v", name, s.err)
	}
	return s.e
}

// unavailable says why the engine called name cannot run here, or returns
// "" if it can; it checks what useEngine does, without a test to skip.
func unavailable(name string) string {
	if os.Geteuid() != 0 {
		return "not root"
	}
	for _, tool := range requirements[name] {
		if _, err := exec.LookPath(tool); err != nil {
			return tool + " is not installed"
		}
	}
	return ""
}

// stopEngines stops the engines this process started and removes what the
// harness made: the engines' directories and the host directories. It
// runs when the tests are done, so it reports failures on standard error.
func stopEngines() {
	var errs []error
	for _, name := range engineNames {
		if e := slots[name].e; e != nil {
			errs = append(errs, e.close())
		}
	}
	errs = append(errs, removeHostDirs())
	if err := errors.Join(errs...); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: cleaning up: %v\n", err)
	}
}

// close stops e and removes its directory.
func (e *engine) close() error {
	var errs []error
	if e.stop != nil {
		errs = append(errs, e.stop())
	}
	errs = append(errs, unmountUnder(e.dir))
	if err := os.RemoveAll(e.dir); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// startDocker starts a dockerd of the run's own, with an empty store, and
// imports the busybox image into it.
func startDocker() (*engine, error) {
	dir, err := os.MkdirTemp("", "confine-e2e-")
	if err != nil {
		return nil, fmt.Errorf("making docker's directory: %w", err)
	}
	sock := filepath.Join(dir, "docker.sock")
	e := &engine{
		name:   "docker",
		client: dockerClient,
		global: []string{"-H", "unix://" + sock},
		// Not ~/.docker: its settings, such as proxies added to every
		// container's environment, are the user's.
		env:     []string{"DOCKER_CONFIG=" + filepath.Join(dir, "client")},
		rootfs:  []string{image},
		volumes: filepath.Join(dir, "root", "volumes"),
		dir:     dir,
	}
	if err := e.startDaemon(sock); err != nil {
		return nil, errors.Join(err, e.close())
	}
	tarball := filepath.Join(dir, "rootfs.tar")
	if err := writeRootfsTar(tarball); err != nil {
		return nil, errors.Join(err, e.close())
	}
	if _, err := e.run("import", "--change", `CMD ["/bin/sh"]`, tarball, image); err != nil {
		return nil, errors.Join(err, e.close())
	}
	return e, nil
}

// startDaemon starts dockerd for e, listening on sock, and waits until it
// answers.
func (e *engine) startDaemon(sock string) error {
	// The kernel limits a socket's path to 108 bytes with its final NUL.
	if len(sock) >= 108 {
		return fmt.Errorf("socket path %s is too long; set TMPDIR to a shorter directory", sock)
	}
	// dockerd 20.10 writes its identity key to /etc/docker/key.json unless
	// its configuration says otherwise, which no flag can.
	config := filepath.Join(e.dir, "daemon.json")
	settings, err := json.Marshal(map[string]string{"deprecated-key-path": filepath.Join(e.dir, "key.json")})
	if err != nil {
		return err
	}
	if err := os.WriteFile(config, settings, 0o600); err != nil {
		return err
	}
	logPath := filepath.Join(e.dir, "dockerd.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logFile.Close() // dockerd has its own copy
	cmd := exec.Command("dockerd",
		"--config-file", config, // not the host's /etc/docker/daemon.json
		"--data-root", filepath.Join(e.dir, "root"),
		"--exec-root", filepath.Join(e.dir, "exec"),
		"--pidfile", filepath.Join(e.dir, "dockerd.pid"),
		"-H", "unix://"+sock,
		// The docker0 bridge, iptables rules and ip_forward are the host's,
		// and another dockerd's; creating containers needs none of them.
		"--bridge=none", "--iptables=false", "--ip-forward=false", "--ip-masq=false",
		// vfs copies layers instead of mounting them: no mount is left
		// behind if dockerd has to be killed.
		"--storage-driver=vfs",
	)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Should the test binary die without cleaning up (a timeout's panic),
	// dockerd is told to stop too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}

	// Those of dockerStrays that are not there yet are removed afterwards.
	var strays []string
	for _, p := range dockerStrays {
		if _, err := os.Lstat(p); errors.Is(err, fs.ErrNotExist) {
			strays = append(strays, p)
		}
	}

	started := make(chan error)
	exited := make(chan struct{})
	var waitErr error
	go func() {
		// Pdeathsig follows the thread that started dockerd, not the
		// process: this goroutine keeps that thread until dockerd exits.
		runtime.LockOSThread()
		err := cmd.Start()
		started <- err
		if err == nil {
			waitErr = cmd.Wait()
		}
		close(exited)
	}()
	if err := <-started; err != nil {
		return fmt.Errorf("starting dockerd: %w", err)
	}
	e.stop = func() error {
		err := stopDaemon(cmd, exited)
		for _, p := range strays {
			// Only if empty, and so best effort: a dockerd or containerd
			// of the host's may have started using it since.
			_ = os.Remove(p)
		}
		return err
	}

	const timeout = 60 * time.Second
	deadline := time.Now().Add(timeout)
	for {
		_, err := e.run("version")
		if err == nil {
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("dockerd exited (%v); its log ends:\n%s", waitErr, logTail(logPath))
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("dockerd did not answer within %v: %v\nits log ends:\n%s", timeout, err, logTail(logPath))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// dockerStrays are the directories outside its own that dockerd makes
// whatever its flags, deepest first: its plugins' socket directory, and
// the directories of the containerd it starts for its "opt" plugin.
var dockerStrays = []string{
	"/run/docker/plugins", "/run/docker",
	"/opt/containerd/bin", "/opt/containerd/lib", "/opt/containerd",
}

// stopDaemon stops dockerd with SIGTERM, or SIGKILL if it has not stopped
// 30 s later.
func stopDaemon(cmd *exec.Cmd, exited <-chan struct{}) error {
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("stopping dockerd: %w", err)
	}
	select {
	case <-exited:
		return nil
	case <-time.After(30 * time.Second):
	}
	if err := cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("killing dockerd: %w", err)
	}
	<-exited
	return errors.New("dockerd did not stop within 30 s of SIGTERM and was killed")
}

// logTail returns the end of the file at path, for an error message.
func logTail(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	const most = 4 << 10
	if len(data) > most {
		data = data[len(data)-most:]
	}
	return string(data)
}

// startPodman readies a podman store of the run's own. Podman needs no
// daemon.
func startPodman() (*engine, error) {
	dir, err := os.MkdirTemp("", "confine-e2e-")
	if err != nil {
		return nil, fmt.Errorf("making podman's directory: %w", err)
	}
	rootfs := filepath.Join(dir, "rootfs")
	e := &engine{
		name:   "podman",
		client: "podman",
		global: []string{
			"--root", filepath.Join(dir, "root"),
			"--runroot", filepath.Join(dir, "run"),
			"--tmpdir", filepath.Join(dir, "tmp"),
			"--volumepath", filepath.Join(dir, "volumes"),
			// Not /etc/cni/net.d, where podman would take its lock.
			"--network-config-dir", filepath.Join(dir, "net"),
			"--storage-driver", "vfs", // nothing to mount, so nothing left mounted
			"--cgroup-manager", "cgroupfs", // no systemd
			"--events-backend", "file", // no journald
		},
		// A directory rather than an imported image: podman 4.3 records
		// every image it copies in /var/lib/containers/cache, the host's,
		// and no flag moves that.
		rootfs:  []string{"--rootfs", rootfs},
		volumes: filepath.Join(dir, "volumes"),
		dir:     dir,
	}
	// Podman's locks for containers and volumes are in shared memory,
	// /dev/shm/libpod_lock, which every podman store on the host uses;
	// removing them gives their locks back.
	e.stop = func() error {
		_, err := e.run("rm", "--all", "--force")
		_, verr := e.run("volume", "rm", "--all", "--force")
		return errors.Join(err, verr)
	}
	if err := writeRootfs(rootfs); err != nil {
		return nil, errors.Join(err, e.close())
	}
	return e, nil
}

// writeRootfs makes dir a container file system of busybox and /bin/sh.
func writeRootfs(dir string) error {
	prog, err := os.ReadFile(busybox)
	if err != nil {
		return err
	}
	bin := filepath.Join(dir, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(bin, "busybox"), prog, 0o755); err != nil {
		return err
	}
	return os.Symlink("busybox", filepath.Join(bin, "sh"))
}

// writeRootfsTar writes a tarball at path of what writeRootfs makes.
func writeRootfsTar(path string) error {
	prog, err := os.ReadFile(busybox)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	w := tar.NewWriter(&buf)
	headers := []*tar.Header{
		{Name: "bin/", Typeflag: tar.TypeDir, Mode: 0o755},
		{Name: "bin/busybox", Typeflag: tar.TypeReg, Mode: 0o755, Size: int64(len(prog))},
		{Name: "bin/sh", Typeflag: tar.TypeSymlink, Linkname: "busybox", Mode: 0o777},
	}
	for _, h := range headers {
		if err := w.WriteHeader(h); err != nil {
			return err
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := w.Write(prog); err != nil {
				return err
			}
		}
	}
	if err := w.Close(); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// unmountUnder detaches whatever is mounted at or below dir. dockerd makes
// its data root a mount point, and undoes that only when it stops cleanly.
func unmountUnder(dir string) error {
	info, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return err
	}
	var points []string
	for line := range strings.Lines(string(info)) {
		// The fifth field is the mount point.
		if f := strings.Fields(line); len(f) > 4 && (f[4] == dir || strings.HasPrefix(f[4], dir+"/")) {
			points = append(points, f[4])
		}
	}
	// Deepest first, so that no mount point is hidden by another.
	slices.SortFunc(points, func(a, b string) int { return len(b) - len(a) })
	var errs []error
	for _, p := range points {
		if err := syscall.Unmount(p, syscall.MNT_DETACH); err != nil {
			errs = append(errs, fmt.Errorf("unmounting %s: %w", p, err))
		}
	}
	return errors.Join(errs...)
}
