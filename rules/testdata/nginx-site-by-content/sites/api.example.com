# api.example.com
upstream api {
    server 10.0.1.10:8000;  # want "single-upstream"
}
server {
    listen 80;
    server_name api.example.com;
    location / {
        proxy_pass http://api;
    }
}
