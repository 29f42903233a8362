# no502 as a container image: the static linux binary of the release build on an empty
# base. Build it after `go run ./internal/release -snapshot` (or -version vX.Y.Z), which
# leaves the binaries in dist/linux_amd64 and dist/linux_arm64:
#
#   docker buildx build --platform linux/amd64,linux/arm64 -t no502 .
#
# Run it on the current directory:  docker run --rm -v "$PWD:/src" no502 lint
FROM scratch
ARG TARGETARCH
COPY LICENSE /usr/share/doc/no502/LICENSE
COPY dist/linux_${TARGETARCH}/no502 /usr/local/bin/no502
ENV PATH=/usr/local/bin
# An unprivileged user with no entry in /etc/passwd: no502 needs no home, no shell and
# no write access outside the mounted directory.
USER 65532:65532
WORKDIR /src
ENTRYPOINT ["no502"]
CMD ["lint"]
