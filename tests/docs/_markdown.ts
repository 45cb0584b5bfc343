/**
 * The parts of Markdown the docs tests read: fenced code blocks, headings and their GitHub
 * anchors, and links, each outside code. Deliberately small: the docs use inline links and ATX
 * headings only.
 * @module
 */

/** The Markdown files a reader of the repository meets. */
export async function docFiles(root: URL): Promise<string[]> {
  const files = ["README.md", "CONTRIBUTING.md", "CHANGELOG.md"];
  for await (const entry of Deno.readDir(new URL("docs/", root))) {
    if (entry.isFile && entry.name.endsWith(".md")) files.push(`docs/${entry.name}`);
  }
  return files.sort();
}

/** A fenced code block: its info string ("ts", "ts ignore", …), its text, its first line. */
export interface Fence {
  info: string;
  code: string;
  line: number;
}

/** Splits a document into prose lines (code blocks blanked out) and its fenced code blocks. */
export function split(text: string): { prose: string[]; fences: Fence[] } {
  const prose: string[] = [];
  const fences: Fence[] = [];
  let open: { marker: string; info: string; line: number; body: string[] } | null = null;
  text.split("\n").forEach((line, i) => {
    const fence = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(line);
    if (open === null && fence) {
      open = { marker: fence[1], info: fence[2].trim(), line: i + 1, body: [] };
      prose.push("");
    } else if (open !== null) {
      if (line.trim().startsWith(open.marker) && line.trim().replace(/[`~]/g, "") === "") {
        fences.push({ info: open.info, code: open.body.join("\n"), line: open.line });
        open = null;
      } else open.body.push(line);
      prose.push("");
    } else prose.push(line);
  });
  return { prose, fences };
}

/** GitHub's anchor for a heading's text: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1") // links and images: their text
    .replace(/<[^>]+>/g, "") // inline HTML
    .replace(/[`*]/g, "") // code and emphasis markers
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "").replace(/ /g, "-");
}

/** Every anchor a document defines: heading slugs (numbered when repeated) and HTML ids. */
export function anchors(text: string): Set<string> {
  const { prose } = split(text);
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const line of prose) {
    const heading = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      const base = slug(heading[1]);
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      out.add(n === 0 ? base : `${base}-${n}`);
    }
    for (const m of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) out.add(m[1]);
  }
  return out;
}

/** A link in prose: its target as written and the line it is on. */
export interface Link {
  target: string;
  line: number;
}

/** Inline links and images outside code blocks and code spans. */
export function links(text: string): Link[] {
  const out: Link[] = [];
  split(text).prose.forEach((line, i) => {
    const bare = line.replace(/(`+)[\s\S]*?\1/g, ""); // code spans
    for (const m of bare.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      out.push({ target: m[1], line: i + 1 });
    }
  });
  return out;
}
