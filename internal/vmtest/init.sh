#!/bin/sh
# The guest's /sbin/init (see package vmtest). Under SELinux the kernel
# runs it twice: first with no policy loaded, to load it; then,
# re-executed, in the domain the policy gives init. Under AppArmor it runs
# once, unconfined: there is nothing to load before the test's script
# loads its profiles. It runs that script from the second disk as a root
# shell would (in unconfined_t under SELinux), prints the kernel's log,
# and powers the guest off. No systemd: nothing runs but what the test
# asks for.
export PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# selinuxfs has its mount point only in a kernel that runs SELinux.
selinux() { [ -d /sys/fs/selinux ]; }
if [ "$CONFINE_STAGE" != 2 ]; then
	mount -t proc proc /proc 2>/dev/null
	mount -t sysfs sys /sys 2>/dev/null
	if selinux; then
		load_policy -i || echo "@@ load_policy failed" >/dev/ttyS0
		export CONFINE_STAGE=2
		exec /sbin/init
	fi
fi
if selinux; then
	# Device nodes made before the policy was loaded have no label of
	# theirs.
	restorecon -R /dev
	exec >/dev/ttyS0 2>&1 </dev/null
	echo "@@ init $(id -Z) enforce=$(cat /sys/fs/selinux/enforce)"
else
	exec >/dev/ttyS0 2>&1 </dev/null
	echo "@@ init $(cat /proc/self/attr/current) apparmor=$(cat /sys/module/apparmor/parameters/enabled) mode=$(cat /sys/module/apparmor/parameters/mode)"
fi
# apparmor_parser loads profiles through securityfs.
mount -t securityfs securityfs /sys/kernel/security
echo "@@ lsm $(cat /sys/kernel/security/lsm)"
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs shm /dev/shm
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mkdir -p /opt/confine-test
mount -o ro /dev/vdb /opt/confine-test
if selinux; then
	restorecon -R /run /tmp /dev /sys/fs/cgroup
fi
# Every denial must reach the log.
echo 0 >/proc/sys/kernel/printk_ratelimit
echo "@@ ready $(cut -d' ' -f1 /proc/uptime)"
if selinux; then
	# Output goes through a pipe of the shell's: the engines may not
	# write to the console itself.
	runcon unconfined_u:unconfined_r:unconfined_t:s0-s0:c0.c1023 sh -c 'sh /opt/confine-test/run.sh 2>&1 | cat'
else
	sh /opt/confine-test/run.sh
fi
echo "@@ run done $(cut -d' ' -f1 /proc/uptime)"
echo "@@ kernel log"
# Through a pipe: under SELinux, dmesg's domain may not write to the
# console either.
dmesg 2>/dev/null | cat
echo "@@ end of kernel log"
sync
exec busybox poweroff -f
