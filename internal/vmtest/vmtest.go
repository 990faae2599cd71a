// Package vmtest boots a Debian 12 guest whose kernel enforces SELinux or
// AppArmor, for tests that run containers under confine's modules or
// profiles and see what the kernel allows and denies.
//
// The guest is made from Debian's own packages: debootstrap builds its
// root file system with the SELinux userland, the reference policy,
// AppArmor's parser and podman; refpolicy's container module (built from
// selinux-policy-src), confine's templates and debian_engines.cil are
// installed into its store with semodule -p; setfiles labels it and
// mke2fs packs it into a disk image, keeping the labels. Both steps are
// cached in the system's temporary directory under names derived from
// everything that goes in, so a second run only boots. One image boots
// either way: the labels are unused under AppArmor, and the profiles are
// loaded by the test.
//
// Run boots the image with qemu (software emulation: this host's KVM is
// not usable), Debian's kernel and initrd, the command line that makes
// the kernel enforce the LSM it is given, and the init of init.sh. Under
// SELinux the init loads the policy and runs run.sh, from a second disk
// the test fills, as a root shell (unconfined_t) would; under AppArmor,
// which needs nothing loaded to start, it runs run.sh as root, unconfined,
// with securityfs mounted for apparmor_parser. Then it prints the
// kernel's log and powers off. The guest's writes go to a snapshot: the
// cached image never changes.
package vmtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/confine-policy/confine/internal/seltest"
	"github.com/confine-policy/confine/internal/testutil"
	"github.com/confine-policy/confine/pkg/confine"
	"github.com/confine-policy/confine/templates"
)

//go:embed init.sh
var initScript []byte

// Packages are what debootstrap installs beyond the minimal base: the
// SELinux userland and policy, AppArmor's parser and its abstractions,
// podman with its runtime and network stack, docker (which a test starts
// by hand), and busybox for the init's poweroff.
var Packages = []string{
	"selinux-policy-default", "policycoreutils", "selinux-utils",
	"apparmor",
	"podman", "crun", "conmon", "netavark", "uidmap", "iptables",
	"docker.io",
	"busybox-static",
}

const (
	suite  = "bookworm"
	mirror = "http://deb.debian.org/debian"
	// policySource holds refpolicy's container module.
	policySource = "/usr/src/selinux-policy-src.tar.zst"
	develMake    = "/usr/share/selinux/devel/Makefile"
	// containerSource is the container module's source in policySource.
	containerSource = "selinux-policy-src/policy/modules/services/container"
	// testLabel is what the files of the test's disk are labelled.
	testLabel = "system_u:object_r:bin_t:s0"
	// imageSize is the guest's disk; mke2fs makes a sparse file.
	imageSize = "3G"
	// cacheFormat names the layout of the cache; change it when the way
	// an image is made changes.
	cacheFormat = "confine-vmtest-1"
)

// An Image is a bootable guest.
type Image struct {
	Disk, Kernel, Initrd string
	// Built says the image was made in this run rather than found in the
	// cache, and BuildTime how long that took.
	Built     bool
	BuildTime time.Duration
}

// tools are the host programs building and booting a guest takes.
var tools = []string{"debootstrap", "qemu-system-x86_64", "mke2fs", "setfiles", "semodule", "make", "zstd", "tar"}

