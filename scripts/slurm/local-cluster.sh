#!/bin/bash
# A throw-away single-node Slurm cluster (slurmctld + slurmd + munge) for tests and trials, without systemd.
# Every file (config, munge key and socket, state, spool, logs, pid files) lives under $SLURM_DIR.
#
#   SLURM_DIR=/tmp/bq-slurm scripts/slurm/local-cluster.sh setup   # write slurm.conf and a munge key
#   SLURM_DIR=/tmp/bq-slurm scripts/slurm/local-cluster.sh start   # start munged, slurmctld, slurmd
#   SLURM_DIR=/tmp/bq-slurm scripts/slurm/local-cluster.sh wait    # until the node is idle (exit 1 after ~30 s)
#   SLURM_DIR=/tmp/bq-slurm scripts/slurm/local-cluster.sh stop    # stop the three daemons (always safe to call)
#   export SLURM_CONF=$SLURM_DIR/slurm.conf                        # then sbatch/squeue/sinfo talk to it
#
# Optional: SLURMCTLD_PORT / SLURMD_PORT (defaults 6817/6818; pick free ports to run beside another cluster),
# SLURM_CPUS (default: nproc), SLURM_MEMORY_MB (default: MemTotal minus 512 MiB; so --mem requests are honoured).
# Exit codes: 0 ok, 1 failed, 2 usage, 3 slurm-wlm or munge not installed, 4 not root (the daemons need root here).
set -euo pipefail
SLURM_DIR=${SLURM_DIR:-/tmp/bmequant-slurm}
export SLURM_CONF="$SLURM_DIR/slurm.conf"

need_tools() {
  local missing=()
  for t in munged slurmctld slurmd sinfo sbatch squeue scancel; do
    command -v "$t" >/dev/null 2>&1 || missing+=("$t")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "not installed: ${missing[*]} (Debian: apt-get install -y slurm-wlm munge)" >&2
    exit 3
  fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "the local cluster runs slurmctld/slurmd/munged as root; running as $(id -un)" >&2
    exit 4
  fi
}

stop_pid_file() {
  local f=$1 p
  [ -f "$f" ] || return 0
  p=$(cat "$f" 2>/dev/null || true)
  if [ -n "$p" ] && kill -TERM "$p" 2>/dev/null; then
    for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
  fi
  rm -f "$f"
}

case "${1:-}" in
setup)
  need_tools
  mkdir -p "$SLURM_DIR"/{munge-key,munge-run,state,spool,log}
  chmod 700 "$SLURM_DIR/munge-key"; chmod 755 "$SLURM_DIR/munge-run"
  if [ ! -f "$SLURM_DIR/munge-key/munge.key" ]; then
    dd if=/dev/urandom of="$SLURM_DIR/munge-key/munge.key" bs=128 count=1 status=none
    chmod 400 "$SLURM_DIR/munge-key/munge.key"
  fi
  cpus=${SLURM_CPUS:-$(nproc)}
  mem=${SLURM_MEMORY_MB:-$(( $(awk '/MemTotal/ {print int($2/1024)}' /proc/meminfo) - 512 ))}
  cat > "$SLURM_CONF" <<CONF
ClusterName=bmequant-local
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
SlurmctldPort=${SLURMCTLD_PORT:-6817}
SlurmdPort=${SLURMD_PORT:-6818}
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SLURM_DIR/munge-run/munge.socket
StateSaveLocation=$SLURM_DIR/state
SlurmdSpoolDir=$SLURM_DIR/spool
SlurmctldPidFile=$SLURM_DIR/slurmctld.pid
SlurmdPidFile=$SLURM_DIR/slurmd.pid
SlurmctldLogFile=$SLURM_DIR/log/slurmctld.log
SlurmdLogFile=$SLURM_DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SchedulerType=sched/backfill
MinJobAge=300
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
  echo "$SLURM_CONF"
  ;;
start)
  need_tools
  [ -f "$SLURM_CONF" ] || { echo "no $SLURM_CONF: run setup first" >&2; exit 1; }
  munged --force --key-file="$SLURM_DIR/munge-key/munge.key" --socket="$SLURM_DIR/munge-run/munge.socket" \
         --pid-file="$SLURM_DIR/munge-run/munged.pid" --log-file="$SLURM_DIR/log/munged.log" \
         --seed-file="$SLURM_DIR/munge-key/munged.seed"
  slurmctld -f "$SLURM_CONF"
  slurmd -f "$SLURM_CONF" -N localhost
  ;;
wait)
  for _ in $(seq 1 150); do
    if [ "$(sinfo -h -n localhost -o %T 2>/dev/null)" = idle ]; then echo "slurm ready"; exit 0; fi
    sleep 0.2
  done
  echo "slurm not ready after 30 s; logs in $SLURM_DIR/log" >&2
  exit 1 ;;
stop)
  stop_pid_file "$SLURM_DIR/slurmd.pid"
  stop_pid_file "$SLURM_DIR/slurmctld.pid"
  stop_pid_file "$SLURM_DIR/munge-run/munged.pid"
  ;;
*) echo "usage: $0 setup|start|wait|stop" >&2; exit 2 ;;
esac
