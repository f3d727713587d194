/**
 * A volume on a block device: the device() storage provider (compose's
 * `driver_opts: { type: ext4, device: /dev/sdb1, o: noatime }`, typed).
 *
 * `disk` is the ext4 file system on a block device of the engine's host, mounted by the engine's
 * local driver when `web` starts. `web` appends a line to /disk/starts each time it starts and
 * serves it on http://127.0.0.1:18740/ with its line of /proc/mounts.
 *
 * The data is the device's: replacing the container, changing the mount options (a replacement of
 * the engine volume, not of the file system) or destroying the stack leaves the files on it. moor
 * never formats a device: make the file system first. To try it without a spare disk, a loop
 * device on an image file (as root):
 *
 *   truncate -s 64M /var/tmp/moor-disk.img && mkfs.ext4 -q /var/tmp/moor-disk.img
 *   losetup -f --show /var/tmp/moor-disk.img        # prints e.g. /dev/loop3: put it below
 *   ./bin/moor.js apply examples/volume-device/stack.ts --yes
 */
import { stack, device } from 'moor';

export default stack('ex-volume-device', ({ image, volume, container }) => {
  const tools = image('tools', { build: { context: './tools' } });
  // Checked at plan time: /dev/loop3 exists and is a block device; the kernel knows ext4.
  const disk = volume('disk', { provider: device({ device: '/dev/loop3', type: 'ext4', options: 'noatime' }) });

  container('web', {
    image: tools,
    command: [
      'sh', '-c',
      'echo "start at $(date -u +%T)" >> /disk/starts; ' +
        '{ cat /disk/starts; grep " /disk " /proc/mounts; } > /disk/index.html; exec httpd -f -p 80 -h /disk',
    ],
    ports: [{ host: 18740, container: 80, hostIp: '127.0.0.1' }],
    mounts: [{ volume: disk, target: '/disk' }],
    // httpd as PID 1 ignores SIGTERM: stop it at once rather than after 10 s.
    stopSignal: 'SIGKILL',
  });
});