// Build returns the guest image, building what the cache lacks. It skips
// the test, or fails it under CONFINE_REQUIRE_TOOLS=1, when a tool, the
// kernel or root is missing.
func Build(t testing.TB) *Image {
	t.Helper()
	if os.Geteuid() != 0 {
		testutil.Missing(t, "building the enforcing guest needs root (debootstrap, setfiles)")
	}
	for _, tool := range tools {
		testutil.Tool(t, tool)
	}
	testutil.File(t, policySource)
	testutil.File(t, develMake)
	kernel, initrd := findKernel(t)

	start := time.Now()
	rootfs, err := cachedRootfs()
	if err != nil {
		t.Fatalf("building the guest's root file system: %v", err)
	}
	key, err := imageKey(rootfs, kernel)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(os.TempDir(), "confine-vmtest-image-"+key)
	img := &Image{Disk: filepath.Join(dir, "disk.img"), Kernel: kernel, Initrd: initrd}
	built, err := cached(dir, img.Disk, func() error { return buildImage(rootfs, dir) })
	if err != nil {
		t.Fatalf("building the guest's image: %v", err)
	}
	if built {
		img.Built, img.BuildTime = true, time.Since(start)
		pruneImages(dir)
	}
	return img
}

// cached makes what build makes in dir unless done, the file build makes
// last, says it is there. Test processes that need it at once wait for
// the first to build it, under a lock beside dir.
func cached(dir, done string, build func() error) (built bool, err error) {
	if _, err := os.Stat(done); err == nil {
		return false, nil
	}
	unlock, err := testutil.Lock(dir + ".lock")
	if err != nil {
		return false, err
	}
	defer unlock()
	if _, err := os.Stat(done); err == nil {
		return false, nil
	}
	return true, build()
}

// pruneImages removes the cached images other than keep: each holds some
// 400 MB, and one made from older inputs is not booted again. A guest
// still running from one keeps its open file.
func pruneImages(keep string) {
	old, _ := filepath.Glob(filepath.Join(os.TempDir(), "confine-vmtest-image-*"))
	for _, p := range old {
		if p != keep && p != keep+".lock" {
			os.RemoveAll(p)
		}
	}
}

// findKernel returns Debian's newest installed kernel and its initrd,
// which has the virtio and ext4 drivers the guest boots from.
func findKernel(t testing.TB) (string, string) {
	t.Helper()
	kernels, _ := filepath.Glob("/boot/vmlinuz-*")
	if len(kernels) == 0 {
		testutil.Missing(t, "no kernel in /boot (install linux-image-amd64)")
	}
	slices.Sort(kernels)
	kernel := kernels[len(kernels)-1]
	initrd := strings.Replace(kernel, "vmlinuz-", "initrd.img-", 1)
	testutil.File(t, initrd)
	return kernel, initrd
}

// cachedRootfs returns the directory debootstrap filled, running it once
// per package list.
func cachedRootfs() (string, error) {
	h := sha256.New()
	fmt.Fprintln(h, cacheFormat, suite, mirror, strings.Join(Packages, ","))
	dir := filepath.Join(os.TempDir(), "confine-vmtest-rootfs-"+hex.EncodeToString(h.Sum(nil))[:16])
	done := filepath.Join(dir, ".confine-complete")
	_, err := cached(dir, done, func() error {
		// A directory without the marker is a run that did not finish.
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
		out, err := run(20*time.Minute, "", "debootstrap", "--variant=minbase", "--include="+strings.Join(Packages, ","), suite, dir, mirror)
		if err != nil {
			return fmt.Errorf("debootstrap: %w\n%s", err, tail(out))
		}
		return os.WriteFile(done, nil, 0o644)
	})
	return dir, err
}

