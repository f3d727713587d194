/**
 * The busybox shell scripts of the migration benchmark, run in containers of the benchmark image:
 * fill a volume, list it (what the harness compares after every run), and copy one volume into
 * another with the same listing compared on both sides (the raw floor's copy). Plain JavaScript:
 * the raw floor (bench/raw-migrate.mjs) imports them too.
 */

/**
 * `list DIR` prints, sorted by path: every directory's mode and owner; every other entry's type,
 * mode, owner, size, link count and (for symlinks) target; then the sha256 of every regular file.
 * Paths are relative (`./…`) so listings of the same tree in two places compare equal. Names
 * must not contain blanks (xargs); the benchmark's data has none.
 */
export const LIST = `list() (
  cd "$1"
  find . -type d | sort | xargs -r stat -c '%n|%F|%a|%u:%g'
  find . ! -type d | sort | xargs -r stat -c '%n|%F|%a|%u:%g|%s|%h|%N'
  find . -type f | sort | xargs -r sha256sum
)`;

/** Shell arguments for a container that runs `script` with busybox sh, failing on any error (the image has no /tmp). */
export const sh = (script) => ['sh', '-c', `set -eo pipefail\nmkdir -p /tmp\n${script}`];

/**
 * Fill the volume mounted at /data: `big` random files of 1 MiB in 16 directories, `small`
 * random files of 0–8 KiB three levels deep, owners and modes varied (a setgid and a sticky
 * directory, a setuid file, read-only files), a symlink into the tree, a dangling symlink, a
 * hardlink, empty directories, and a root owned by 999:999 with mode 750.
 */
export function fillScript(big, small) {
  return sh(`cd /data
i=0
while [ $i -lt ${big} ]; do
  d=big/d$((i % 16)); [ -d $d ] || mkdir -p $d
  head -c 1048576 /dev/urandom > $d/f$i.bin
  i=$((i + 1))
done
i=0
while [ $i -lt ${small} ]; do
  d=small/d$((i % 10))/e$((i % 7)); [ -d $d ] || mkdir -p $d
  head -c $(( (i * 131) % 8192 )) /dev/urandom > $d/s$i.txt
  i=$((i + 1))
done
k=0
while [ $k -lt 10 ]; do
  [ -d small/d$k ] && chown -R $((1000 + k)):$((100 + k % 3)) small/d$k
  k=$((k + 1))
done
[ -d big/d3 ] && chown -R 999:999 big/d3
find small -type f -name '*1.txt' -exec chmod 600 {} +
find small -type f -name '*3.txt' -exec chmod 755 {} +
find small -type f -name '*7.txt' -exec chmod 444 {} +
find big -type f -name '*5.bin' -exec chmod 640 {} +
[ -d small/d3 ] && chmod 700 small/d3
[ -d small/d5 ] && chmod 2775 small/d5
[ -d small/d6 ] && chmod 1777 small/d6
mkdir -p bin empty/nested/deeper
head -c 4096 /dev/urandom > bin/tool && chmod 4755 bin/tool
ln -s ../big/d0/f0.bin bin/first-big
ln -s does-not-exist bin/dangling
ln bin/tool bin/tool-hardlink
chown 999:999 . && chmod 750 .`);
}

/** Print the listing of the tree at `dir` into `out` (a file in the container). */
export const listScript = (dir, out) => sh(`${LIST}\nlist ${dir} > ${out}`);

/**
 * Copy the tree at /src into /dst (which is empty) with tar, then list both sides at once and
 * require the listings to be identical.
 */
export const copyScript = () => sh(`${LIST}
(cd /src && tar -cf - .) | (cd /dst && tar -xf -)
list /src > /tmp/src.list & a=$!
list /dst > /tmp/dst.list & b=$!
wait $a
wait $b
if ! cmp -s /tmp/src.list /tmp/dst.list; then
  echo "the copy does not list the same as its source:"
  diff /tmp/src.list /tmp/dst.list | head -20
  exit 1
fi`);
