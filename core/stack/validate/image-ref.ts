/**
 * Image references, checked with the grammar the engine parses them with (distribution's
 * reference package): [host[:port]/]path[:tag][@digest], where the path's components are
 * lower-case letters and digits joined by ".", "_", "__" or dashes, a tag is [\w][\w.-]{0,127}
 * and a digest is sha256:<64 hex digits>. Returns what is wrong, in words, or undefined.
 */

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_COMPONENT = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGESTS: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };
const NAME_MAX = 255;

function domainProblem(domain: string): string | undefined {
  const ipv6 = /^\[[0-9a-fA-F:.]+\](?::(\d+))?$/.exec(domain);
  if (ipv6) return undefined;
  const m = /^([^:]+)(?::(\d+))?$/.exec(domain);
  if (!m) return `registry "${domain}" is not a host name with an optional :port`;
  if (!m[1]!.split('.').every((c) => DOMAIN_COMPONENT.test(c))) return `registry "${domain}" is not a valid host name`;
  if (m[2] !== undefined && (Number(m[2]) < 1 || Number(m[2]) > 65535)) return `registry port ${m[2]} is out of range`;
  return undefined;
}

/** Does the first path component name a registry? (The engine's rule: it has a "." or ":", is "localhost", or has upper case.) */
function isDomain(first: string): boolean {
  return /[.:]/.test(first) || first === 'localhost' || first !== first.toLowerCase();
}

export function imageRefProblem(ref: string): string | undefined {
  if (ref === '') return 'the reference is empty';
  if (/\s/.test(ref)) return 'a reference cannot contain spaces';
  let rest = ref;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    const [algorithm, hex] = digest.split(':');
    const length = DIGESTS[algorithm ?? ''];
    if (length === undefined || hex === undefined) return `digest "${digest}" is not of the form sha256:<64 hex digits>`;
    if (!new RegExp(`^[a-f0-9]{${length}}$`).test(hex)) return `digest "${digest}" needs ${length} lower-case hex digits after "${algorithm}:"`;
  }
  const slash = rest.indexOf('/');
  let domain: string | undefined;
  let path = rest;
  if (slash >= 0 && isDomain(rest.slice(0, slash))) {
    domain = rest.slice(0, slash);
    path = rest.slice(slash + 1);
  }
  const colon = path.lastIndexOf(':');
  if (colon >= 0) {
    const tag = path.slice(colon + 1);
    path = path.slice(0, colon);
    if (!TAG.test(tag)) return `tag "${tag}" is not valid: letters, digits, "_", "." and "-", starting with a letter, digit or "_", at most 128 characters`;
  }
  if (domain !== undefined) {
    const problem = domainProblem(domain);
    if (problem) return problem;
  }
  if (path === '') return 'the repository name is missing';
  for (const component of path.split('/')) {
    if (COMPONENT.test(component)) continue;
    if (COMPONENT.test(component.toLowerCase())) return `repository name "${path}" must be lower-case`;
    return `repository path component "${component}" is not valid: lower-case letters and digits, separated by ".", "_", "__" or "-"`;
  }
  if ((domain ? `${domain}/${path}` : path).length > NAME_MAX) return `the repository name is longer than ${NAME_MAX} characters`;
  if (domain === undefined && /^[a-f0-9]{64}$/.test(path)) return 'a 64-digit hexadecimal string is an image id, not a repository name';
  return undefined;
}
