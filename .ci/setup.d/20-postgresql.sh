#!/usr/bin/env bash
# PostgreSQL server binaries for the store tests, which start their own throwaway server on
# loopback (tests/store/conftest.py); no cluster is created or started here. Idempotent: a
# machine that already has initdb returns at once.
set -euo pipefail

if compgen -G "/usr/lib/postgresql/*/bin/initdb" > /dev/null; then
    echo "PostgreSQL present: $(ls -d /usr/lib/postgresql/*/bin | tr '\n' ' ')"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
# Debian would create and start a "main" cluster; the tests do not need one.
$SUDO mkdir -p /etc/postgresql-common/createcluster.d
echo "create_main_cluster = false" | $SUDO tee /etc/postgresql-common/createcluster.d/50-stratowatch.conf > /dev/null
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends postgresql > /dev/null
ls -d /usr/lib/postgresql/*/bin/initdb
