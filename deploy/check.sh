#!/bin/sh
# Checks the deployment on this machine: the production settings (smc.production) under gunicorn
# (smc/gunicorn_conf.py) behind nginx with deploy/nginx/smc.conf as it is (only its paths, host name and
# ports replaced), with a self-signed certificate. Installs Debian's nginx when it is missing.
#
#   DATABASE_URL=postgres://… REDIS_URL=redis://… deploy/check.sh
#
# Uses the database and Redis it is given (migrated and seeded here); starts its own gunicorn and nginx
# on free ports, in a temporary directory, and stops them at the end. Prints one line per check and
# exits non-zero when one fails.
set -eu

cd "$(dirname "$0")/.."
ROOT=$(pwd)
PY=${PY:-$ROOT/.venv/bin/python}
: "${DATABASE_URL:?set DATABASE_URL (a database this check may migrate and seed)}"
: "${REDIS_URL:?set REDIS_URL}"

if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
    echo "installing Debian's nginx"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

WORK=$(mktemp -d)
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
WEB_PORT=$(free_port); HTTPS_PORT=$(free_port); HTTP_PORT=$(free_port)
HOST=smc.example.org
GUNICORN_PID=""; NGINX_STARTED=""
cleanup() {
    [ -n "$NGINX_STARTED" ] && "$NGINX" -p "$WORK" -c "$WORK/nginx.conf" -s stop 2>/dev/null || true
    [ -n "$GUNICORN_PID" ] && kill "$GUNICORN_PID" 2>/dev/null && wait "$GUNICORN_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

# The production settings, with secrets made up for this run.
export DJANGO_SETTINGS_MODULE=smc.production
SECRET_KEY=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(50))'); export SECRET_KEY
CREDENTIALS_KEY=$("$PY" -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')
export CREDENTIALS_KEY
SMC_METRICS_TOKEN=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(24))'); export SMC_METRICS_TOKEN
export SMC_SITE_URL="https://$HOST" ALLOWED_HOSTS="$HOST" SMC_TRUSTED_PROXY_COUNT=1 SMC_METRICS_ALLOW="10.9.0.0/16"
export SMC_BIND="127.0.0.1:$WEB_PORT" WEB_CONCURRENCY=2 PROMETHEUS_MULTIPROC_DIR="$WORK/metrics"
export CACHE_KEY_PREFIX="deploy-check-$$" LOG_FORMAT=json

"$PY" manage.py migrate --noinput -v0
"$PY" manage.py seed >/dev/null
DJANGO_SETTINGS_MODULE=smc.settings "$PY" manage.py collectstatic --noinput -v0
"$PY" manage.py check --deploy --fail-level WARNING

openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=$HOST" -addext "subjectAltName=DNS:$HOST" \
    -keyout "$WORK/privkey.pem" -out "$WORK/fullchain.pem" 2>/dev/null

# The site file as shipped, with this run's paths, host name and ports.
sed -e "s#/etc/ssl/smc/#$WORK/#g" -e "s#/srv/smc/staticfiles/#$ROOT/staticfiles/#" \
    -e "s#smc.seoul.go.kr#$HOST#g" -e "s#127.0.0.1:8000#127.0.0.1:$WEB_PORT#" \
    -e "s#listen 443 #listen 127.0.0.1:$HTTPS_PORT #" -e "s#listen \[::\]:443 .*##" \
    -e "s#listen 80;#listen 127.0.0.1:$HTTP_PORT;#" -e "s#listen \[::\]:80;##" \
    deploy/nginx/smc.conf > "$WORK/smc.conf"
cat > "$WORK/nginx.conf" <<EOF
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/error.log;
events { worker_connections 64; }
http {
    include /etc/nginx/mime.types;
    access_log $WORK/access.log;
    client_body_temp_path $WORK/body; proxy_temp_path $WORK/proxy;
    fastcgi_temp_path $WORK/fastcgi; uwsgi_temp_path $WORK/uwsgi; scgi_temp_path $WORK/scgi;
    include $WORK/smc.conf;
}
EOF
"$NGINX" -p "$WORK" -c "$WORK/nginx.conf" -t -q
.venv/bin/gunicorn -c python:smc.gunicorn_conf smc.wsgi:application >"$WORK/gunicorn.log" 2>&1 &
GUNICORN_PID=$!
"$NGINX" -p "$WORK" -c "$WORK/nginx.conf"
NGINX_STARTED=1

