/**
 * libc calls Node does not offer, through ffi-rs (a prebuilt N-API binding), loaded on first use.
 *
 * Each call is declared once in CALLS (its C parameter types and what moor needs it for); `callLibc`
 * checks every argument against its C type, runs the call and turns a -1 return into a
 * NativeCallError carrying errno. When ffi-rs or libc cannot be loaded, every call throws a
 * NativeUnavailableError with a plain message, never a stack trace.
 *
 * ffi-rs calls are synchronous and block the event loop: declare only calls that return at once
 * (flock with LOCK_NB, not a blocking flock; mount/umount2 of FUSE file systems, which the kernel
 * does without waiting for the FUSE daemon; sync_file_range without its WAIT flags, posix_fadvise).
 * ffi-rs must not be loaded in a worker thread: the process crashes (SIGSEGV) when the thread ends.
 */
import { MoorError } from '../core/errors.js';
import { createRequire } from 'node:module';
import { getSystemErrorMap } from 'node:util';
import type * as FfiRs from 'ffi-rs';

type Ffi = typeof FfiRs;

/** ffi-rs or libc could not be loaded (unsupported platform, missing prebuilt binding, no such symbol). */
export class NativeUnavailableError extends MoorError {
  constructor(
    readonly purpose: string,
    readonly reason: string,
  ) {
    super(`moor needs libc through ffi-rs for ${purpose}, and it could not be loaded: ${reason}. Supported: Linux x64/arm64 with glibc.`);
    this.name = 'NativeUnavailableError';
  }
}

/**
 * A libc call returned -1. `errno` is the C errno (positive, unlike Node's negative `err.errno`);
 * `code` is its name as Node spells it (EAGAIN, EBADF, EINTR…; on Linux EWOULDBLOCK is EAGAIN).
 */
export class NativeCallError extends MoorError {
  readonly code: string;
  constructor(
    readonly call: string,
    readonly args: readonly CArg[],
    readonly errno: number,
  ) {
    const [code, description] = getSystemErrorMap().get(-errno) ?? [`errno ${errno}`, 'unknown error'];
    // Strings quoted, as C would show them: mount("h:/p", "/mnt", …) reads unambiguously.
    super(`${call}(${args.map((a) => (typeof a === 'string' ? JSON.stringify(a) : a)).join(', ')}) failed: ${code} (${description})`);
    this.name = 'NativeCallError';
    this.code = code;
  }
}

/** flock(2) operations, from <sys/file.h> (the same on Linux and the BSDs). */
export const LOCK_SH = 1;
export const LOCK_EX = 2;
export const LOCK_NB = 4;
export const LOCK_UN = 8;

/** mount(2) flags, from <sys/mount.h>. */
export const MS_RDONLY = 1;
/** Set-user-ID bits on the mount are ignored. */
export const MS_NOSUID = 2;
/** Device files on the mount cannot be opened. */
export const MS_NODEV = 4;
export const MS_NOEXEC = 8;
export const MS_NOATIME = 1024;

/** umount2(2) flags, from <sys/mount.h>. */
export const MNT_FORCE = 1;
/** Detach now, finish when no longer busy ("lazy"): the only way to remove a mount a process uses. */
export const MNT_DETACH = 2;
/** Do not follow a symlink at the target: only ever unmount the path as named. */
export const UMOUNT_NOFOLLOW = 8;

/**
 * The C types the declared calls use, and ffi-rs's name for each. Every call returns int: -1 with
 * errno set on failure.
 * - `string` is a `const char *`: ffi-rs copies the JS string into a NUL-terminated UTF-8 buffer.
 * - `unsigned long` is 64 bits on the supported platforms (LP64), so U64: passing an I32 would
 *   leave the register's upper half to chance. `long` (also off_t and off64_t there) is I64.
 */
const C_TYPES = { int: 'I32', 'unsigned long': 'U64', long: 'I64', string: 'String' } as const satisfies Record<string, keyof typeof FfiRs.DataType>;
type CType = keyof typeof C_TYPES;
/** What a C argument is on the JS side. */
type CArg = number | string;