// imageKey hashes what an image is made of besides the root file system's
// packages: the policy source, confine's templates and engine module, the
// init, and the kernel whose initrd boots it.
func imageKey(rootfs, kernel string) (string, error) {
	h := sha256.New()
	fmt.Fprintln(h, cacheFormat, rootfs, kernel)
	for _, f := range []string{policySource, kernel} {
		if err := seltest.HashFile(h, f); err != nil {
			return "", err
		}
	}
	if err := seltest.HashTemplates(h); err != nil {
		return "", err
	}
	h.Write(initScript)
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// buildImage makes the guest's disk in dir from a copy of rootfs.
func buildImage(rootfs, dir string) (err error) {
	work, err := os.MkdirTemp(os.TempDir(), "confine-vmtest-build-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	root := filepath.Join(work, "root")
	if out, err := run(5*time.Minute, "", "cp", "-a", rootfs, root); err != nil {
		return fmt.Errorf("copying the root file system: %w\n%s", err, tail(out))
	}

	// refpolicy's container module, from the policy source this host has
	// (the guest's Debian release is the host's).
	src := filepath.Join(work, "container")
	if err := os.Mkdir(src, 0o755); err != nil {
		return err
	}
	if out, err := run(time.Minute, src, "tar", "--zstd", "-xf", policySource, "--strip-components=4", containerSource+".te", containerSource+".fc"); err != nil {
		return fmt.Errorf("extracting the container module: %w\n%s", err, tail(out))
	}
	if out, err := run(2*time.Minute, src, "make", "-f", develMake, "container.pp"); err != nil {
		return fmt.Errorf("building the container module: %w\n%s", err, tail(out))
	}
	tmpl := filepath.Join(work, "templates")
	if _, err := confine.WriteTemplates(tmpl); err != nil {
		return err
	}
	args := []string{"-p", root, "-s", "default", "-n", "-i", filepath.Join(src, "container.pp")}
	for _, name := range templates.Written() {
		args = append(args, filepath.Join(tmpl, name))
	}
	if out, err := run(5*time.Minute, "", "semodule", args...); err != nil {
		return fmt.Errorf("installing the container module and templates: %w\n%s", err, tail(out))
	}
	// The templates where the recipe names them, as confine templates
	// --write puts them.
	if _, err := confine.WriteTemplates(filepath.Join(root, templates.Refpolicy.Dir())); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(root, "sbin", "init"), initScript, 0o755); err != nil {
		return err
	}
	// podman's storage, made now so that it is labelled as the policy
	// says rather than as the directory it would be created in.
	if err := os.MkdirAll(filepath.Join(root, "var", "lib", "containers", "storage"), 0o700); err != nil {
		return err
	}
	fc := filepath.Join(root, "etc", "selinux", "default", "contexts", "files", "file_contexts")
	if out, err := run(5*time.Minute, "", "setfiles", "-r", root, fc, root); err != nil {
		return fmt.Errorf("labelling the guest: %w\n%s", err, tail(out))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmpDisk := filepath.Join(dir, "disk.img.tmp")
	if out, err := run(5*time.Minute, "", "mke2fs", "-q", "-t", "ext4", "-d", root, "-F", tmpDisk, imageSize); err != nil {
		return fmt.Errorf("packing the guest's disk: %w\n%s", err, tail(out))
	}
	return os.Rename(tmpDisk, filepath.Join(dir, "disk.img"))
}

// A Boot is what one run of the guest printed.
type Boot struct {
	// Console is everything the guest wrote to its serial console.
	Console []byte
	// Elapsed is how long qemu ran, from start to power-off.
	Elapsed time.Duration
	// Hung is the console of a first boot the emulator hung in (the
	// kernel's soft-lockup watchdog fired), after which the guest was
	// booted once more; nil when the first boot ran through.
	Hung []byte
}

// An LSM is the security module a booted guest's kernel enforces.
type LSM int

const (
	// SELinux boots with selinux=1 enforcing=1 and the image's policy
	// loaded by the init.
	SELinux LSM = iota
	// AppArmor boots with apparmor=1 and no profile loaded but those the
	// test's script loads.
	AppArmor
)

// params is what the kernel's command line says to make it enforce l and
// no other LSM that confines processes.
func (l LSM) params() string {
	if l == AppArmor {
		return "lsm=apparmor,capability apparmor=1 security=apparmor"
	}
	return "selinux=1 security=selinux enforcing=1 lsm=selinux,capability"
}

// ErrNoPowerOff is returned when the guest did not power itself off
// within the time allowed.
var ErrNoPowerOff = errors.New("the guest did not power off")

// Run boots the image with its kernel enforcing lsm and the files of dir
// on a second disk, as /opt/confine-test, and waits for the guest to run
// dir/run.sh and power off, at most timeout. It returns what the guest
// printed even on an error. A boot the emulator hangs in is stopped when
// the kernel reports it and made once more (Boot.Hung).
func (img *Image) Run(t testing.TB, lsm LSM, dir string, timeout time.Duration) (*Boot, error) {
	t.Helper()
	work := t.TempDir()
	// Under SELinux, the guest reads and runs what is there as it would
	// programs of its own: mke2fs keeps the labels. AppArmor does not
	// read them.
	err := filepath.WalkDir(dir, func(path string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return syscall.Setxattr(path, "security.selinux", []byte(testLabel+"\x00"), 0)
	})
	if err != nil {
		return nil, fmt.Errorf("labelling the test disk: %w", err)
	}
	second := filepath.Join(work, "test.img")
	if out, err := run(time.Minute, "", "mke2fs", "-q", "-t", "ext4", "-d", dir, "-F", second, "512M"); err != nil {
		return nil, fmt.Errorf("packing the test disk: %w\n%s", err, tail(out))
	}
	// One virtual CPU: with two, software emulation has hung the guest
	// with both CPUs spinning in the kernel (soft lockups while one waits
	// for the other's answer to a cross-CPU call).
	args := []string{
		"-machine", "q35", "-cpu", "max", "-smp", "1", "-m", "2048",
		"-nographic", "-no-reboot", "-snapshot", "-monitor", "none",
		"-kernel", img.Kernel, "-initrd", img.Initrd,
		"-drive", "file=" + img.Disk + ",format=raw,if=virtio",
		"-drive", "file=" + second + ",format=raw,if=virtio",
		"-append", "root=/dev/vda rw console=ttyS0 quiet panic=-1 " + lsm.params(),
	}
	b, err := boot(work, "console.txt", args, timeout)
	if errors.Is(err, errHung) {
		// The emulator's fault, not the test's: every check runs again
		// from a fresh snapshot, and the caller can say it happened.
		hung := b.Console
		b, err = boot(work, "console-2.txt", args, timeout)
		b.Hung = hung
	}
	return b, err
}

// errHung is returned by boot when the guest's kernel reported a soft
// lockup: the guest will not finish, so it is not waited for.
var errHung = errors.New("the guest hung (soft lockup)")

// boot runs qemu with args and the serial console in the file named
// console in work, at most timeout, stopping early when the console
// shows the guest hung.
func boot(work, console string, args []string, timeout time.Duration) (*Boot, error) {
	console = filepath.Join(work, console)
	args = append(slices.Clip(args), "-serial", "file:"+console)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	hung := make(chan struct{})
	go func() {
		tick := time.NewTicker(2 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				if c, _ := os.ReadFile(console); bytes.Contains(c, []byte("soft lockup")) {
					close(hung)
					cancel()
					return
				}
			}
		}
	}()
	start := time.Now()
	cmd := exec.CommandContext(ctx, "qemu-system-x86_64", args...)
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.CombinedOutput()
	b := &Boot{Elapsed: time.Since(start)}
	b.Console, _ = os.ReadFile(console)
	select {
	case <-hung:
		return b, errHung
	default:
	}
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return b, fmt.Errorf("%w within %v", ErrNoPowerOff, timeout)
	case err != nil:
		return b, fmt.Errorf("qemu: %w\n%s", err, tail(out))
	case !bytes.Contains(b.Console, []byte("@@ end of kernel log")):
		return b, fmt.Errorf("the guest stopped before its init was done")
	}
	return b, nil
}

// run runs a command in dir, bounded by timeout, and returns its combined
// output.
func run(timeout time.Duration, dir, name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		return out, ctx.Err()
	}
	return out, err
}

// tail returns the last lines of a command's output, for errors.
func tail(out []byte) string {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return strings.Join(lines[max(0, len(lines)-20):], "\n")
}
