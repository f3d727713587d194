/**
 * libc calls Node does not offer, through ffi-rs (a prebuilt N-API binding), loaded on first use.
 *
 * Each call is declared once in CALLS (its C parameter types and what moor needs it for); `callLibc`
 * runs it and turns a -1 return into a NativeCallError carrying errno. When ffi-rs or libc cannot be
 * loaded, every call throws a NativeUnavailableError with a plain message, never a stack trace.
 *
 * ffi-rs calls are synchronous and block the event loop: declare only calls that return at once
 * (flock with LOCK_NB, not a blocking flock).
 */
import { createRequire } from 'node:module';
import { getSystemErrorMap } from 'node:util';
import type * as FfiRs from 'ffi-rs';

type Ffi = typeof FfiRs;

/** ffi-rs or libc could not be loaded (unsupported platform, missing prebuilt binding, no such symbol). */
export class NativeUnavailableError extends Error {
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
export class NativeCallError extends Error {
  readonly code: string;
  constructor(
    readonly call: string,
    readonly args: readonly number[],
    readonly errno: number,
  ) {
    const [code, description] = getSystemErrorMap().get(-errno) ?? [`errno ${errno}`, 'unknown error'];
    super(`${call}(${args.join(', ')}) failed: ${code} (${description})`);
    this.name = 'NativeCallError';
    this.code = code;
  }
}

/** flock(2) operations, from <sys/file.h> (the same on Linux and the BSDs). */
export const LOCK_SH = 1;
export const LOCK_EX = 2;
export const LOCK_NB = 4;
export const LOCK_UN = 8;

/**
 * The C types the declared calls use, and ffi-rs's name for each. Every call returns int: -1 with
 * errno set on failure. mount(2)/umount2(2) will need `string` (DataType.String) here.
 */
const C_TYPES = { int: 'I32' } as const satisfies Record<string, keyof typeof FfiRs.DataType>;
type CType = keyof typeof C_TYPES;

interface Signature {
  readonly params: readonly CType[];
  /** Completes "moor needs libc through ffi-rs for …" when the call cannot be made. */
  readonly purpose: string;
}

const CALLS = {
  flock: { params: ['int', 'int'], purpose: 'the apply lock' },
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

/** Runs a declared call; returns its non-negative result, or throws NativeCallError on -1. */
function callLibc(name: CallName, args: readonly number[]): number {
  const sig: Signature = CALLS[name];
  for (const a of args) {
    if (!Number.isInteger(a) || a < -0x80000000 || a > 0x7fffffff) throw new TypeError(`${name}(): argument ${a} is not a C int`);
  }
  const lib = loadLibc(sig.purpose);
  let result: { value: number; errnoCode: number };
  try {
    result = lib.load<FfiRs.DataType.I32, true>({
      library: LIBRARY,
      funcName: name,
      retType: lib.DataType.I32,
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
