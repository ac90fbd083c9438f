#!/usr/bin/env bash
# A real one-node SLURM cluster on this machine, to prove profiles/slurm in the test suite.
#
# Usage: tools/slurm_cluster.sh [start | stop [DAEMON...] | status | check]     (root only)
#   start   (default) install slurm-wlm + munge if missing, write /etc/slurm/{slurm,gres}.conf,
#           start munged, slurmctld and slurmd, wait until the node accepts jobs.
#           Idempotent: daemons that run are left alone, unless the generated config changed.
#   stop    stop slurmd, slurmctld and munged, or only the daemons named. Running jobs
#           keep running under slurmstepd; a restarted slurmd takes them over again.
#   status  print daemons, node and queue; exit 0 only if the cluster accepts jobs.
#   check   start, then submit a 1-GPU smoke job and print what it saw.
#
# The node is this machine: its CPUs and memory (from `slurmd -C`), plus fake GPUs backed by
# /dev/null (gres needs a File=, nothing ever opens it), so jobs that ask for --gpus get
# CUDA_VISIBLE_DEVICES set. No accounting database: sacct does not work, job status must be
# polled with squeue, which lists finished jobs for MinJobAge seconds.
#
# Settings (environment):
#   SYMREP_SLURM_LOCAL_PARTITION  partition name               (default: debug)
#   SYMREP_SLURM_LOCAL_GPUS       number of fake GPUs, 0 = none (default: 1)
#   SYMREP_SLURM_LOCAL_WAIT_S     seconds to wait for the node  (default: 30)
set -euo pipefail

PARTITION=${SYMREP_SLURM_LOCAL_PARTITION:-debug}
GPUS=${SYMREP_SLURM_LOCAL_GPUS:-1}
WAIT_S=${SYMREP_SLURM_LOCAL_WAIT_S:-30}

CONF_DIR=/etc/slurm
LOG_DIR=/var/log/slurm
CTLD_STATE=/var/spool/slurmctld
SLURMD_SPOOL=/var/spool/slurmd
CTLD_PID=/run/slurmctld.pid
SLURMD_PID=/run/slurmd.pid
MUNGE_PID=/run/munge/munged.pid
MUNGE_KEY=/etc/munge/munge.key
TASK_PROLOG=$CONF_DIR/task_prolog.sh
NODE=$(hostname -s)

log() { printf 'slurm_cluster: %s\n' "$*" >&2; }
die() {
    log "ERROR: $*"
    exit 1
}

require_root() {
    [[ $(id -u) -eq 0 ]] || die "must run as root (it installs packages and starts system daemons); try: sudo $0 ${1:-start}"
}