CURL="curl -sS -k --resolve $HOST:$HTTPS_PORT:127.0.0.1 --resolve $HOST:$HTTP_PORT:127.0.0.1 --max-time 30"
BASE="https://$HOST:$HTTPS_PORT"
# Wait for gunicorn's workers (they load Kiwi and the classifier before answering).
i=0
until code=$($CURL -o /dev/null -w '%{http_code}' "$BASE/healthz" 2>/dev/null) && [ "$code" != 502 ]; do
    i=$((i + 1)); [ $i -gt 120 ] && { echo "gunicorn did not answer"; cat "$WORK/gunicorn.log"; exit 1; }
    sleep 1
done

failed=0
check() {  # check NAME EXPECTED ACTUAL
    if [ "$2" = "$3" ]; then echo "ok    $1"; else echo "FAIL  $1: expected $2, got $3"; failed=1; fi
}
status() { $CURL -o /dev/null -w '%{http_code}' "$@"; }
header() { $CURL -o /dev/null -D - "$2" | tr -d '\r' | grep -i "^$1:" | head -1 | cut -d' ' -f2-; }

check "portal over HTTPS (HTTP/2)" "200 2" "$($CURL -o /dev/null -w '%{http_code} %{http_version}' --http2 "$BASE/")"
check "portal is Korean" "1" "$($CURL "$BASE/" | grep -c '<html lang="ko"' || true)"
check "plain HTTP redirects to HTTPS" "301" "$(status "http://$HOST:$HTTP_PORT/")"
check "HSTS" "max-age=31536000; includeSubDomains; preload" "$(header Strict-Transport-Security "$BASE/")"
csp=$(header Content-Security-Policy "$BASE/")
check "CSP" "yes" "$(echo "$csp" | grep -q "default-src 'self'" && echo yes || echo "no ($csp)")"
check "request id passed through" "yes" "$([ -n "$(header X-Request-ID "$BASE/")" ] && echo yes || echo no)"
health=$($CURL "$BASE/healthz")
check "/healthz: PostgreSQL and Redis" "ok ok" \
    "$(echo "$health" | "$PY" -c 'import json,sys; c=json.load(sys.stdin)["checks"]; print(c["postgresql"], c["redis"])')"
echo "      /healthz: $health"
check "/metrics refused from outside" "403" "$(status "$BASE/metrics")"
check "/metrics: a forged X-Forwarded-For does not help" "403" \
    "$(status -H "X-Forwarded-For: 10.9.0.1" "$BASE/metrics")"
check "/metrics with the token" "200" "$(status -H "Authorization: Bearer $SMC_METRICS_TOKEN" "$BASE/metrics")"
check "/metrics holds SMC's figures" "yes" "$($CURL -H "Authorization: Bearer $SMC_METRICS_TOKEN" "$BASE/metrics" 2>/dev/null \
    | grep -q '^smc_messages_open{' && echo yes || echo no)"
static=$($CURL "$BASE/" | grep -o '/static/[^"]*\.css' | head -1)
check "static file served by nginx for 30 days" "200 max-age=2592000" \
    "$(status "$BASE$static") $(header Cache-Control "$BASE$static")"
head -c 2000000 /dev/zero > "$WORK/big"
check "request body over the limit refused" "413" "$(status -X POST --data-binary @"$WORK/big" "$BASE/support/")"
check "no server version in headers" "nginx" "$(header Server "$BASE/")"
[ $failed -eq 0 ] && echo "deploy check: all passed" || echo "deploy check: FAILED (logs: gunicorn, nginx above)"
[ $failed -eq 0 ] || { tail -20 "$WORK/gunicorn.log"; tail -20 "$WORK/error.log"; }
exit $failed
