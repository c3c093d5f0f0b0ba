#!/usr/bin/env bash
# Copyright: (c) 2026, mcpops contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# A real SSH test fleet on this machine (root only). Every host is a network namespace on a private bridge,
# its own sshd listening only on the namespace address, and a private mount namespace in which per-host
# directories are bind-mounted over /root and the test user's home (so every host has its own ~/.config/Claude).
#
#   fleet.sh up N          make hosts fleet1..fleetN (idempotent; drops hosts above N); last line: inventory path
#   fleet.sh down          stop everything `up` started, remove what it created (idempotent)
#   fleet.sh status        one line per host
#   fleet.sh home HOST [USER]   the host's home directory of USER (default root) as seen from this machine
#   fleet.sh stop HOST     kill the host's sshd and every process of its namespace (the host becomes unreachable)
#   fleet.sh start HOST    start the host's sshd again (after stop, or to pick up a new mount under its home)
#   fleet.sh tmpfs HOST SIZE   put the host's root home on a tmpfs of SIZE (e.g. 64k), contents kept; restarts sshd
#   fleet.sh untmpfs HOST      move the host's root home back to disk, contents kept; restarts sshd
#   fleet.sh exec HOST CMD...  run CMD inside the host's network and mount namespaces (e.g. a read-only bind mount)
#
# State lives in $FLEET_DIR (default <repo>/build/fleet): keys, known_hosts, inventory.yml, hosts/<name>/.
# Addresses: bridge mcpfleet0 10.213.0.1/24, host N at 10.213.0.(10+N); nothing leaves this machine.
# A second fleet beside the first (e.g. the molecule scenario's) sets FLEET_PREFIX (host and namespace names,
# default fleet), FLEET_SUBNET (first three octets, default 10.213.0) and its own FLEET_DIR.

set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=${MCPOPS_REPO:-$(cd "$HERE/../.." && pwd)}
FLEET_DIR=${FLEET_DIR:-$REPO/build/fleet}
PREFIX=${FLEET_PREFIX:-fleet}
[[ $PREFIX =~ ^[a-z]{1,8}$ ]] || { echo "fleet.sh: FLEET_PREFIX must be 1-8 lower-case letters" >&2; exit 1; }
BRIDGE=mcp${PREFIX}0
SUBNET_PREFIX=${FLEET_SUBNET:-10.213.0}
[[ $SUBNET_PREFIX =~ ^10\.[0-9]{1,3}\.[0-9]{1,3}$ ]] || { echo "fleet.sh: FLEET_SUBNET must look like 10.213.0" >&2; exit 1; }
BRIDGE_ADDR=$SUBNET_PREFIX.1
TEST_USER=${FLEET_TEST_USER:-mcpfleet}
TEST_USER_HOME=/home/$TEST_USER
PYTHON=${FLEET_PYTHON:-/usr/bin/python3}
SSHD=${FLEET_SSHD:-/usr/sbin/sshd}
MAX_HOSTS=200

