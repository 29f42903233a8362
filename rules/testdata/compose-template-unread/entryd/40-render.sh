#!/bin/sh
envsubst '${SERVER_NAME}' < /etc/nginx/conf.d/site.conf.template > /etc/nginx/conf.d/site.conf