/** Why `value` cannot be passed as `type`, or undefined when it can. */
function invalidArg(type: CType, value: CArg): string | undefined {
  switch (type) {
    case 'int':
      return typeof value === 'number' && Number.isInteger(value) && value >= -0x80000000 && value <= 0x7fffffff ? undefined : 'is not a C int';
    case 'long':
      return typeof value === 'number' && Number.isSafeInteger(value) ? undefined : 'is not a C long';
    case 'unsigned long':
      // Up to 2^53: a JS number holds no larger integer exactly; no flag word needs more.
      return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? undefined : 'is not a C unsigned long';
    case 'string':
      if (typeof value !== 'string') return 'is not a string';
      // C would read only up to the NUL: "/mnt/a\0/b" would act on "/mnt/a".
      return value.includes('\0') ? 'contains a NUL character' : undefined;
  }
}

interface Signature {
  readonly params: readonly CType[];
  /** The C return type: int unless said (ssize_t is a long on the supported platforms). */
  readonly ret?: 'int' | 'long';
  /** Completes "moor needs libc through ffi-rs for …" when the call cannot be made. */
  readonly purpose: string;
}

const CALLS = {
  flock: { params: ['int', 'int'], purpose: 'the apply lock' },
  // int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const void *data)
  mount: { params: ['string', 'string', 'string', 'unsigned long', 'string'], purpose: 'mounting a volume on this host' },
  // int umount2(const char *target, int flags)
  umount2: { params: ['string', 'int'], purpose: 'unmounting a volume on this host' },
  // ssize_t llistxattr(const char *path, char *list, size_t size): with size 0, the list's length.
  llistxattr: { params: ['string', 'string', 'unsigned long'], ret: 'long', purpose: 'reading extended attributes' },
  // ssize_t lgetxattr(const char *path, const char *name, void *value, size_t size): with size 0, the value's length.
  lgetxattr: { params: ['string', 'string', 'string', 'unsigned long'], ret: 'long', purpose: 'reading extended attributes' },
  // int sync_file_range(int fd, off64_t offset, off64_t nbytes, unsigned int flags)
  sync_file_range: { params: ['int', 'long', 'long', 'int'], purpose: 'writing an archive through to its disk as it is made' },
  // int posix_fadvise(int fd, off_t offset, off_t len, int advice): returns the error number itself, never -1 (see fadvise).
  posix_fadvise: { params: ['int', 'long', 'long', 'int'], purpose: 'keeping a written archive out of the page cache' },
} as const satisfies Record<string, Signature>;

type CallName = keyof typeof CALLS;

/** ffi-rs's key for the opened library: private to moor, so it cannot clash with another user of ffi-rs. */
const LIBRARY = 'moor-libc';

let ffi: Ffi | undefined;
let loadFailure: string | undefined;

/** The first line of an error's message: module-not-found errors append a "Require stack" we do not show. */
function firstLine(e: unknown): string {
  return ((e as Error)?.message ?? String(e)).split('\n', 1)[0]!.trim();
}

function loadLibc(purpose: string): Ffi {
  if (ffi) return ffi;
  if (loadFailure === undefined) {
    try {
      const loaded = createRequire(import.meta.url)('ffi-rs') as Ffi;
      // An empty path opens the running program: node itself links libc, so its symbols are there.
      loaded.open({ library: LIBRARY, path: '' });
      ffi = loaded;
      return ffi;
    } catch (e) {
      loadFailure = firstLine(e);
    }
  }
  throw new NativeUnavailableError(purpose, loadFailure);
}

/**
 * Runs a declared call; returns its non-negative result, or throws NativeCallError on -1. Arguments
 * that do not fit their C type are a TypeError, before ffi-rs is loaded.
 */
function callLibc(name: CallName, args: readonly CArg[]): number {
  const sig: Signature = CALLS[name];
  if (args.length !== sig.params.length) throw new TypeError(`${name}(): expected ${sig.params.length} arguments, got ${args.length}`);
  sig.params.forEach((type, i) => {
    const why = invalidArg(type, args[i]!);
    if (why) throw new TypeError(`${name}(): argument ${i + 1} (${typeof args[i] === 'string' ? JSON.stringify(args[i]) : String(args[i])}) ${why}`);
  });
  const lib = loadLibc(sig.purpose);
  let result: { value: number; errnoCode: number };
  try {
    // An int and a long (I64) both come back as a JS number.
    result = lib.load<FfiRs.DataType.I32, true>({
      library: LIBRARY,
      funcName: name,
      retType: (sig.ret === 'long' ? lib.DataType.I64 : lib.DataType.I32) as FfiRs.DataType.I32,
      paramsType: sig.params.map((t) => lib.DataType[C_TYPES[t]]),
      paramsValue: [...args],
      errno: true,
    });
  } catch (e) {
    // ffi-rs throws when it cannot make the call at all, e.g. libc lacks the symbol.
    throw new NativeUnavailableError(sig.purpose, `${name}(): ${firstLine(e)}`);
  }
  // errno is meaningful only after a failure: ffi-rs reports it unchanged after a success.
  if (result.value === -1) throw new NativeCallError(name, args, result.errnoCode);
  return result.value;
}