die() { echo "fleet.sh: $*" >&2; exit 1; }
host_index() { [[ $1 =~ ^$PREFIX([0-9]+)$ ]] || die "unknown host '$1' (hosts are ${PREFIX}1..${PREFIX}N)"; echo "${BASH_REMATCH[1]}"; }
host_addr() { echo "$SUBNET_PREFIX.$((10 + $(host_index "$1")))"; }
host_dir() { echo "$FLEET_DIR/hosts/$1"; }
# authorized_keys live under /run (root-owned, 0755 all the way up), one directory per FLEET_DIR: sshd's StrictModes
# refuses keys below a group/world-writable directory, and a checkout (so FLEET_DIR) may well sit under /tmp.
KEYS_DIR=/run/mcpops-fleet/$(printf '%s' "$FLEET_DIR" | sha1sum | cut -c1-12)
veth_of() { echo "v$1"; }   # root-side end; fits IFNAMSIZ (15) for an 8-letter prefix and 3 digits
known_hosts_list() { [ -d "$FLEET_DIR/hosts" ] && ls "$FLEET_DIR/hosts" 2>/dev/null | grep -E "^$PREFIX[0-9]+\$" | sort -V || true; }
netns_list() { ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^$PREFIX[0-9]+\$" | sort -V || true; }
sshd_pid() { local f; f="$(host_dir "$1")/sshd.pid"; [ -s "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && cat "$f"; }

require_root() {
    [ "$(id -u)" = 0 ] || die "needs root (network and mount namespaces, bind mounts); running as uid $(id -u)"
    [ -x "$SSHD" ] || die "$SSHD not found: install Debian openssh-server (make fleet-deps)"
    [ -x "$PYTHON" ] || die "$PYTHON not found (the hosts' ansible_python_interpreter; set FLEET_PYTHON)"
}

# The unprivileged test user's servers run from the checkout (tests/servers, node_modules): every directory above
# it must be traversable (o+x) for that user. A checkout in a `mktemp -d` directory (0700) is not; add o+x only
# (no read), and leave it: another fleet (molecule's) may be using the same path.
ensure_traversable() {
    local d
    for d in "$@"; do
        while [ "$d" != / ]; do
            if [ -z "$(find "$d" -maxdepth 0 -perm -o+x 2>/dev/null)" ]; then chmod o+x "$d"; fi
            d=$(dirname "$d")
        done
    done
}

# sshd's StrictModes refuses an authorized_keys file below a group/world-writable directory (e.g. /tmp).
check_key_path() {
    local d=$1
    while [ "$d" != / ]; do
        if [ -n "$(find "$d" -maxdepth 0 -perm /022 2>/dev/null)" ]; then
            die "$d is group/world-writable: sshd StrictModes would refuse the keys below it; set FLEET_DIR elsewhere"
        fi
        d=$(dirname "$d")
    done
}

ensure_user() {
    if ! getent passwd "$TEST_USER" >/dev/null; then
        # A second fleet starting at the same moment may win the race: only its absence afterwards is an error.
        useradd --system --user-group --no-create-home --home-dir "$TEST_USER_HOME" --shell /bin/bash "$TEST_USER" \
            || getent passwd "$TEST_USER" >/dev/null || die "cannot create user $TEST_USER"
    fi
    # UsePAM no rejects locked ('!') accounts even for key logins: '*' = no password, not locked.
    case "$(getent shadow "$TEST_USER" | cut -d: -f2)" in
        '!'*) usermod -p '*' "$TEST_USER" ;;
    esac
    [ "$(getent passwd "$TEST_USER" | cut -d: -f6)" = "$TEST_USER_HOME" ] || die "user $TEST_USER exists with another home than $TEST_USER_HOME"
    # Mount point only: each host binds its own directory over it.
    [ -d "$TEST_USER_HOME" ] || install -d -m 0755 "$TEST_USER_HOME"
}

ensure_common() {
    case "$FLEET_DIR/" in
        /root/*|"$TEST_USER_HOME"/*) die "FLEET_DIR $FLEET_DIR is under a home directory the hosts mount over; put it elsewhere" ;;
    esac
    install -d -m 0755 "$FLEET_DIR" "$FLEET_DIR/hosts" /run/mcpops-fleet "$KEYS_DIR"
    install -d -m 0700 "$FLEET_DIR/cp"
    check_key_path "$KEYS_DIR"
    ensure_traversable "$REPO" "$HERE"
    [ -s "$FLEET_DIR/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C mcpops-fleet -f "$FLEET_DIR/id_ed25519"
    install -m 0644 "$FLEET_DIR/id_ed25519.pub" "$KEYS_DIR/root"
    install -m 0644 "$FLEET_DIR/id_ed25519.pub" "$KEYS_DIR/$TEST_USER"
    install -d -m 0755 /run/sshd   # sshd's privilege separation directory
    if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
        ip link add "$BRIDGE" type bridge
        ip addr add "$BRIDGE_ADDR/24" dev "$BRIDGE"
    fi
    ip link set "$BRIDGE" up
}

write_host_files() {
    local name=$1 dir addr
    dir=$(host_dir "$name"); addr=$(host_addr "$name")
    install -d -m 0755 "$dir"
    install -d -m 0700 "$dir/home"
    install -d -m 0700 -o "$TEST_USER" -g "$(id -gn "$TEST_USER")" "$dir/users" "$dir/users/$TEST_USER"
    chmod 0755 "$dir/users"; chown root:root "$dir/users"
    install -d -m 0755 "$dir/sudoers.d"
    # Only inside this host's mount namespace (bound over /etc/sudoers.d): the test user may become root.
    printf '%s ALL=(ALL:ALL) NOPASSWD: ALL\n' "$TEST_USER" >"$dir/sudoers.d/mcpfleet"
    chmod 0440 "$dir/sudoers.d/mcpfleet"
    [ -s "$dir/ssh_host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -C "$name" -f "$dir/ssh_host_ed25519_key"
    cat >"$dir/sshd_config" <<EOF
# sshd of fleet host $name (written by tests/fleet/fleet.sh)
ListenAddress $addr
Port 22
HostKey $dir/ssh_host_ed25519_key
PidFile $dir/sshd.pid
AuthorizedKeysFile $KEYS_DIR/%u
AuthenticationMethods publickey
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
AllowUsers root $TEST_USER
UsePAM no
StrictModes yes
UseDNS no
PrintMotd no
PrintLastLog no
MaxStartups 100:30:200
MaxSessions 50
Subsystem sftp internal-sftp
EOF
}

start_host() {
    local name=$1 dir addr veth
    dir=$(host_dir "$name"); addr=$(host_addr "$name"); veth=$(veth_of "$name")
    [ -d "$dir" ] || die "no such host $name (run up first)"
    if ! ip netns list | awk '{print $1}' | grep -qx "$name"; then
        ip netns add "$name"
    fi
    if ! ip link show "$veth" >/dev/null 2>&1; then
        ip link add "$veth" type veth peer name eth0 netns "$name"
        ip link set "$veth" master "$BRIDGE" up
        ip -n "$name" addr add "$addr/24" dev eth0
        ip -n "$name" link set eth0 up
        ip -n "$name" link set lo up
    fi
    if sshd_pid "$name" >/dev/null; then
        return 0
    fi
    # Sessions of an earlier sshd outlive it (ControlPersist); they would hold the old mounts and sockets.
    [ -z "$(ip netns pids "$name" 2>/dev/null || true)" ] || kill_host_procs "$name"
    rm -f "$dir/sshd.pid"
    "$SSHD" -t -f "$dir/sshd_config" || die "sshd config of $name is invalid ($dir/sshd_config)"
    # A private mount namespace inside the network namespace; sshd daemonises inside it and keeps it alive.
    ip netns exec "$name" unshare --mount --propagation private -- /bin/sh -ec '
        mount --bind "$1/home" /root
        mount --bind "$1/users/$2" "$3"
        mount --bind "$1/sudoers.d" /etc/sudoers.d
        exec "$4" -f "$1/sshd_config" -E "$1/sshd.log"
    ' fleet-host "$dir" "$TEST_USER" "$TEST_USER_HOME" "$SSHD"
}

wait_ready() {
    local name addr i
    for name in "$@"; do
        addr=$(host_addr "$name")
        for i in $(seq 1 100); do
            if sshd_pid "$name" >/dev/null && (exec 3<>"/dev/tcp/$addr/22") 2>/dev/null; then
                continue 2
            fi
            sleep 0.05
        done
        die "sshd of $name did not come up on $addr:22 (see $(host_dir "$name")/sshd.log)"
    done
}

# Every process in the host's network namespace is ours: sshd, the sessions it serves (ControlPersist
# masters keep theirs alive after the listener is gone), and whatever those sessions started.
kill_host_procs() {
    local name=$1 pids pid i
    pid=$(sshd_pid "$name" || true)
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    for i in $(seq 1 40); do
        pids=$(ip netns pids "$name" 2>/dev/null || true)
        [ -z "$pids" ] && break
        if [ "$i" -lt 20 ]; then kill $pids 2>/dev/null || true; else kill -9 $pids 2>/dev/null || true; fi
        sleep 0.05
    done
    [ -z "$(ip netns pids "$name" 2>/dev/null || true)" ] || die "processes of $name would not stop: $(ip netns pids "$name" | tr '\n' ' ')"
    rm -f "$(host_dir "$name")/sshd.pid"
}

# Sockets whose master is gone (a crashed run, a killed host) are removed; live masters are kept.
drop_stale_control_sockets() {
    local sock
    [ -d "$FLEET_DIR/cp" ] || return 0
    for sock in "$FLEET_DIR"/cp/*; do
        [ -S "$sock" ] || continue
        timeout 5 ssh -o ControlPath="$sock" -O check fleet >/dev/null 2>&1 || rm -f "$sock"
    done
}

# ssh -O exit stops our own ControlPersist masters cleanly; sockets left behind would make the next run hang.
close_control_sockets() {
    local sock
    [ -d "$FLEET_DIR/cp" ] || return 0
    for sock in "$FLEET_DIR"/cp/*; do
        [ -e "$sock" ] || continue
        timeout 5 ssh -o ControlPath="$sock" -O exit fleet >/dev/null 2>&1 || true
        rm -f "$sock"
    done
}

remove_host() {
    local name=$1 dir veth
    dir=$(host_dir "$name"); veth=$(veth_of "$name")
    if ip netns list | awk '{print $1}' | grep -qx "$name"; then
        kill_host_procs "$name"
    elif [ -n "$(sshd_pid "$name" || true)" ]; then
        kill "$(sshd_pid "$name")" 2>/dev/null || true
    fi
    # Root side first: deleting the namespace first races with the kernel tearing down the peer.
    ip link del "$veth" 2>/dev/null || true
    ip netns del "$name" 2>/dev/null || true
    if mountpoint -q "$dir/home"; then umount "$dir/home"; fi
    rm -rf "$dir"
}

write_inventory() {
    local n=$1 i name tmp
    tmp="$FLEET_DIR/inventory.yml.tmp"
    : >"$FLEET_DIR/known_hosts.tmp"
    for i in $(seq 1 "$n"); do
        name=$PREFIX$i
        printf '%s %s\n' "$(host_addr "$name")" "$(cut -d' ' -f1,2 "$(host_dir "$name")/ssh_host_ed25519_key.pub")" >>"$FLEET_DIR/known_hosts.tmp"
    done
    mv -f "$FLEET_DIR/known_hosts.tmp" "$FLEET_DIR/known_hosts"
    {
        echo "# Written by tests/fleet/fleet.sh up $n; regenerated on every up."
        echo "all:"
        echo "  children:"
        echo "    fleet:"
        echo "      hosts:"
        for i in $(seq 1 "$n"); do
            echo "        $PREFIX$i:"
            echo "          ansible_host: $(host_addr "$PREFIX$i")"
        done
        echo "      vars:"
        echo "        ansible_connection: ssh"
        echo "        ansible_user: root"
        echo "        ansible_port: 22"
        echo "        ansible_ssh_private_key_file: $FLEET_DIR/id_ed25519"
        echo "        ansible_ssh_host_key_checking: true"
        echo "        ansible_ssh_common_args: >-"
        echo "          -o UserKnownHostsFile=$FLEET_DIR/known_hosts -o GlobalKnownHostsFile=/dev/null"
        echo "          -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes -o BatchMode=yes -o ConnectTimeout=5"
        echo "        ansible_ssh_pipelining: true"
        echo "        ansible_control_path_dir: $FLEET_DIR/cp"
        echo "        # Outside every host's mounted home (pyenv under /root disappears inside a host)."
        echo "        ansible_python_interpreter: $PYTHON"
        echo "        fleet_test_user: $TEST_USER"
        echo "        fleet_test_user_home: $TEST_USER_HOME"
    } >"$tmp"
    mv -f "$tmp" "$FLEET_DIR/inventory.yml"
}

cmd_up() {
    local n=${1:-}
    [[ $n =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le $MAX_HOSTS ] || die "usage: fleet.sh up N (1..$MAX_HOSTS)"
    require_root
    ensure_user
    ensure_common
    local name i names=()
    for name in $(known_hosts_list) $(netns_list); do
        i=$(host_index "$name")
        if [ "$i" -gt "$n" ]; then remove_host "$name"; fi
    done
    for i in $(seq 1 "$n"); do
        name=$PREFIX$i
        [ -d "$(host_dir "$name")" ] || write_host_files "$name"
        start_host "$name"
        names+=("$name")
    done
    wait_ready "${names[@]}"
    drop_stale_control_sockets
    write_inventory "$n"
    echo "$FLEET_DIR/inventory.yml"
}

cmd_down() {
    [ "$(id -u)" = 0 ] || die "needs root; running as uid $(id -u)"
    close_control_sockets
    local name
    for name in $(printf '%s\n' $(known_hosts_list) $(netns_list) | sort -uV); do
        remove_host "$name"
    done
    if ip link show "$BRIDGE" >/dev/null 2>&1; then ip link del "$BRIDGE"; fi
    rm -rf "$FLEET_DIR/hosts" "$FLEET_DIR/cp" "$FLEET_DIR/authorized_keys" "$KEYS_DIR"
    rm -f "$FLEET_DIR/inventory.yml" "$FLEET_DIR/known_hosts" "$FLEET_DIR/id_ed25519" "$FLEET_DIR/id_ed25519.pub"
    rmdir "$FLEET_DIR" 2>/dev/null || true
}

cmd_status() {
    local name pid any=0
    for name in $(printf '%s\n' $(known_hosts_list) $(netns_list) | sort -uV); do
        any=1
        pid=$(sshd_pid "$name" || true)
        printf '%s %s sshd=%s procs=%s home=%s\n' "$name" "$(host_addr "$name")" "${pid:-down}" \
            "$(ip netns pids "$name" 2>/dev/null | wc -l)" "$(host_dir "$name")/home"
    done
    [ $any = 1 ] || echo "no $PREFIX hosts"
}

cmd_home() {
    local name=${1:-} user=${2:-root} dir
    [ -n "$name" ] || die "usage: fleet.sh home HOST [USER]"
    host_index "$name" >/dev/null
    dir=$(host_dir "$name")
    [ -d "$dir" ] || die "no such host $name"
    if [ "$user" = root ]; then echo "$dir/home"; else echo "$dir/users/$user"; fi
}

cmd_tmpfs() {
    local name=${1:-} size=${2:-} dir stash
    [ -n "$name" ] && [[ $size =~ ^[0-9]+[kKmM]?$ ]] || die "usage: fleet.sh tmpfs HOST SIZE (e.g. 64k)"
    require_root
    dir=$(host_dir "$name")
    [ -d "$dir" ] || die "no such host $name"
    kill_host_procs "$name"
    if ! mountpoint -q "$dir/home"; then
        stash=$(mktemp -d "$dir/home-stash.XXXXXX")
        cp -a "$dir/home/." "$stash/"
        mount -t tmpfs -o "size=$size,mode=0700" "fleet-$name-home" "$dir/home"
        cp -a "$stash/." "$dir/home/" || { umount "$dir/home"; rm -rf "$stash"; die "contents of $name's home do not fit in $size"; }
        rm -rf "$stash"
    fi
    start_host "$name"
    wait_ready "$name"
}

cmd_untmpfs() {
    local name=${1:-} dir stash
    [ -n "$name" ] || die "usage: fleet.sh untmpfs HOST"
    require_root
    dir=$(host_dir "$name")
    [ -d "$dir" ] || die "no such host $name"
    kill_host_procs "$name"
    if mountpoint -q "$dir/home"; then
        stash=$(mktemp -d "$dir/home-stash.XXXXXX")
        cp -a "$dir/home/." "$stash/"
        umount "$dir/home"
        cp -a "$stash/." "$dir/home/"
        rm -rf "$stash"
    fi
    start_host "$name"
    wait_ready "$name"
}

case "${1:-}" in
    up) shift; cmd_up "$@" ;;
    down) cmd_down ;;
    status) cmd_status ;;
    home) shift; cmd_home "$@" ;;
    stop) [ -n "${2:-}" ] || die "usage: fleet.sh stop HOST"; require_root; host_index "$2" >/dev/null; kill_host_procs "$2" ;;
    start) [ -n "${2:-}" ] || die "usage: fleet.sh start HOST"; require_root; start_host "$2"; wait_ready "$2" ;;
    tmpfs) shift; cmd_tmpfs "$@" ;;
    untmpfs) shift; cmd_untmpfs "$@" ;;
    exec) [ -n "${2:-}" ] && [ -n "${3:-}" ] || die "usage: fleet.sh exec HOST CMD..."; require_root
        pid=$(sshd_pid "$2") || die "sshd of $2 is not running"; shift 2; exec nsenter --target "$pid" --mount --net -- "$@" ;;
    *) sed -n '5,18p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
