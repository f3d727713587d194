/**
 * Compose's `.env` syntax, parsed without side effects:
 *
 *   # a comment                      blank lines and comments are skipped
 *   export DB_USER=shop              an `export ` prefix is allowed (a file `source`d by a shell)
 *   DOMAIN=example.com # comment     unquoted: trimmed, ` #…` ends it
 *   GREETING="hello\nworld"          double quotes: \n \t \r \\ \" \$ escapes, ${VAR} expanded, may span lines
 *   PASSWORD='pa$$word'              single quotes: taken literally, may span lines
 *   URL=http://${HOST:-localhost}    ${VAR}, ${VAR:-default}, ${VAR-default} and $VAR expand (unquoted and
 *                                    double-quoted) from keys above in the same file, else the process environment
 *
 * Problems name the file and line, never a value: a .env file holds secrets.
 */

export interface DotenvEntry {
  key: string;
  value: string;
  line: number;
}

export interface DotenvProblem {
  line: number;
  message: string;
}

export interface DotenvResult {
  entries: DotenvEntry[];
  problems: DotenvProblem[];
}

const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** Expand ${VAR}, ${VAR:-default}, ${VAR-default} and $VAR; `lookup` gives what is defined so far. */
function expand(text: string, lookup: (name: string) => string | undefined): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_m, braced: string | undefined, op: string | undefined, def: string | undefined, bare: string | undefined) => {
    const v = lookup((braced ?? bare)!);
    if (op === ':-') return v === undefined || v === '' ? def! : v;
    if (op === '-') return v === undefined ? def! : v;
    return v ?? '';
  });
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', $: '\u0000' };

export function parseDotenv(text: string, processEnv: Record<string, string | undefined> = process.env): DotenvResult {
  const entries: DotenvEntry[] = [];
  const problems: DotenvProblem[] = [];
  const defined = new Map<string, string>();
  const lookup = (name: string) => defined.get(name) ?? processEnv[name];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = lines[i]!.trim();
    if (raw === '' || raw.startsWith('#')) continue;
    const body = raw.replace(/^export\s+/, '');
    const eq = body.indexOf('=');
    if (eq < 0) {
      problems.push({ line: lineNo, message: 'expected KEY=VALUE' });
      continue;
    }
    const key = body.slice(0, eq).trim();
    if (!KEY.test(key)) {
      problems.push({ line: lineNo, message: `invalid key ${JSON.stringify(key)}: use letters, digits and _ (not starting with a digit)` });
      continue;
    }
    let rest = body.slice(eq + 1).trimStart();
    let value: string;
    const quote = rest[0];
    if (quote === '"' || quote === "'") {
      // The value runs to the matching quote, possibly on a later line.
      let j = i;
      let content = rest.slice(1);
      let end = findClosing(content, quote);
      while (end < 0 && j + 1 < lines.length) {
        j++;
        content += `\n${lines[j]!}`;
        end = findClosing(content, quote);
      }
      if (end < 0) {
        problems.push({ line: lineNo, message: `the ${quote === '"' ? 'double' : 'single'} quote that starts ${key}'s value is never closed` });
        break;
      }
      const after = content.slice(end + 1).trim();
      if (after !== '' && !after.startsWith('#')) {
        problems.push({ line: j + 1, message: `unexpected text after the closing quote of ${key}'s value` });
        i = j;
        continue;
      }
      const inner = content.slice(0, end);
      value = quote === "'"
        ? inner
        : expand(inner.replace(/\\([ntr\\"$])/g, (_m, c: string) => ESCAPES[c]!), lookup).replace(/\u0000/g, '$');
      i = j;
    } else {
      const comment = rest.search(/\s#/);
      if (comment >= 0) rest = rest.slice(0, comment);
      value = expand(rest.trim(), lookup);
    }
    defined.set(key, value);
    entries.push({ key, value, line: lineNo });
  }
  return { entries, problems };
}

/** Index of the unescaped closing quote (a backslash escapes only inside double quotes). */
function findClosing(s: string, quote: string): number {
  for (let k = 0; k < s.length; k++) {
    if (quote === '"' && s[k] === '\\') { k++; continue; }
    if (s[k] === quote) return k;
  }
  return -1;
}
