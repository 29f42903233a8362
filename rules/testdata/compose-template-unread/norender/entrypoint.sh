#!/bin/sh
set -e
mkdir -p /var/cache/nginx/client_temp
exec "$@"
