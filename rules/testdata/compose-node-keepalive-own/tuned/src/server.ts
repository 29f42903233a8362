const server = app.listen(3000);
// Above the proxy's idle timeout for upstream connections.
server.keepAliveTimeout = 130_000;
server.headersTimeout = 131_000;