/** sync_file_range(2) flags, from <fcntl.h>. */
export const SYNC_FILE_RANGE_WAIT_BEFORE = 1;
export const SYNC_FILE_RANGE_WRITE = 2;
export const SYNC_FILE_RANGE_WAIT_AFTER = 4;

/**
 * sync_file_range(2): start the write-back of the dirty pages of `fd` in [offset, offset+nbytes)
 * (SYNC_FILE_RANGE_WRITE), and with the WAIT flags wait for it. Not a durability guarantee (no
 * metadata, no disk cache flush): fsync is. With only SYNC_FILE_RANGE_WRITE it returns once the
 * writes are queued (the only use here: it does not wait for the disk); the WAIT flags would block
 * the event loop until the disk is done.
 */
export function syncFileRange(fd: number, offset: number, nbytes: number, flags: number): void {
  callLibc('sync_file_range', [fd, offset, nbytes, flags]);
}

/** posix_fadvise(2) advice, from <fcntl.h> (Linux values). */
export const POSIX_FADV_DONTNEED = 4;

/**
 * posix_fadvise(2). With POSIX_FADV_DONTNEED the kernel drops the clean, unmapped pages of the range
 * from the page cache (dirty pages and pages under write-back stay). Unlike most calls it returns
 * the error number instead of setting errno: a non-zero return is a NativeCallError all the same.
 */
export function fadvise(fd: number, offset: number, len: number, advice: number): void {
  const err = callLibc('posix_fadvise', [fd, offset, len, advice]);
  if (err !== 0) throw new NativeCallError('posix_fadvise', [fd, offset, len, advice], err);
}

/**
 * flock(2): apply or remove an advisory lock on the open file `fd`. With LOCK_NB a held lock is a
 * NativeCallError with code EAGAIN (EWOULDBLOCK) instead of a wait. LOCK_SH/LOCK_EX without LOCK_NB
 * are refused: the call would block the whole process, event loop included, until the lock is free.
 */
export function flock(fd: number, operation: number): void {
  if (operation & (LOCK_SH | LOCK_EX) && !(operation & LOCK_NB)) {
    throw new TypeError('flock(): LOCK_SH/LOCK_EX need LOCK_NB here (a blocking flock would stall the event loop); poll instead');
  }
  callLibc('flock', [fd, operation]);
}

/**
 * mount(2) with a string `data` (the file system's comma-separated options). Needs CAP_SYS_ADMIN;
 * a refusal is a NativeCallError (EPERM without it, EBUSY when something is mounted there, ENOENT
 * for a missing target…).
 */
export function mount(source: string, target: string, fstype: string, flags: number, data: string): void {
  callLibc('mount', [source, target, fstype, flags, data]);
}

/** umount2(2). Not mounted is EINVAL, a busy mount without MNT_DETACH is EBUSY, unprivileged is EPERM. */
export function umount2(target: string, flags: number): void {
  callLibc('umount2', [target, flags]);
}

/**
 * The length of the NUL-separated list of `file`'s extended attribute names (0 when it has none),
 * the link itself for a symlink (llistxattr(2) with size 0). A file system without extended
 * attributes is 0 too.
 */
export function xattrListLength(file: string): number {
  try {
    // size 0: the kernel only measures, and writes nothing into the (one byte) buffer passed.
    return callLibc('llistxattr', [file, '', 0]);
  } catch (e) {
    if (e instanceof NativeCallError && e.code === 'ENOTSUP') return 0;
    throw e;
  }
}

/** Whether `file` (the link itself for a symlink) has the extended attribute `name` (lgetxattr(2) with size 0). */
export function hasXattr(file: string, name: string): boolean {
  try {
    callLibc('lgetxattr', [file, name, '', 0]);
    return true;
  } catch (e) {
    if (e instanceof NativeCallError && (e.code === 'ENODATA' || e.code === 'ENOTSUP')) return false;
    throw e;
  }
}
