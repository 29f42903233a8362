upstream app {  # want "keepalive-race"
    server app:9000;  # want "upstream-dns-resolved-once"
    keepalive 8;
}
server {
    listen 8000;
    location / {
        proxy_pass http://app;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
    }
}
