#!/usr/bin/env bash
# Builds a local Docker image that behaves like the official postgres:15 for a client (initialises
# on first start, honours POSTGRES_PASSWORD / POSTGRES_HOST_AUTH_METHOD / POSTGRES_USER /
# POSTGRES_DB, listens on 5432, works with --tmpfs /var/lib/postgresql/data, stops on SIGINT)
# from this machine's own PostgreSQL 15 files: no registry is reachable here.
#
# Usage: build-postgres-image.sh IMAGE_TAG [MAJOR]
# Needs: postgresql-15, busybox-static, a Docker engine reachable through DOCKER_HOST.
set -euo pipefail

tag="$1"
major="${2:-15}"
pgbin="/usr/lib/postgresql/$major"
[ -x "$pgbin/bin/postgres" ] || { echo "no $pgbin/bin/postgres: install postgresql-$major" >&2; exit 3; }
[ -x /bin/busybox ] || { echo "no /bin/busybox: install busybox-static" >&2; exit 3; }

work="$(mktemp -d /tmp/sw-pg-image-XXXXXX)"
[ -n "${KEEP_WORK:-}" ] || trap 'rm -rf "$work"' EXIT
root="$work/rootfs"
mkdir -p "$root"/{bin,etc,tmp,var/run/postgresql,var/lib/postgresql/data,usr/bin,usr/lib/locale}
chmod 1777 "$root/tmp"

# PostgreSQL itself (without LLVM JIT: ~100 MB less; JIT then turns itself off).
mkdir -p "$root/usr/lib/postgresql" "$root/usr/share/postgresql"
cp -a "$pgbin" "$root/usr/lib/postgresql/"
rm -rf "$root/usr/lib/postgresql/$major/lib/llvmjit.so" "$root/usr/lib/postgresql/$major/lib/llvmjit_types.bc" "$root/usr/lib/postgresql/$major/lib/bitcode"
cp -a "/usr/share/postgresql/$major" "$root/usr/share/postgresql/"
mkdir -p "$root/usr/share"
cp -a /usr/share/zoneinfo "$root/usr/share/"
[ -d /usr/lib/locale/C.utf8 ] && cp -a /usr/lib/locale/C.utf8 "$root/usr/lib/locale/"

# Shared libraries of every binary and module, plus the loader.
copy_libs() {
  ldd "$1" 2>/dev/null | awk '/=> \//{print $3} /^[ \t]*\/lib/{print $1}' | while read -r lib; do
    [ -e "$root$lib" ] && continue
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
}
for file in "$root/usr/lib/postgresql/$major/bin/"* "$root/usr/lib/postgresql/$major/lib/"*.so /usr/bin/setpriv; do
  copy_libs "$file"
done
cp /usr/bin/setpriv "$root/usr/bin/setpriv"

# A shell and the usual tools from busybox (not linking over busybox itself).
cp /bin/busybox "$root/bin/busybox"
for applet in $(/bin/busybox --list); do
  [ "$applet" = busybox ] && continue
  [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done

cat > "$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
postgres:x:999:999:PostgreSQL:/var/lib/postgresql:/bin/sh
PASSWD
cat > "$root/etc/group" <<'GROUP'
root:x:0:
postgres:x:999:
GROUP
echo 'hosts: files dns' > "$root/etc/nsswitch.conf"

cat > "$root/entrypoint.sh" <<ENTRY
#!/bin/sh
# Like the official image's entrypoint, for what a client sees.
set -e
export PATH=/usr/lib/postgresql/$major/bin:/bin:/usr/bin
PGDATA="\${PGDATA:-/var/lib/postgresql/data}"
if [ "\$1" = postgres ]; then shift; fi
if [ "\$(id -u)" = 0 ]; then
  mkdir -p "\$PGDATA" /var/run/postgresql
  chown -R postgres:postgres "\$PGDATA" /var/run/postgresql
  chmod 700 "\$PGDATA"
  # busybox runs its own applets before PATH: call setpriv by its full path.
  exec /usr/bin/setpriv --reuid=postgres --regid=postgres --clear-groups /entrypoint.sh postgres "\$@"
fi
if [ ! -s "\$PGDATA/PG_VERSION" ]; then
  user="\${POSTGRES_USER:-postgres}"
  auth="\${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}"
  if [ -z "\$POSTGRES_PASSWORD" ] && [ "\$auth" != trust ]; then
    echo "Error: the database is uninitialized and the superuser password is not specified (POSTGRES_PASSWORD, or POSTGRES_HOST_AUTH_METHOD=trust)" >&2
    exit 1
  fi
  if [ -n "\$POSTGRES_PASSWORD" ]; then
    printf '%s' "\$POSTGRES_PASSWORD" > /tmp/pwfile
    initdb -D "\$PGDATA" -U "\$user" --pwfile=/tmp/pwfile -E UTF8 --locale=C.UTF-8 --auth-local=trust --auth-host="\$auth" >/dev/null
    rm -f /tmp/pwfile
  else
    initdb -D "\$PGDATA" -U "\$user" -E UTF8 --locale=C.UTF-8 --auth-local=trust --auth-host=trust >/dev/null
  fi
  echo "host all all all \$auth" >> "\$PGDATA/pg_hba.conf"
  db="\${POSTGRES_DB:-\$user}"
  if [ "\$db" != postgres ]; then
    echo "CREATE DATABASE \"\$db\"" | postgres --single -D "\$PGDATA" postgres >/dev/null
  fi
  echo "PostgreSQL init process complete; ready for start up."
fi
exec postgres -D "\$PGDATA" -c listen_addresses='*' "\$@"
ENTRY
chmod 755 "$root/entrypoint.sh"

tar -C "$root" -cf "$work/rootfs.tar" .
cat > "$work/Dockerfile" <<'DOCKERFILE'
FROM scratch
ADD rootfs.tar /
ENV PATH=/bin:/usr/bin
ENTRYPOINT ["/entrypoint.sh"]
CMD ["postgres"]
EXPOSE 5432
STOPSIGNAL SIGINT
DOCKERFILE
# The 28.x client in /usr/local/bin has no buildx: use the classic builder.
DOCKER_BUILDKIT=0 docker build -q -t "$tag" "$work" >/dev/null
echo "built $tag"