# Live (non-zombie) processes whose command name is exactly $1. PID 1 on some machines reaps
# orphans only now and then, so a killed daemon can linger as a zombie that `kill -0` and
# pgrep still report; /proc/PID/stat's state field tells them apart.
live_pids() {
    local want=$1 dir pid comm stat state
    for dir in /proc/[0-9]*; do
        pid=${dir#/proc/}
        { read -r comm <"$dir/comm" && read -r stat <"$dir/stat"; } 2>/dev/null || continue
        [[ $comm == "$want" ]] || continue
        state=${stat##*) }
        state=${state%% *}
        [[ $state != Z && $state != X ]] && echo "$pid"
    done
    return 0
}

is_running() { [[ -n $(live_pids "$1") ]]; }

# Stop every live process named $1, SIGTERM first, SIGKILL after 10 s; remove its pid file.
stop_daemon() {
    local name=$1 pidfile=$2 pids i
    pids=$(live_pids "$name")
    if [[ -n $pids ]]; then
        log "stopping $name (pid $(echo "$pids" | tr '\n' ' '| sed 's/ $//'))"
        # shellcheck disable=SC2086 # word splitting of the pid list is intended
        kill -TERM $pids 2>/dev/null || true
        for ((i = 0; i < 100; i++)); do
            is_running "$name" || break
            sleep 0.1
        done
        pids=$(live_pids "$name")
        if [[ -n $pids ]]; then
            log "$name ignored SIGTERM for 10 s, sending SIGKILL"
            # shellcheck disable=SC2086
            kill -KILL $pids 2>/dev/null || true
            sleep 0.5
        fi
    fi
    # A pid file left behind would make Debian's maintainer scripts (and humans) think the
    # daemon still runs.
    rm -f "$pidfile"
}

install_packages() {
    local missing=()
    command -v slurmctld >/dev/null || missing+=(slurmctld)
    command -v slurmd >/dev/null || missing+=(slurmd)
    command -v sbatch >/dev/null || missing+=(sbatch)
    command -v munged >/dev/null || missing+=(munged)
    [[ ${#missing[@]} -eq 0 ]] && return 0
    command -v apt-get >/dev/null || die "${missing[*]} missing and no apt-get to install slurm-wlm and munge"
    log "installing slurm-wlm and munge (missing: ${missing[*]})"
    export DEBIAN_FRONTEND=noninteractive
    # --no-install-recommends skips slurm-wlm-plugins (hdf5, rocm-smi, freeipmi, ...).
    if ! apt-get install -y -q --no-install-recommends slurm-wlm munge >/tmp/slurm_cluster_apt.log 2>&1; then
        log "apt-get install failed, refreshing package lists and retrying"
        apt-get update -q >>/tmp/slurm_cluster_apt.log 2>&1 || true
        apt-get install -y -q --no-install-recommends slurm-wlm munge >>/tmp/slurm_cluster_apt.log 2>&1 ||
            die "apt-get install slurm-wlm munge failed; see /tmp/slurm_cluster_apt.log: $(tail -3 /tmp/slurm_cluster_apt.log)"
    fi
    for cmd in slurmctld slurmd sbatch munged; do
        command -v "$cmd" >/dev/null || die "$cmd still missing after installing slurm-wlm and munge"
    done
}

# Print slurm.conf for this machine on stdout.
render_slurm_conf() {
    local hw cpus boards sockets cores threads mem realmem gres=""
    # e.g. "NodeName=vm CPUs=2 Boards=1 SocketsPerBoard=1 CoresPerSocket=2 ThreadsPerCore=1 RealMemory=23986"
    hw=$(slurmd -C | head -1)
    field() { sed -nE "s/.*[[:space:]]$1=([0-9]+).*/\1/p" <<<"$hw"; }
    cpus=$(field CPUs)
    boards=$(field Boards)
    sockets=$(field SocketsPerBoard)
    cores=$(field CoresPerSocket)
    threads=$(field ThreadsPerCore)
    mem=$(field RealMemory)
    [[ -n $cpus && -n $mem ]] || die "cannot parse 'slurmd -C': $hw"
    # Stay below the real memory: a node that reports less than RealMemory is drained.
    realmem=$((mem > 2048 ? mem - 1024 : mem / 2))
    ((GPUS > 0)) && gres=" Gres=gpu:$GPUS"
    cat <<EOF
# Generated by tools/slurm_cluster.sh: a one-node test cluster. Edits are overwritten.
ClusterName=symrep-local
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
CryptoType=crypto/munge
MpiDefault=none
SwitchType=switch/none
# No cgroups: processes are tracked through /proc, and GPUs are not fenced off.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# Without a default, a job that gives no --mem gets the whole node and runs alone.
DefMemPerCPU=500
GresTypes=gpu
# No accounting database: sacct cannot answer, clients poll squeue instead.
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
# squeue keeps finished jobs for MinJobAge seconds; Snakemake's squeue polling needs
# MinJobAge >= 3 x its first-check delay. An hour, so that the tests can still inspect
# (scontrol show job) the first jobs of a DAG that ran for several minutes.
MinJobAge=3600
# Start batch jobs at once instead of batching them every few seconds.
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
# A node whose slurmd stops answering is set DOWN after SlurmdTimeout; its jobs end as
# NODE_FAIL and are not requeued, so a client sees the failure instead of a job that pends
# forever. ReturnToService=2 puts the node back once slurmd registers again.
SlurmdTimeout=30
JobRequeue=0
ReturnToService=2
MailProg=/bin/true
# Writes what each job step was given (job id, GPUs) into the job's own output file.
TaskProlog=$TASK_PROLOG
StateSaveLocation=$CTLD_STATE
SlurmdSpoolDir=$SLURMD_SPOOL
SlurmctldPidFile=$CTLD_PID
SlurmdPidFile=$SLURMD_PID
SlurmctldLogFile=$LOG_DIR/slurmctld.log
SlurmdLogFile=$LOG_DIR/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$cpus Boards=$boards SocketsPerBoard=$sockets CoresPerSocket=$cores ThreadsPerCore=$threads RealMemory=$realmem$gres State=UNKNOWN
PartitionName=$PARTITION Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
}

# Print gres.conf on stdout. Slurm 22.05 drops a GPU without File=, so each fake GPU gets a
# character device that behaves like /dev/null (the first one is /dev/null itself).
render_gres_conf() {
    local i
    echo "# Generated by tools/slurm_cluster.sh: fake GPUs, nothing opens these files."
    for ((i = 0; i < GPUS; i++)); do
        if ((i == 0)); then
            echo "NodeName=$NODE Name=gpu File=/dev/null"
        else
            [[ -c /dev/symrep-fakegpu$i ]] || mknod "/dev/symrep-fakegpu$i" c 1 3
            echo "NodeName=$NODE Name=gpu File=/dev/symrep-fakegpu$i"
        fi
    done
}

# Print the task prolog on stdout. slurmstepd runs it before every task of every job (the
# batch script and each srun step) and copies lines that start with "print " to the task's
# standard output, i.e. into the job's log file.
render_task_prolog() {
    cat <<'EOF'
#!/bin/sh
# Generated by tools/slurm_cluster.sh: records in each job log what SLURM gave the task.
echo "print symrep-local-slurm: SLURM_JOB_ID=${SLURM_JOB_ID:-} SLURM_STEP_ID=${SLURM_STEP_ID:-} CUDA_VISIBLE_DEVICES=${CUDA_VISIBLE_DEVICES:-}"
EOF
}

# Write $2 to file $1 if it differs; return 0 if it changed.
write_if_changed() {
    local path=$1 content=$2
    if [[ -f $path ]] && [[ $(cat "$path") == "$content" ]]; then
        return 1
    fi
    printf '%s\n' "$content" >"$path.tmp"
    mv "$path.tmp" "$path"
    log "wrote $path"
    return 0
}

start_munge() {
    if [[ ! -s $MUNGE_KEY ]]; then
        log "creating $MUNGE_KEY"
        if command -v mungekey >/dev/null; then
            mungekey --create --keyfile="$MUNGE_KEY"
        else
            dd if=/dev/urandom of="$MUNGE_KEY" bs=1024 count=1 status=none
        fi
    fi
    chown munge:munge "$MUNGE_KEY"
    chmod 0400 "$MUNGE_KEY"
    mkdir -p /run/munge /var/log/munge /var/lib/munge
    chown munge:munge /run/munge /var/log/munge /var/lib/munge
    chmod 0755 /run/munge
    if ! is_running munged; then
        rm -f "$MUNGE_PID" /run/munge/munge.socket.2 /run/munge/munge.socket.2.lock
        log "starting munged"
        runuser -u munge -- /usr/sbin/munged
    fi
    local i
    for ((i = 0; i < 50; i++)); do
        munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    die "munged does not answer (munge -n | unmunge fails); see /var/log/munge/munged.log"
}

node_state() { timeout 5 sinfo -h -N -n "$NODE" -o %t 2>/dev/null | head -1; }

# Print the last lines of a daemon's log, indented, on stderr.
show_log() {
    tail -n "${2:-5}" "$LOG_DIR/$1.log" 2>/dev/null | sed "s/^/  $1.log: /" >&2 || true
}

wait_for_node() {
    local deadline=$((SECONDS + WAIT_S)) state="" resumed=0 daemon
    while ((SECONDS < deadline)); do
        for daemon in slurmctld slurmd; do
            if ! is_running "$daemon"; then
                show_log "$daemon" 8
                die "$daemon exited right after it was started; see $LOG_DIR/$daemon.log"
            fi
        done
        state=$(node_state || true)
        case $state in
            idle | mix | alloc | comp) return 0 ;;
            drain* | drng* | down* | inval* | fail*)
                # A drain/down state saved by an earlier run survives restarts.
                if ((resumed == 0)); then
                    log "node $NODE is '$state', resuming it"
                    scontrol update nodename="$NODE" state=resume 2>/dev/null || true
                    resumed=1
                fi
                ;;
        esac
        sleep 0.2
    done
    sinfo -R 2>&1 | sed 's/^/  sinfo -R: /' >&2 || true
    show_log slurmctld
    show_log slurmd
    die "node $NODE not ready after ${WAIT_S}s (state: '${state:-no answer from slurmctld}')"
}

cmd_start() {
    require_root start
    [[ $GPUS =~ ^[0-9]+$ ]] || die "SYMREP_SLURM_LOCAL_GPUS must be a number, got '$GPUS'"
    install_packages
    mkdir -p "$CONF_DIR" "$LOG_DIR" "$CTLD_STATE" "$SLURMD_SPOOL"
    local changed=0 slurm_conf gres_conf task_prolog
    slurm_conf=$(render_slurm_conf)
    gres_conf=$(render_gres_conf)
    task_prolog=$(render_task_prolog)
    write_if_changed "$CONF_DIR/slurm.conf" "$slurm_conf" && changed=1
    write_if_changed "$CONF_DIR/gres.conf" "$gres_conf" && changed=1
    # The prolog is read at each task start, a new one needs no restart.
    write_if_changed "$TASK_PROLOG" "$task_prolog" || true
    chmod 0755 "$TASK_PROLOG"
    start_munge
    if ((changed)) && { is_running slurmctld || is_running slurmd; }; then
        log "configuration changed, restarting slurmctld and slurmd"
        stop_daemon slurmd "$SLURMD_PID"
        stop_daemon slurmctld "$CTLD_PID"
    fi
    if ! is_running slurmctld; then
        rm -f "$CTLD_PID"
        log "starting slurmctld"
        # -i: carry on past unreadable state files (e.g. from an older configuration).
        slurmctld -i || die "slurmctld failed to start; see $LOG_DIR/slurmctld.log: $(tail -3 "$LOG_DIR/slurmctld.log" 2>/dev/null)"
    fi
    if ! is_running slurmd; then
        rm -f "$SLURMD_PID"
        log "starting slurmd"
        slurmd || die "slurmd failed to start; see $LOG_DIR/slurmd.log: $(tail -3 "$LOG_DIR/slurmd.log" 2>/dev/null)"
    fi
    wait_for_node
    log "ready: partition '$PARTITION', node $NODE ($(node_state)), $GPUS fake GPU(s)"
}

# Stop the named daemons, or all three (slurmd first, munged last).
cmd_stop() {
    require_root stop
    local name
    (($# > 0)) || set -- slurmd slurmctld munged
    for name in "$@"; do
        case $name in
            slurmd) stop_daemon slurmd "$SLURMD_PID" ;;
            slurmctld) stop_daemon slurmctld "$CTLD_PID" ;;
            munged) stop_daemon munged "$MUNGE_PID" ;;
            *) die "unknown daemon '$name' (use slurmd, slurmctld or munged)" ;;
        esac
    done
    log "stopped: $*"
}

cmd_status() {
    local name rc=0
    for name in munged slurmctld slurmd; do
        if is_running "$name"; then
            printf '%-10s running (pid %s)\n' "$name" "$(live_pids "$name" | tr '\n' ' ' | sed 's/ $//')"
        else
            printf '%-10s NOT running\n' "$name"
            rc=1
        fi
    done
    if is_running slurmctld; then
        local state
        state=$(node_state || true)
        printf 'node       %s: %s\n' "$NODE" "${state:-no answer}"
        case $state in idle | mix | alloc | comp) ;; *) rc=1 ;; esac
        printf 'jobs       %s in squeue\n' "$(timeout 5 squeue -h 2>/dev/null | wc -l)"
    fi
    return $rc
}

