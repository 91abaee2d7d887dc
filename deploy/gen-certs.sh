#!/bin/sh
# One-shot secrets for a jiq deployment (compose.yaml mounts them as Docker secrets):
#   a private CA, server certificates for NATS, Redis and gRPC dispatchers signed by it,
#   jiq's shared secret, the NATS and Redis passwords, and the NATS and Redis configs that use them.
#
#   deploy/gen-certs.sh                        # writes deploy/secrets/ (refuses to overwrite)
#   deploy/gen-certs.sh --out DIR --paths-in DIR --dispatchers dispatcher-0,dispatcher-1 --cluster prod --days 365 --force
#
# --out DIR          where to write (default: deploy/secrets next to this script)
# --paths-in DIR     the folder the configs name the files in (default /run/secrets, where Docker
#                    mounts secrets; e2e/compose-local.test.ts passes --out's folder to run them locally)
# --dispatchers LIST DNS names of gRPC dispatchers (certificate dispatcher_cert; compose uses NATS)
# --cluster NAME     the NATS user may use only the subjects "<NAME>.>" (jiq's --cluster; default jiq)
#
# Plain openssl (no jiq code touches a private key; runs wherever openssl 1.1.1+ or 3.x does).
# File names are the secret names in compose.yaml. Files are 0644 so the containers' users
# (node, nats, redis) can read their bind mounts; the folder is 0700 so no other host user can.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out="$here/secrets"
paths_in=/run/secrets
dispatchers=dispatcher
cluster=jiq
days=365
force=no

while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --paths-in) paths_in=$2; shift 2 ;;
    --dispatchers) dispatchers=$2; shift 2 ;;
    --cluster) cluster=$2; shift 2 ;;
    --days) days=$2; shift 2 ;;
    --force) force=yes; shift ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "gen-certs.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

case "$cluster" in
  *[!A-Za-z0-9_-]*|'') echo "gen-certs.sh: --cluster: must be one NATS subject token (letters, digits, _ and -), got '$cluster'" >&2; exit 2 ;;
esac
case "$days" in
  *[!0-9]*|'') echo "gen-certs.sh: --days: must be a whole number of days, got '$days'" >&2; exit 2 ;;
esac
command -v openssl >/dev/null 2>&1 || { echo "gen-certs.sh: openssl is needed (apt-get install openssl)" >&2; exit 2; }
if [ -e "$out/ca_cert" ] && [ "$force" != yes ]; then
  echo "gen-certs.sh: $out already holds secrets; pass --force to replace them (every process then needs the new ones)" >&2
  exit 2
fi

mkdir -p "$out"
chmod 700 "$out"
cd "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# P-256 keys: small, fast handshakes, supported by Node, nats-server and Redis.
newkey() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

newkey ca_key
openssl req -x509 -new -key ca_key -sha256 -days "$days" -subj "/CN=jiq-ca" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out ca_cert

# leaf NAME SANS: a server certificate for the names (and loopback, for local runs).
leaf() {
  newkey "$1_key"
  openssl req -new -key "$1_key" -subj "/CN=$1" -out "$work/$1.csr"
  printf 'subjectAltName=%s,DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n' "$2" > "$work/$1.ext"
  openssl x509 -req -in "$work/$1.csr" -CA ca_cert -CAkey ca_key -CAcreateserial -CAserial "$work/ca.srl" \
    -sha256 -days "$days" -extfile "$work/$1.ext" -out "$1_cert" 2>/dev/null
}

leaf nats DNS:nats
leaf redis DNS:redis
sans=$(printf '%s' "$dispatchers" | tr ',' '\n' | sed '/^$/d; s/^/DNS:/' | paste -sd, -)
leaf dispatcher "$sans"

# Secrets: base64 for jiq (at least 16 characters), hex for passwords (no URL or config escaping).
openssl rand -base64 32 > jiq_token
openssl rand -hex 24 > nats_password
openssl rand -hex 24 > redis_password

cat > nats_conf <<EOF
# Made by deploy/gen-certs.sh. TLS for every client; one user, allowed only the cluster's subjects
# (jiq's inboxes live under "$cluster._INBOX", so "$cluster.>" is all it needs).
tls {
  cert_file: "$paths_in/nats_cert"
  key_file: "$paths_in/nats_key"
  timeout: 2
}
authorization {
  users = [
    { user: "jiq", password: "$(cat nats_password)", permissions: { publish: ["$cluster.>"], subscribe: ["$cluster.>"] } }
  ]
}
EOF

cat > redis_conf <<EOF
# Made by deploy/gen-certs.sh. TLS on 6380 (the plaintext port is turned off with --port 0) and a password.
tls-port 6380
tls-cert-file $paths_in/redis_cert
tls-key-file $paths_in/redis_key
tls-ca-cert-file $paths_in/ca_cert
tls-auth-clients no
requirepass $(cat redis_password)
EOF

chmod 600 ca_key
chmod 644 ca_cert nats_cert nats_key redis_cert redis_key dispatcher_cert dispatcher_key jiq_token nats_password redis_password nats_conf redis_conf
echo "gen-certs.sh: wrote $(ls | tr '\n' ' ')to $out (valid $days days; keep ca_key offline if you can: it signs new certificates)"
