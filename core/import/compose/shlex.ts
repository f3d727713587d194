/**
 * A string `command:` or `entrypoint:` → its words, as compose splits them (POSIX shell word
 * rules, as Python's shlex.split in docker-compose 1.x and go-shellwords in compose v2): blanks
 * separate words; '…' is literal; "…" keeps blanks, and \ escapes \ " $ ` and a newline in it;
 * outside quotes \ escapes any character. No expansion, no comments.
 */
export class ShlexError extends Error {}

export function splitShellWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      if (inWord) { words.push(word); word = ''; inWord = false; }
      i++;
    } else if (ch === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new ShlexError('no closing quotation (\')');
      word += text.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (ch === '"') {
      i++;
      inWord = true;
      for (;;) {
        if (i >= text.length) throw new ShlexError('no closing quotation (")');
        const c = text[i]!;
        if (c === '"') { i++; break; }
        if (c === '\\' && i + 1 < text.length && '\\"$`\n'.includes(text[i + 1]!)) {
          if (text[i + 1] !== '\n') word += text[i + 1];
          i += 2;
          continue;
        }
        word += c;
        i++;
      }
    } else if (ch === '\\') {
      if (i + 1 >= text.length) throw new ShlexError('no escaped character after \\');
      if (text[i + 1] !== '\n') { word += text[i + 1]; inWord = true; }
      i += 2;
    } else {
      word += ch;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}