cmd_check() {
    cmd_start
    local tmp out jobid
    tmp=$(mktemp -d)
    # The job, running as root on this node, writes into a fresh private folder.
    chmod 0755 "$tmp"
    # shellcheck disable=SC2016 # expanded inside the job
    jobid=$(sbatch --parsable --job-name=symrep-slurm-check -p "$PARTITION" -t 1 --mem=100 \
        --gpus=1 -o "$tmp/check.out" \
        --wrap='echo "SLURM_JOB_ID=$SLURM_JOB_ID CUDA_VISIBLE_DEVICES=${CUDA_VISIBLE_DEVICES:-}"') ||
        die "sbatch refused the smoke job"
    local i state=""
    for ((i = 0; i < 300; i++)); do
        state=$(squeue -h -j "$jobid" --states=all -o %T 2>/dev/null || true)
        [[ $state == COMPLETED || $state == FAILED || $state == CANCELLED* || $state == NODE_FAIL || $state == TIMEOUT ]] && break
        sleep 0.1
    done
    [[ $state == COMPLETED ]] || die "smoke job $jobid ended as '${state:-unknown}' (not COMPLETED within 30 s)"
    out=$(cat "$tmp/check.out")
    rm -rf "$tmp"
    echo "$out"
    [[ $out =~ CUDA_VISIBLE_DEVICES=[0-9] ]] || die "smoke job $jobid got no GPU: $out"
    log "check passed: job $jobid ran with a GPU"
}

main() {
    local cmd=${1:-start}
    case $cmd in
        start) cmd_start ;;
        stop)
            shift || true
            cmd_stop "$@"
            ;;
        status) cmd_status ;;
        check) cmd_check ;;
        -h | --help | help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' ;;
        *) die "unknown command '$cmd' (use start, stop, status or check)" ;;
    esac
}

main "$@"
