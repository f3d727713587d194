/**
 * /proc/self/mountinfo, parsed: which file system is mounted where, without touching the mount
 * itself (a stat of a hung FUSE mount never returns; this file is the kernel's own table).
 *
 * A line (proc(5)):
 *   36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
 *   id parent dev root mountpoint options [optional fields…] - fstype source super-options
 * The kernel writes space, tab, newline and backslash in paths and sources as octal escapes
 * (`\040`, `\011`, `\012`, `\134`).
 */

export interface MountEntry {
  /** Where it is mounted, decoded: "/var/lib/moor/mounts/a b". */
  mountpoint: string;
  /** "fuse.sshfs", "tmpfs", "ext4"… */
  fstype: string;
  /** Decoded: "root@127.0.0.1:/srv/data" for sshfs. */
  source: string;
  /** The per-mount options: ["rw", "nosuid", "nodev", "relatime"]. */
  options: string[];
  /** The file system's options: ["rw", "user_id=0", "group_id=0", "allow_other"]. */
  superOptions: string[];
}

/** Decodes the kernel's octal escapes (`\040` → space); anything else is kept as written. */
export function decodeMountinfoField(field: string): string {
  return field.replace(/\\([0-3][0-7]{2})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Every well-formed line, in the kernel's order (a mount listed after the one it covers). */
export function parseMountinfo(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    const dash = fields.indexOf('-', 6);
    if (dash < 0 || fields.length < dash + 3) continue;
    entries.push({
      mountpoint: decodeMountinfoField(fields[4]!),
      options: fields[5]!.split(','),
      fstype: fields[dash + 1]!,
      source: decodeMountinfoField(fields[dash + 2]!),
      superOptions: (fields[dash + 3] ?? '').split(',').filter(Boolean),
    });
  }
  return entries;
}

/** The mount visible at exactly `mountpoint` (the last one: mounts stack), if any. */
export function mountAt(entries: readonly MountEntry[], mountpoint: string): MountEntry | undefined {
  return entries.findLast((e) => e.mountpoint === mountpoint);
}
